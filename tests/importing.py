"""What the import-command tests share: files written as a user would, and the database to compare."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jobs.models import Job, JobStatus


def write_csv(tmp_path, rows, *, name="data.csv", bom=False):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def write_xlsx(tmp_path, rows, *, name="data.xlsx"):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return str(path)


def run_command(command, path, *args):
    """Run an import that must succeed; its standard output."""
    out = io.StringIO()
    call_command(command, path, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def rejected_command(command, path, *args):
    """Run an import that must write nothing; its standard error, one problem a line."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(command, path, *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def snapshot(*models):
    return [list(model.objects.order_by("pk").values()) for model in models]


def pending_jobs():
    return list(Job.objects.filter(status=JobStatus.PENDING).values_list("kind", "key"))


def long_scores_file(path, units, leaves, *, rows):
    """A long score file of `rows` rows: every leaf of each unit in turn (scores 0 to 9.6), CSV or
    XLSX by the path's suffix."""
    lines = [
        (units[number // len(leaves)].code, leaves[number % len(leaves)], f"{number % 97 / 10}")
        for number in range(rows)
    ]
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(["unit_code", "criterion_code", "score"])
        for unit_code, leaf, score in lines:
            sheet.append([unit_code, leaf, float(score)])
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8") as out:
            out.write("unit_code,criterion_code,score\n")
            out.writelines(f"{unit_code},{leaf},{score}\n" for unit_code, leaf, score in lines)
    return path
