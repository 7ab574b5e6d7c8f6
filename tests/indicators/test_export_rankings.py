"""`manage.py export_rankings`: a group in rank order, as CSV, safe to open in a spreadsheet."""

import csv
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Band, Index, Result, ResultSource
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind


@pytest.fixture
def ranked(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    hostile = Unit.objects.create(
        code="Z", name='=HYPERLINK("http://x")', kind=UnitKind.DEPARTMENT, parent=tree.province
    )
    Band.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=D(30))
    for year, values in ((2022, {"A": "20", "Z": "30"}), (2023, {"A": "35", "Z": "10"})):
        m = methodology(par, year)
        for unit in (tree.dept_a, hostile):
            score(m, unit, {"1.1": values[unit.code]})
        results_recompute(index_id=par.pk, year=year)
    score(methodology(par, 2023, kind=UnitKind.DISTRICT), tree.district_b, {"1.1": "12.345678"})
    results_recompute(index_id=par.pk, year=2023)
    return par


def _export(**options):
    out = StringIO()
    call_command("export_rankings", stdout=out, **options)
    return list(csv.reader(StringIO(out.getvalue())))


def test_a_group_is_written_in_rank_order_with_change_and_band(ranked):
    rows = _export(index="par", year=2023, kind="department", parent="P")
    assert rows[0] == [
        "unit_code",
        "unit_name",
        "value",
        "rank",
        "group_size",
        "previous_rank",
        "rank_change",
        "band",
        "status",
        "official_state",
        "previous_group_size",
        "rank_comparable",
    ]
    assert rows[1] == ["A", "Sở A", "35", "1", "2", "2", "1", "Tốt", "provisional", "provisional", "2", "true"]
    assert rows[2][0] == "Z" and rows[2][3:8] == ["2", "2", "1", "-1", ""]


def test_a_name_that_looks_like_a_formula_is_escaped(ranked):
    rows = _export(index="par", year=2023, kind="department")
    assert rows[2][1] == '\'=HYPERLINK("http://x")'


def test_values_keep_their_stored_precision_and_kinds_filter(ranked):
    rows = _export(index="par", year=2023, kind="district")
    assert [row[:4] for row in rows[1:]] == [["B", "Huyện B", "12.345678", "1"]]
    assert len(_export(index="par", year=2023)) == 4


def test_a_published_rank_is_the_one_written(ranked, tree):
    Result.objects.create(
        unit=tree.province,
        index=ranked,
        year=2023,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    rows = _export(index="par", year=2023, kind="province")
    assert rows[1][:5] == ["P", "Tỉnh Thử", "84.6", "56", "63"]


@pytest.mark.parametrize(
    "options, message",
    [({"index": "pci"}, "unknown index 'pci'"), ({"index": "par", "parent": "NOPE"}, "unknown unit 'NOPE'")],
)
def test_unknown_names_are_refused(ranked, options, message):
    with pytest.raises(CommandError, match=message):
        _export(year=2023, **options)
