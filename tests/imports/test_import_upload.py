"""/imports/: who may upload, what is refused before it is read, and a check that lists every
problem with its line, column and reason and writes nothing."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from imports.models import ImportRun, ImportStatus
from jobs.models import Job
from tests.imports.conftest import (
    GOOD,
    IMPORTERS,
    ROLES,
    client_as,
    csv_upload,
    last_run,
    scores_form,
    snapshot,
    xlsx_bytes,
)

URL = reverse("import_upload")


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_appraisers_and_admins_see_the_page(client, users, role, english):
    response = client_as(client, users(role)).get(URL)
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith("/login/")
    elif role in IMPORTERS:
        assert response.status_code == 200
        assert b"upload-form" in response.content and b"template-form" in response.content
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ["staff", "head_a", "head_b"])
def test_read_only_staff_and_unit_heads_cannot_upload(client, users, role, par):
    before = snapshot()
    response = client_as(client, users(role)).post(URL, scores_form(csv_upload(GOOD)))
    assert response.status_code == 404
    assert not ImportRun.objects.exists()
    assert snapshot() == before


def test_anonymous_cannot_upload(client, par):
    response = client.post(URL, scores_form(csv_upload(GOOD)))
    assert response.status_code == 302
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("role", ["staff", "head_a", "appraiser"])
def test_the_nav_shows_import_to_importers_only(client, users, role, english):
    response = client_as(client, users(role)).get(reverse("home"))
    assert (f'href="{URL}"' in response.content.decode()) == (role == "appraiser")


# --- the check ---------------------------------------------------------------------------------


def test_a_clean_file_is_checked_and_nothing_is_written(client, appraiser, par, english):
    before = snapshot()
    response = client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD)))
    run = last_run()
    assert response.status_code == 302 and response.url == reverse("import_run", args=[run.pk])
    assert run.status == ImportStatus.CHECKED and run.rows == 1 and run.user == appraiser
    assert run.summary == {"scores": 3, "changed": 3, "assessments created": 1}
    assert snapshot() == before
    page = client.get(response.url).content.decode()
    assert "Confirm and write" in page and "assessments created" in page


def test_every_problem_is_listed_with_line_column_and_reason_and_nothing_is_written(client, appraiser, par, english):
    rows = [
        ["unit_code", "1.1", "1.2", "9.9"],
        ["A", "41", "abc", ""],
        ["NOPE", "1", "", ""],
    ]
    before = snapshot()
    client_as(client, appraiser).post(URL, scores_form(csv_upload(rows)))
    run = last_run()
    assert run.status == ImportStatus.REJECTED
    assert [(p["line"], p["column"]) for p in run.problems] == [(1, "9.9"), (2, "1.1"), (2, "1.2"), (3, "unit_code")]
    assert snapshot() == before
    assert not AuditEntry.objects.exists()
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "4 problems to fix: nothing was written" in page
    assert '<td class="num">2</td><td>1.1</td><td>41 is above the maximum of 40 for “1.1”</td>' in page
    assert "unknown unit “NOPE”" in page
    assert "Confirm and write" not in page


def test_an_xlsx_file_is_checked_the_same_way(client, appraiser, par):
    upload = SimpleUploadedFile("scores.xlsx", xlsx_bytes([["unit_code", "1.1"], ["A", 30]]))
    client_as(client, appraiser).post(URL, scores_form(upload))
    assert last_run().status == ImportStatus.CHECKED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "scores", "year": 2024}, "index", "Choose the index."),
        ({"kind": "results", "index": "par"}, "year", "Give the year."),
        ({"kind": "scores", "index": "nope", "year": 2024}, "index", "Select a valid choice."),
        ({"kind": "methodology", "index": "par", "year": 2024}, "unit_kind", "Choose the unit kind."),
        ({"kind": "nope"}, "kind", "Select a valid choice."),
    ],
)
def test_missing_or_bad_choices_are_named_on_the_form(client, appraiser, par, english, data, field, message):
    response = client_as(client, appraiser).post(URL, {**data, "file": csv_upload(GOOD)})
    assert response.status_code == 400
    assert message in " ".join(response.context["upload_form"].errors[field])
    assert not ImportRun.objects.exists()


# --- refused before it is read -----------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(client, appraiser, par, settings, english):
    settings.IMPORT_MAX_BYTES = 1000
    # A spreadsheet that would fail to parse: only the size message may come back.
    upload = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\x00" * 2000)
    with mock.patch("imports.services.read_table") as read_table:
        response = client_as(client, appraiser).post(URL, scores_form(upload))
    # Cut off as it streams past the limit (tests/hostile/test_import_upload_limits.py: unread when declared).
    assert response.status_code == 413
    assert response.context["upload_errors"] == ["The file is larger than the 1000\xa0bytes that can be imported."]
    read_table.assert_not_called()
    assert not ImportRun.objects.exists() and not Job.objects.exists()  # no check job either


def test_the_size_is_taken_from_the_upload_without_reading_it(appraiser, settings, english):
    from imports.services import upload_refusal

    settings.IMPORT_MAX_BYTES = 20 * 2**20
    upload = mock.Mock(size=21 * 2**20)
    upload.name = "scores.csv"
    assert upload_refusal(upload) == "The file is 21.0\xa0MB; at most 20.0\xa0MB can be imported."
    upload.read.assert_not_called()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scores.pdf", b"%PDF-1.4", "Only CSV (.csv) and Excel (.xlsx) files can be imported."),
        ("scores.xlsx", b"unit_code,1.1\nA,3\n", "The file is named .xlsx but is not an Excel workbook."),
        ("scores.csv", b"PK\x03\x04rest", "The file is named .csv but is an Excel workbook: rename it .xlsx."),
        ("scores.csv", "unit_code\n".encode("utf-16"), "The file is not UTF-8 text: save it as “CSV UTF-8”."),
        ("scores.csv", b"unit_code\x00\x00\x00", "The file is not a CSV text file."),
    ],
)
def test_the_type_is_checked_by_extension_and_first_bytes(client, appraiser, par, english, name, content, message):
    response = client_as(client, appraiser).post(URL, scores_form(SimpleUploadedFile(name, content)))
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [message]
    assert not ImportRun.objects.exists()


def test_a_zip_bomb_is_refused_quickly_and_named(client, appraiser, par, english, tmp_path):
    import time

    from tests.reformdash.test_tabular import zip_bomb

    upload = SimpleUploadedFile("scores.xlsx", zip_bomb(tmp_path / "bomb.xlsx").read_bytes())
    before = snapshot()
    started = time.monotonic()
    client_as(client, appraiser).post(URL, scores_form(upload))
    assert time.monotonic() - started < 5
    run = last_run()
    assert run.status == ImportStatus.REJECTED
    assert run.problems == [{"line": 1, "column": "", "reason": run.problems[0]["reason"]}]
    assert "far more than a real spreadsheet: refused" in run.problems[0]["reason"]
    assert snapshot() == before


def test_the_stored_file_is_outside_the_web_root_under_a_name_of_ours(client, appraiser, par, import_root):
    client_as(client, appraiser).post(URL, scores_form(csv_upload(GOOD, name="../../etc/passwd.csv")))
    run = last_run()
    path = run.file.path
    assert path.startswith(str(import_root)) and "passwd" not in path
    assert run.original_name == "passwd.csv"


# --- a methodology computed from dossiers needs its dossier measure ----------------------------

DOSSIER_TREE = [["code", "parent_code", "title", "max_points", "weight"], ["1", "", "Tỷ lệ hồ sơ trễ hạn", "100", ""]]


def dossier_methodology_form(**changes):
    data = {"kind": "methodology", "index": "par", "year": 2025, "unit_kind": "district", "aggregation": "dossiers"}
    return {**data, **changes, "file": csv_upload(DOSSIER_TREE, "m.csv")}


def test_a_methodology_from_dossiers_of_an_index_naming_no_measure_needs_one(client, appraiser, par, english):
    response = client_as(client, appraiser).post(URL, dossier_methodology_form())
    assert response.status_code == 400
    assert response.context["upload_form"].errors["dossier_measure"] == [
        "par names no dossier measure: choose the one it is computed as."
    ]
    assert not ImportRun.objects.exists()


def test_a_dossier_measure_is_refused_for_another_aggregation(client, appraiser, par, english):
    response = client_as(client, appraiser).post(
        URL, dossier_methodology_form(aggregation="sum", dossier_measure="overdue_rate")
    )
    assert response.status_code == 400
    assert response.context["upload_form"].errors["dossier_measure"] == [
        "A dossier measure is only for a methodology computed from dossiers."
    ]
    assert not ImportRun.objects.exists()
