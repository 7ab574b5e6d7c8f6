"""POST /imports/<id>/confirm/: the uploader writes a checked file; small files in the request,
audited as an import by that user; a file the data no longer fits ends rejected, nothing written."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from audit.models import AuditEntry, AuditSource
from imports.models import ImportStatus
from indicators.models import Assessment, AssessmentStatus
from tests.imports.conftest import (
    EXPECTED,
    GOOD,
    IMPORTERS,
    ROLES,
    client_as,
    csv_upload,
    last_run,
    scores,
    scores_form,
    snapshot,
)


def upload(client, user, rows=GOOD):
    client_as(client, user).post(reverse("import_upload"), scores_form(csv_upload(rows)))
    return last_run()


def confirm(client, run):
    return client.post(reverse("import_confirm", args=[run.pk]))


def test_confirm_writes_and_audits_as_an_import_by_the_user(client, appraiser, par, english):
    run = upload(client, appraiser)
    response = confirm(client, run)
    assert response.status_code == 302 and response.url == reverse("import_run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.job is None  # one row: written in the request
    assert run.summary == {"scores": 3, "changed": 3, "assessments created": 1}
    assert (run.progress_done, run.progress_total) == (2, 2)
    assert scores() == EXPECTED
    entries = AuditEntry.objects.filter(action="score.import")
    assert entries.count() == 3
    assert set(entries.values_list("source", "user")) == {(AuditSource.IMPORT, appraiser.pk)}
    page = client.get(response.url).content.decode()
    assert "Imported" in page and "assessments created" in page


def test_a_second_confirm_does_nothing(client, appraiser, par):
    run = upload(client, appraiser)
    confirm(client, run)
    entries = AuditEntry.objects.count()
    assert confirm(client, run).status_code == 302
    assert AuditEntry.objects.count() == entries


def test_a_rejected_run_cannot_be_confirmed(client, appraiser, par):
    run = upload(client, appraiser, rows=[["unit_code", "1.1"], ["A", "99"]])
    before = snapshot()
    confirm(client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.REJECTED and snapshot() == before


def test_if_the_data_changed_since_the_check_the_run_ends_rejected(client, appraiser, par, tree, english):
    run = upload(client, appraiser)
    # Between the check and the confirmation the assessment is published: its scores are frozen.
    Assessment.objects.create(unit=tree.dept_a, methodology=par.methodology, status=AssessmentStatus.PUBLISHED)
    before = snapshot()
    confirm(client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.REJECTED
    assert {(p["line"], p["column"]) for p in run.problems} == {(2, "1.1"), (2, "1.2"), (2, "2.1")}
    assert "an administrator must reopen it first" in run.problems[0]["reason"]
    assert snapshot() == before
    assert "problems to fix: nothing was written" in client.get(reverse("import_run", args=[run.pk])).content.decode()


def test_another_appraiser_cannot_confirm_someone_elses_upload(client, appraiser, admin_user, par):
    run = upload(client, appraiser)
    client.force_login(admin_user)
    assert confirm(client, run).status_code == 404
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED and not scores()


@pytest.mark.parametrize("role", ROLES)
def test_confirm_by_role(client, users, role, appraiser, par):
    run = upload(client, appraiser)
    client.logout()
    user = users(role) if role != "appraiser" else appraiser
    response = confirm(client_as(client, user), run)
    run.refresh_from_db()
    if role == "appraiser":
        assert response.status_code == 302 and run.status == ImportStatus.DONE
    else:
        assert response.status_code == 404 and run.status == ImportStatus.CHECKED
    assert role in IMPORTERS or not scores()


def test_confirm_is_post_only(client, appraiser, par):
    run = upload(client, appraiser)
    assert client.get(reverse("import_confirm", args=[run.pk])).status_code == 405
    assert scores() == {} and run.status == ImportStatus.CHECKED


def test_results_import_through_the_page(client, appraiser, par, english):
    rows = [["unit_code", "value", "rank", "group_size"], ["A", "84.6", "1", "20"]]
    client_as(client, appraiser).post(
        reverse("import_upload"), {"kind": "results", "index": "par", "year": 2024, "file": csv_upload(rows, "r.csv")}
    )
    run = last_run()
    assert run.status == ImportStatus.CHECKED, run.problems
    confirm(client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.summary == {"results": 1, "changed": 1}
    from indicators.models import Result

    assert Result.objects.get(unit__code="A", index=par.index, year=2024).value == D("84.6")


EXCEL_RESULTS = [["unit_code", "value", "rank", "group_size"], ["A", "6.64173603057861", "1", "20"]]


def test_excel_precision_values_are_rounded_and_the_check_and_the_import_say_how_many(client, appraiser, par, english):
    client_as(client, appraiser).post(
        reverse("import_upload"),
        {"kind": "results", "index": "par", "year": 2024, "file": csv_upload(EXCEL_RESULTS, "r.csv")},
    )
    run = last_run()
    assert run.status == ImportStatus.CHECKED, run.problems
    assert run.summary == {"results": 1, "changed": 1, "values rounded": 1}
    checked = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert '<th scope="row">values rounded to 6 decimal places</th><td class="num">1</td>' in checked
    confirm(client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.summary == {"results": 1, "changed": 1, "values rounded": 1}
    from indicators.models import Result

    assert Result.objects.get(unit__code="A", index=par.index, year=2024).value == D("6.641736")
    done = client.get(reverse("import_run", args=[run.pk])).content.decode()
    assert "Imported" in done and "values rounded to 6 decimal places" in done


def test_the_count_of_rounded_values_is_shown_in_vietnamese(client, appraiser, par):
    client_as(client, appraiser).post(
        reverse("import_upload"),
        {"kind": "results", "index": "par", "year": 2024, "file": csv_upload(EXCEL_RESULTS, "r.csv")},
    )
    page = client.get(reverse("import_run", args=[last_run().pk])).content.decode()
    assert '<th scope="row">giá trị được làm tròn đến 6 chữ số thập phân</th><td class="num">1</td>' in page


def test_a_methodology_from_dossiers_through_the_page_gives_its_index_the_measure(client, appraiser, par, english):
    rows = [["code", "parent_code", "title", "max_points", "weight"], ["1", "", "Tỷ lệ hồ sơ trễ hạn", "100", ""]]
    data = {"kind": "methodology", "index": "par", "year": 2025, "unit_kind": "district", "aggregation": "dossiers"}
    client_as(client, appraiser).post(
        reverse("import_upload"), {**data, "dossier_measure": "overdue_rate", "file": csv_upload(rows, "m.csv")}
    )
    run = last_run()
    assert run.status == ImportStatus.CHECKED, run.problems
    assert run.summary["index updated"] == 1
    par.index.refresh_from_db()
    assert par.index.dossier_measure == ""  # a check writes nothing
    confirm(client, run)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    par.index.refresh_from_db()
    assert par.index.dossier_measure == "overdue_rate"
