"""Time and peak memory of a browser import's check (imports.services.import_run_check) of a big
generated long-form scores CSV, on a throwaway SQLite database, with tasks in-process.

    .venv/bin/python bench/import_check.py --rows 1000000 [--workdir /tmp/import-check]

Prints the file's size, the check's seconds, the process's peak RSS (ru_maxrss) before and after
the check, and the run's status. Run it in a fresh process each time: ru_maxrss never goes down."""

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--criteria", type=int, default=100)
    parser.add_argument("--workdir", default="/tmp/import-check")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    database = work / "db.sqlite3"
    database.unlink(missing_ok=True)
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["IMPORT_ROOT"] = str(work / "imports")
    os.environ.setdefault("IMPORT_MAX_ROWS", str(10 * args.rows))  # measure the check, not the refusal
    os.environ["DJANGO_SETTINGS_MODULE"] = "reformdash.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.management import call_command

    from imports import services
    from indicators.models import Criterion, Index, Methodology
    from units.models import Unit, UnitKind

    call_command("migrate", verbosity=0)
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    methodology = Methodology.objects.create(index=index, year=2024, unit_kind=UnitKind.DEPARTMENT, aggregation="sum")
    area = Criterion.objects.create(methodology=methodology, code="1", title="1", max_points=args.criteria * 10)
    codes = [f"1.{i}" for i in range(1, args.criteria + 1)]
    Criterion.objects.bulk_create(
        Criterion(methodology=methodology, parent=area, code=code, title=code, max_points=10) for code in codes
    )
    province = Unit.objects.create(code="P", name="Tỉnh", kind=UnitKind.PROVINCE)
    units = -(-args.rows // args.criteria)
    Unit.objects.bulk_create(
        Unit(code=f"D{i:06}", name=f"Sở {i}", kind=UnitKind.DEPARTMENT, parent=province) for i in range(units)
    )
    user = get_user_model().objects.create_user(username="bench")  # the check asks nothing of its role
    path = work / "scores.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_code", "criterion_code", "score"])
        for row in range(args.rows):
            writer.writerow([f"D{row // args.criteria:06}", codes[row % args.criteria], "7.5"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with open(path, "rb") as handle:
        run = services.import_run_check(
            user=user, kind="scores", upload=File(handle, name="scores.csv"), index=index, year=2024
        )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run.refresh_from_db()
    print(
        f"rows={args.rows:,} file={path.stat().st_size / 2**20:.1f} MB check={seconds:.1f} s "
        f"peak RSS before={before / 1024:.0f} MB after={after / 1024:.0f} MB status={run.status} "
        f"problems={run.problem_count} error={run.error[:120]!r}"
    )


if __name__ == "__main__":
    main()
