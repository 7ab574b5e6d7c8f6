"""/imports/template/: the XLSX score template of a methodology, and that a filled one imports back
through scores_import unchanged."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from indicators.importers.scores import scores_import
from reformdash.lib.tabular import read_table
from tests.imports.conftest import IMPORTERS, ROLES, client_as, scores, snapshot
from tests.indicators.builders import score
from units.models import Unit, UnitKind

URL = reverse("import_template")
QUERY = {"index": "par", "year": 2024, "kind": "department"}


def download(client, **query):
    response = client.get(URL, {**QUERY, **query})
    assert response.status_code == 200, response.content[:500]
    return response


def cells(response):
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("role", ROLES)
def test_only_importers_download_a_template(client, users, role, par):
    response = client_as(client, users(role)).get(URL, QUERY)
    assert response.status_code == (200 if role in IMPORTERS else 404)


def test_units_as_rows_leaf_criteria_as_columns_maxima_shown(client, appraiser, par, tree, english):
    Unit.objects.create(code="A0", name="=Sở độc", kind=UnitKind.DEPARTMENT, parent=tree.province)
    Unit.objects.create(code="OLD", name="Sở cũ", kind=UnitKind.DEPARTMENT, valid_to="2023-12-31")
    response = download(client_as(client, appraiser))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="scores-par-2024-department.xlsx"' in response["Content-Disposition"]
    sheet, rows = cells(response)
    assert rows == [
        ["unit_code", "unit_name", "1.1", "1.2", "2.1"],
        ["#max", "Maximum points (not imported)", 40, 20, 40],
        ["A", "Sở A", None, None, None],
        ["A0", "'=Sở độc", None, None, None],  # a name is never a formula
    ]
    assert sheet.freeze_panes == "C3"
    assert "at most 40 points" in sheet["C1"].comment.text


def test_stored_scores_are_filled_in(client, appraiser, par, tree):
    score(par.methodology, tree.dept_a, {"1.1": D("33.25"), "1.2": "NA"})
    _sheet, rows = cells(download(client_as(client, appraiser)))
    assert rows[2] == ["A", "Sở A", 33.25, "NA", None]


def test_a_filled_template_imports_back_through_scores_import(client, appraiser, par, tree, tmp_path):
    score(par.methodology, tree.dept_a, {"1.1": D("7.123456"), "1.2": "NA"})
    response = download(client_as(client, appraiser))
    before = snapshot()
    # The downloaded template, as it is: importing it changes nothing.
    counts = scores_import(
        table=read_table(io.BytesIO(response.content), filename="t.xlsx"), index_code="par", year=2024
    )
    assert counts["changed"] == 0 and snapshot() == before

    # Filled in: exactly what was typed is written, the maxima line is skipped.
    workbook = load_workbook(io.BytesIO(response.content))
    workbook.worksheets[0]["E3"] = 39.5
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    counts = scores_import(table=read_table(str(path)), index_code="par", year=2024)
    assert counts == {"scores": 3, "changed": 1, "assessments created": 0}
    assert scores() == {
        ("A", "1.1"): (D("7.123456"), False),
        ("A", "1.2"): (None, True),
        ("A", "2.1"): (D("39.5"), False),
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": 2023}, "par has no 2023 methodology for this unit kind."),
        ({"kind": "district"}, "par has no 2024 methodology for this unit kind."),
        ({"index": "nope"}, "Select a valid choice"),
        ({"year": "x"}, "Enter a whole number."),
    ],
)
def test_a_bad_choice_is_named_on_the_page(client, appraiser, par, english, query, message):
    response = client_as(client, appraiser).get(URL, {**QUERY, **query})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_published_methodology_has_no_template(client, appraiser, par, english):
    par.methodology.aggregation = "published"
    par.methodology.save()
    response = client_as(client, appraiser).get(URL, QUERY)
    assert response.status_code == 400
    assert "import its results instead" in response.content.decode()


def test_the_criteria_sheet_lists_the_tree(client, appraiser, par):
    workbook = load_workbook(io.BytesIO(download(client_as(client, appraiser)).content))
    listing = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    assert listing[0] == ["code", "title", "max_points"]
    assert [row[0] for row in listing[1:]] == ["1", "1.1", "1.2", "2", "2.1"]
    assert listing[2][1].strip() == "1.1" and listing[2][2] == 40
