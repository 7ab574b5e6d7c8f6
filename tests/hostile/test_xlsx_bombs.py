"""Hostile workbooks — a zip declaring hundreds of megabytes of sheet, one squeezed hundreds of
times, a directory of a hundred thousand entries, a "billion laughs" entity bomb in the sheet, the
shared strings or the workbook part — are refused quickly, without the memory they ask for, with a
message that says why: by read_table, on the import page and by the import commands."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from imports.models import ImportRun, ImportStatus
from tests.hostile import bombs
from tests.importing import rejected_command, snapshot
from units.models import Unit

# A fresh Python process per bomb, to measure its memory alone: seconds per test.
pytestmark = pytest.mark.slow

ZIP_BOMBS = {
    "280 MB of sheet": (lambda: bombs.sheet_bomb(280), "would expand to"),
    "compressed 340 times": (lambda: bombs.sheet_bomb(50), "is compressed"),
    "60 000 entries": (lambda: bombs.many_entries(60_000), "parts, far more than a real spreadsheet"),
    # Past 65 535 entries the count is in a ZIP64 record, which zipfile believes over the plain one.
    "100 000 entries, ZIP64": (lambda: bombs.many_entries(100_000), "parts, far more than a real spreadsheet"),
}
ENTITY_BOMBS = {
    f"entity bomb in {part}": (lambda part=part: bombs.entity_bomb(part), "declares XML entities")
    for part in (bombs.SHEET, bombs.SHARED_STRINGS, bombs.WORKBOOK)
}
BOMBS = {**ZIP_BOMBS, **ENTITY_BOMBS}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    """Each bomb written once for the module (the big ones take a second or two to squeeze)."""
    directory = tmp_path_factory.mktemp("bombs")
    files = {}
    for name, (make, _) in BOMBS.items():
        files[name] = directory / f"{len(files)}.xlsx"
        files[name].write_bytes(make())
    files["real"] = directory / "real.xlsx"
    files["real"].write_bytes(bombs.real_workbook())
    return files


def measure(path):
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.measure_read", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_bomb_is_refused_quickly_without_its_memory(bomb_files, bomb):
    measured = measure(bomb_files[bomb])
    assert measured["rows"] == 0
    assert len(measured["problems"]) == 1 and BOMBS[bomb][1] in measured["problems"][0]
    assert measured["seconds"] < 2
    assert measured["extra_mb"] < 100


def test_a_real_workbook_still_reads(bomb_files):
    # The measure itself is sound: the same process reads a real workbook's rows.
    measured = measure(bomb_files["real"])
    assert (measured["problems"], measured["rows"]) == ([], 1)


def test_openpyxl_parses_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_the_import_page_refuses_a_bomb_and_says_why(
    client, tree, appraiser, bomb_files, bomb, settings, tmp_path, english, tasks_in_process
):
    settings.IMPORT_ROOT = tmp_path / "imports"
    client.force_login(appraiser)
    before = snapshot(Unit, AuditEntry)
    upload = SimpleUploadedFile("units.xlsx", bomb_files[bomb].read_bytes())
    response = client.post("/imports/", {"kind": "units", "file": upload})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REJECTED
    page = client.get(response.url)
    assert page.status_code == 200 and BOMBS[bomb][1] in page.content.decode()
    assert snapshot(Unit, AuditEntry) == before


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_the_import_command_refuses_a_bomb_and_says_why(tree, bomb_files, bomb, english):
    before = snapshot(Unit, AuditEntry)
    assert BOMBS[bomb][1] in rejected_command("import_units", str(bomb_files[bomb]))
    assert snapshot(Unit, AuditEntry) == before
