"""Hypothesis: random bytes, random CSV text and XLSX files with random headers and cells, uploaded
through /imports/ — never a 500, nothing written, and a clear message (a form error or problems)."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from imports.models import ImportRun, ImportStatus
from tests.imports.conftest import snapshot, xlsx_bytes

# Generated cases by the dozen, each a request through Django: seconds per test.
pytestmark = pytest.mark.slow

URL = reverse("import_upload")
# How many examples, the deadline and the health checks: the profile (tests/conftest.py).
SETTINGS = hypothesis_settings()
KINDS = st.sampled_from(["scores", "results", "units", "methodology"])
HEADERS = st.sampled_from(
    [
        "unit_code",
        "unit_name",
        "1.1",
        "1.2",
        "2.1",
        "X",
        "value",
        "rank",
        "group_size",
        "code",
        "name",
        "kind",
        "parent_code",
        "title",
        "max_points",
        "weight",
        "criterion_code",
        "score",
        "self_score",
        "note",
        "",
        "UNIT_CODE",
    ]
)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(
        ["A", "B", "B1", "NA", "na", "40", "41", "-1", "1e9", "84,6", "1.234,5", "NaN", "#max", "2024-01-01"]
    ),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 1, 1)),
)


def post(client, kind, name, content):
    data = {"kind": kind, "index": "par", "year": 2024, "unit_kind": "department", "aggregation": "sum"}
    return client.post(URL, {**data, "file": SimpleUploadedFile(name, content)})


def check(client, response, before):
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert response.context["upload_form"].errors  # the form says what is wrong
    else:
        run = ImportRun.objects.order_by("-pk").first()
        assert run.status in (ImportStatus.REJECTED, ImportStatus.CHECKED), (run.status, run.error)
        page = client.get(response.url)
        assert page.status_code == 200
        if run.status == ImportStatus.REJECTED:
            assert run.problems and all(p["reason"] for p in run.problems)
    assert snapshot() == before


def test_random_bytes(client, appraiser, par):
    client.force_login(appraiser)
    before = snapshot()

    @SETTINGS
    @given(kind=KINDS, name=st.sampled_from(["f.csv", "f.xlsx", "f.txt"]), content=st.binary(max_size=2000))
    def run(kind, name, content):
        check(client, post(client, kind, name, content), before)

    run()


def test_random_csv_text(client, appraiser, par):
    client.force_login(appraiser)
    before = snapshot()
    rows = st.lists(
        st.lists(st.one_of(TEXT, st.sampled_from(["A", "NA", "40", "7.5", "#max"])), max_size=6), max_size=8
    )

    @SETTINGS
    @given(kind=KINDS, headers=st.lists(HEADERS, max_size=6), rows=rows)
    def run(kind, headers, rows):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([headers, *rows])
        check(client, post(client, kind, "f.csv", buffer.getvalue().encode()), before)

    run()


def test_xlsx_with_random_headers_and_cells(client, appraiser, par):
    client.force_login(appraiser)
    before = snapshot()

    @SETTINGS
    @given(kind=KINDS, headers=st.lists(HEADERS, max_size=6), rows=st.lists(st.lists(CELL, max_size=6), max_size=8))
    def run(kind, headers, rows):
        check(client, post(client, kind, "f.xlsx", xlsx_bytes([headers, *rows])), before)

    run()
