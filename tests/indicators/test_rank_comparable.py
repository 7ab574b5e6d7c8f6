"""A change of rank is counted only between comparable groups (docs/design.md §4, "Comparable
ranks"); otherwise both ranks are shown with their group sizes and no arrow — on the rankings
page and its exports, the scorecard, the overview, the API and `export_rankings` alike.

Issue 17: "1/1 ▲1 (hạng 2 năm 2024)" on the demo, for a commune whose group went from 17 to 1."""

import csv
import datetime
import io
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Index, Methodology, Result, ResultSource
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from units.models import Unit, UnitKind

COMMUNE = UnitKind.COMMUNE


def _commune(tree, code, parent=None):
    return Unit.objects.create(
        code=code,
        name=f"Xã {code}",
        kind=COMMUNE,
        parent=parent or tree.district_b,
        valid_from=datetime.date(2021, 1, 1),
    )


def _scored(index, year, values):
    """values: {unit: value} — the value is the unit's points out of 100."""
    m = methodology(index, year, kind=COMMUNE, areas={"1": (D(100), None, {"1.1": D(100)})})
    for unit, value in values.items():
        score(m, unit, {"1.1": str(value)})


def _recompute(index, *years):
    for year in years:
        results_recompute(index_id=index.pk, year=year)


def _result(unit, year):
    return Result.objects.get(unit=unit, year=year)


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")


@pytest.fixture
def seventeen(tree):
    """The 17 communes of district B: B1 and sixteen more."""
    return [tree.commune_b1] + [_commune(tree, f"C{n:02d}") for n in range(1, 17)]


def _2024(par, communes):
    """2024: B1 second of the 17 at 90 (C01 first at 95, the others below)."""
    values = {communes[0]: 90, communes[1]: 95}
    values.update({unit: 20 + position for position, unit in enumerate(communes[2:])})
    _scored(par, 2024, values)


@pytest.fixture
def shrunk(par, seventeen):
    """The demo's case: in 2025 only B1 is scored in its group, at 27,01 (62,99 less): 1/1."""
    _2024(par, seventeen)
    _scored(par, 2025, {seventeen[0]: D("27.01")})
    _recompute(par, 2024, 2025)
    return par


# --- What the recompute stores -------------------------------------------------------------------


def test_a_group_shrinking_from_17_to_1_is_not_comparable(shrunk, tree):
    result = _result(tree.commune_b1, 2025)
    assert (result.rank, result.group_size, result.previous_rank, result.previous_group_size) == (1, 1, 2, 17)
    assert result.rank_comparable is False and result.rank_change is None and result.rank_not_comparable


def test_the_same_group_with_one_unit_added_among_17_is_comparable(par, tree, seventeen):
    _2024(par, seventeen)
    newcomer = _commune(tree, "C99")
    values = {unit: 30 + position for position, unit in enumerate(seventeen)}  # B1 last of the 17
    values[newcomer] = 10
    _scored(par, 2025, values)
    _recompute(par, 2024, 2025)
    result = _result(tree.commune_b1, 2025)
    # 17 of the 18 units ranked in either year were ranked in both: 17/18 ≥ 0.8.
    assert (result.rank, result.group_size, result.previous_rank, result.previous_group_size) == (17, 18, 2, 17)
    assert result.rank_comparable is True and result.rank_change == -15
    assert _result(newcomer, 2025).rank_comparable is None  # no rank in 2024


def test_an_overlap_below_four_fifths_is_not_comparable(par, tree, seventeen):
    """Four of the 17 replaced by four others: 13 of 21 units in both years (0.62)."""
    _2024(par, seventeen)
    others = [_commune(tree, f"N{n}") for n in range(4)]
    _scored(par, 2025, {unit: 50 + position for position, unit in enumerate(seventeen[:13] + others)})
    _recompute(par, 2024, 2025)
    assert {r.rank_comparable for r in Result.objects.filter(year=2025, unit__in=seventeen[:13])} == {False}


def test_a_unit_moved_to_another_parent_is_not_comparable(par, tree, seventeen):
    _2024(par, seventeen)
    _recompute(par, 2024)
    other = Unit.objects.create(
        code="D", name="Huyện D", kind=UnitKind.DISTRICT, parent=tree.province, valid_from=datetime.date(2021, 1, 1)
    )
    its_communes = [_commune(tree, f"D{n}", parent=other) for n in range(4)]
    # Moved without a new unit row: its 2024 rank was among B's 17, its 2025 rank is among D's 5.
    Unit.objects.filter(pk=tree.commune_b1.pk).update(parent=other)
    _scored(par, 2025, {unit: 40 + position for position, unit in enumerate([tree.commune_b1, *its_communes])})
    _recompute(par, 2025)
    result = _result(tree.commune_b1, 2025)
    assert (result.group_parent_id, _result(tree.commune_b1, 2024).group_parent_id) == (other.pk, tree.district_b.pk)
    assert (result.previous_rank, result.previous_group_size, result.rank_comparable) == (2, 17, False)


def test_a_whole_group_moved_to_another_parent_is_not_comparable(par, tree, seventeen):
    """The same 17 units, but under another parent: a different group, whatever the overlap."""
    _2024(par, seventeen)
    _recompute(par, 2024)
    other = Unit.objects.create(
        code="D", name="Huyện D", kind=UnitKind.DISTRICT, parent=tree.province, valid_from=datetime.date(2021, 1, 1)
    )
    Unit.objects.filter(pk__in=[unit.pk for unit in seventeen]).update(parent=other)
    _scored(par, 2025, {unit: 30 + position for position, unit in enumerate(seventeen)})
    _recompute(par, 2025)
    assert {r.rank_comparable for r in Result.objects.filter(year=2025)} == {False}


def test_recomputing_last_year_updates_this_years_comparability(par, tree, seventeen):
    """2024 first scored for B1 alone (1/1, so 2025's 17 are not comparable), then for all 17."""
    _scored(par, 2024, {tree.commune_b1: 90})
    _scored(par, 2025, {unit: 30 + position for position, unit in enumerate(seventeen)})
    _recompute(par, 2024, 2025)
    assert _result(tree.commune_b1, 2025).rank_comparable is False
    m = Methodology.objects.get(index=par, year=2024, unit_kind=COMMUNE)
    for position, unit in enumerate(seventeen[1:]):
        score(m, unit, {"1.1": str(20 + position)})
    _recompute(par, 2024)
    result = _result(tree.commune_b1, 2025)
    assert (result.previous_rank, result.previous_group_size, result.rank_comparable) == (1, 17, True)
    assert result.rank_change == -16


def _published(unit, index, year, rank, size, value="80"):
    return Result.objects.create(
        unit=unit,
        index=index,
        year=year,
        value=D(value),
        source=ResultSource.PUBLISHED,
        official_rank=rank,
        official_group_size=size,
    )


@pytest.mark.parametrize(("rank", "size", "comparable", "change"), [(50, 63, True, 6), (20, 34, False, None)])
def test_official_ranks_compare_when_the_official_group_sizes_are_equal(par, tree, rank, size, comparable, change):
    _published(tree.province, par, 2024, 56, 63)
    _published(tree.province, par, 2025, rank, size)
    _recompute(par, 2024, 2025)
    result = _result(tree.province, 2025)
    assert (result.previous_rank, result.previous_group_size) == (56, 63)
    assert (result.rank_comparable, result.rank_change) == (comparable, change)


def test_an_official_rank_and_a_computed_one_are_not_comparable(par, tree):
    _published(tree.dept_a, par, 2024, 1, 20)
    score(methodology(par, 2025), tree.dept_a, {"1.1": "40"})
    _recompute(par, 2024, 2025)
    result = _result(tree.dept_a, 2025)
    assert (result.rank, result.previous_rank, result.previous_group_size) == (1, 1, 20)
    assert result.rank_comparable is False and result.rank_change is None


def test_a_decisions_rank_of_the_whole_group_held_here_compares_with_a_computed_one(par, tree):
    """Sở A published first of the 20 departments, all 20 of which are here: the same group as
    the computed ranks of the next year (the demo's Sở Nội vụ, 9/20 → 1/20 → 11/20)."""
    others = [
        Unit.objects.create(code=f"S{n:02d}", name=f"Sở {n}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for n in range(19)
    ]
    _published(tree.dept_a, par, 2024, 1, 20, value="96.86")
    m = methodology(par, 2024)
    for position, unit in enumerate(others):
        score(m, unit, {"1.1": str(10 + position)})
    m = methodology(par, 2025)
    for position, unit in enumerate([tree.dept_a, *others]):
        score(m, unit, {"1.1": str(40 - position)})
    score(m, others[-1], {"1.2": "20"})  # S18 first in 2025 (21 + 20), Sở A second (40)
    _recompute(par, 2024, 2025)
    result = _result(tree.dept_a, 2025)
    assert (result.rank, result.group_size, result.previous_rank, result.previous_group_size) == (2, 20, 1, 20)
    assert result.rank_comparable is True and result.rank_change == -1


def test_a_second_recompute_changes_nothing(shrunk):
    assert results_recompute(index_id=shrunk.pk, year=2025) == 0
    assert results_recompute(index_id=shrunk.pk, year=2024) == 0


# --- What the pages, the API and the exports say -------------------------------------------------

PARAMS = {"index": "par", "year": 2025, "kind": "commune", "parent": "B"}


def test_the_rankings_page_shows_both_ranks_and_no_arrow(client, staff, shrunk):
    client.force_login(staff)
    text = client.get(reverse("rankings"), PARAMS).content.decode()
    assert "2/17 (2024)" in text and "Nhóm năm trước khác: không so sánh thứ hạng." in text
    assert "▲" not in text and "▼" not in text


def test_the_rankings_page_shows_the_arrow_when_comparable(client, staff, par, tree, seventeen):
    _2024(par, seventeen)
    _scored(par, 2025, {unit: 100 - position for position, unit in enumerate(seventeen)})  # B1 first
    _recompute(par, 2024, 2025)
    client.force_login(staff)
    text = client.get(reverse("rankings"), PARAMS).content.decode()
    assert "▲ 1" in text and "rank-not-comparable" not in text


def test_the_api_the_command_and_the_page_export_agree(client, staff, shrunk):
    client.force_login(staff)
    api = client.get("/api/rankings/", PARAMS).json()["results"][0]
    assert (api["unit_code"], api["rank"], api["group_size"]) == ("B1", 1, 1)
    assert (api["previous_rank"], api["previous_group_size"], api["rank_comparable"], api["rank_change"]) == (
        2,
        17,
        False,
        None,
    )

    out = StringIO()
    call_command("export_rankings", index="par", year=2025, kind="commune", parent="B", stdout=out)
    header, row = list(csv.reader(StringIO(out.getvalue())))
    command = dict(zip(header, row, strict=True))
    assert (command["previous_rank"], command["previous_group_size"], command["rank_comparable"]) == (
        "2",
        "17",
        "false",
    )
    assert command["rank_change"] == ""

    response = client.get(reverse("rankings"), {**PARAMS, "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    page = dict(zip(header, row, strict=True))
    assert page["Thay đổi"] == ""
    assert (page["Hạng năm trước"], page["Số đơn vị năm trước"], page["So sánh được với năm trước"]) == (
        "2",
        "17",
        "không",
    )


def test_the_scorecard_says_the_groups_differ(client, staff, shrunk):
    client.force_login(staff)
    text = client.get(reverse("unit_scorecard", args=["B1"]), {"index": "par", "year": 2025}).content.decode()
    assert "Hạng 1/1 năm 2025 · hạng 2/17 năm 2024 — nhóm khác, không so sánh" in text
    assert "(nhóm khác năm trước)" in text  # the year's row in the history
    assert "▲" not in text


def test_export_year_writes_the_group_size_and_comparability(shrunk, tmp_path):
    import zipfile

    out = tmp_path / "2025.zip"
    call_command("export_year", "2025", "--out", str(out), stdout=StringIO())
    with zipfile.ZipFile(out) as archive:
        text = archive.read("results.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    b1 = next(row for row in rows if row["unit_code"] == "B1")
    assert (b1["previous_rank"], b1["previous_group_size"], b1["rank_comparable"]) == ("2", "17", "false")
