"""What the import-page tests share: PAR 2024 for departments, uploads built in memory, the cast of users."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from imports.models import ImportRun
from imports.services import CHECK_JOB_KIND
from indicators.models import Assessment, Criterion, Index, Methodology, Result, Score
from jobs.models import Job
from tests.importing import snapshot as take_snapshot
from tests.indicators.builders import methodology
from units.models import Unit

PASSWORD = "correct horse battery staple"
ROLES = ("anonymous", "staff", "head_a", "head_b", "appraiser", "admin_user")
IMPORTERS = ("appraiser", "admin_user")


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    """Uploads go to the test's own directory, never to var/imports."""
    settings.IMPORT_ROOT = tmp_path / "imports"
    return settings.IMPORT_ROOT


@pytest.fixture(autouse=True)
def checks_in_process(request):
    """The check of an upload is a job: run in-process, in the request, as the embedded default does,
    even when REDIS_URL is set; a test with a real worker (celery_worker_process) keeps Redis."""
    if "celery_worker_process" in request.fixturenames:
        yield
        return
    request.getfixturevalue("tasks_in_process")
    yield


@pytest.fixture
def par(tree):
    """PAR 2024 for departments: 1 (1.1 max 40, 1.2 max 20), 2 (2.1 max 40); department A exists."""
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    m = methodology(index, 2024)
    return type("Par", (), {"index": index, "methodology": m})


@pytest.fixture
def users(request):
    """role name → user (None for anonymous); only the roles a test asks for are built."""

    def get(role):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get


def client_as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def csv_upload(rows, name="scores.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def xlsx_bytes(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows, name="scores.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows))


def scores_form(upload, index="par", year=2024):
    return {"kind": "scores", "index": index, "year": year, "file": upload}


def snapshot():
    """Everything an import may write, to prove a check wrote nothing (but for the check's own job)."""
    tables = take_snapshot(Unit, Index, Methodology, Criterion, Assessment, Score, Result, AuditEntry)
    jobs = list(Job.objects.exclude(kind=CHECK_JOB_KIND).order_by("pk").values())
    return [*tables, jobs]


def scores():
    return {
        (s.assessment.unit.code, s.criterion.code): (s.final_score, s.not_applicable)
        for s in Score.objects.select_related("assessment__unit", "criterion")
    }


def last_run():
    return ImportRun.objects.order_by("-pk").first()


GOOD = [["unit_code", "unit_name", "1.1", "1.2", "2.1"], ["A", "Sở A", "30", "NA", "35.5"]]
EXPECTED = {("A", "1.1"): (D(30), False), ("A", "1.2"): (None, True), ("A", "2.1"): (D("35.5"), False)}


@pytest.fixture
def run(client, appraiser, par):
    """A run of a good scores file, uploaded by the appraiser (then logged out)."""
    client_as(client, appraiser).post(reverse("import_upload"), scores_form(csv_upload(GOOD)))
    client.logout()
    return last_run()
