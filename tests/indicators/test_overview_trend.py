"""The overview's trend (indicators.selectors.overview_trend): the province against the national
mean, or a unit head's own unit against its group's mean, with the predecessors' lines apart, the
provisional figures marked and a mean withheld where it would mislead (a group mostly outside the
system) or reveal other units' figures (DESIGN §4)."""

import datetime
from decimal import Decimal as D

import pytest

from indicators.models import Aggregation, Index, Methodology, Result, ResultSource
from indicators.selectors import overview_trend
from tests.conftest import _user
from units.models import LineageKind, Membership, MembershipRole, Unit, UnitKind, UnitLineage


def result(unit, index, year, value, *, rank, size, published=True, **extra):
    return Result.objects.create(
        unit=unit,
        index=index,
        year=year,
        value=None if value is None else D(value),
        rank=rank,
        group_size=size,
        source=ResultSource.PUBLISHED if published else ResultSource.COMPUTED,
        **extra,
    )


@pytest.fixture
def national(tree):
    """The provinces under the nation: P (since 2021) took over from P0 (until 2020); Q, R and S.

    PAR, published: 2020 P0 70, Q 80, R 90, S 60 (mean 75); 2022 P 80, Q 82, R 90 (84); 2023 P 84,6
    at 56 of 63 and Q 91,25: two of 63 in the system, no national mean. SIPAS 2023, computed (not
    official): P 78,44, Q 70, R 80, S 90 (79,61). The overdue rate of P, a dossier index: not drawn.
    Departments of P on PAR 2023, computed: A 60, A2 70, A3 80, A4 90 (75)."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số hài lòng", name_en="SIPAS")
    overdue = Index.objects.create(code="tre-han", name_vi="Tỷ lệ trễ hạn", dossier_measure="overdue_rate")
    old = Unit.objects.create(
        code="P0", name="Tỉnh Cũ", kind=UnitKind.PROVINCE, parent=tree.nation, valid_to=datetime.date(2020, 12, 31)
    )
    UnitLineage.objects.create(
        predecessor=old, successor=tree.province, date=datetime.date(2021, 1, 1), kind=LineageKind.MERGE
    )
    provinces = {
        code: Unit.objects.create(code=code, name=f"Tỉnh {code}", kind=UnitKind.PROVINCE, parent=tree.nation)
        for code in ("Q", "R", "S")
    }
    provinces.update(P=tree.province, P0=old)
    for year, values in {
        2020: {"P0": "70", "Q": "80", "R": "90", "S": "60"},
        2022: {"P": "80", "Q": "82", "R": "90"},
    }.items():
        for rank, (code, value) in enumerate(values.items(), 1):
            result(provinces[code], par, year, value, rank=rank, size=len(values))
    result(tree.province, par, 2023, "84.6", rank=2, size=2, official_rank=56, official_group_size=63)
    result(provinces["Q"], par, 2023, "91.25", rank=1, size=2, official_rank=3, official_group_size=63)
    for rank, (code, value) in enumerate({"S": "90", "R": "80", "P": "78.44", "Q": "70"}.items(), 1):
        result(provinces[code], sipas, 2023, value, rank=rank, size=4, published=False)
    result(tree.province, overdue, 2023, "5", rank=1, size=1, published=False)
    departments = {"A": tree.dept_a}
    for code in ("A2", "A3", "A4"):
        departments[code] = Unit.objects.create(
            code=code, name=f"Sở {code}", kind=UnitKind.DEPARTMENT, parent=tree.province
        )
    for rank, (code, value) in enumerate({"A4": "90", "A3": "80", "A2": "70", "A": "60"}.items(), 1):
        result(departments[code], par, 2023, value, rank=rank, size=4, published=False)
    return type("National", (), {"par": par, "sipas": sipas, "units": {**provinces, **departments}})


def by_index(trend):
    return {entry["index"].code: entry for entry in trend["indices"]}


def points(line, *keys):
    return [tuple(point[key] for key in ("year", *keys)) for point in line["points"]]


def test_staff_see_the_province_against_the_national_mean_with_its_predecessor_apart(staff, national):
    trend = overview_trend(user=staff, today=datetime.date(2026, 1, 1))
    assert (trend["unit"].code, trend["province"]) == ("P", True)
    entries = by_index(trend)
    assert list(entries) == ["par", "sipas"]  # the default index first; no dossier rate
    par = entries["par"]
    assert [(line["name"], line["predecessor"]) for line in par["series"]] == [("Tỉnh Thử", False), ("Tỉnh Cũ", True)]
    assert points(par["series"][0], "value", "rank", "of", "provisional") == [
        (2022, D("80"), 1, 3, False),
        (2023, D("84.6"), 56, 63, False),  # the published rank among all provinces
    ]
    assert points(par["series"][1], "value") == [(2020, D("70"))]
    # One group, the provinces under the nation, before and after the merger: one national mean.
    assert [line["own"] for line in par["means"]] == [True]
    assert points(par["means"][0], "value", "provisional") == [(2020, D("75"), False), (2022, D("84"), False)]
    assert [(w["year"], w["reason"], w["size"], w["of"]) for w in par["withheld"]] == [(2023, "incomplete", 2, 63)]


def test_a_computed_result_not_yet_published_is_provisional_and_so_is_its_mean(staff, national):
    sipas = by_index(overview_trend(user=staff, today=datetime.date(2026, 1, 1)))["sipas"]
    assert points(sipas["series"][0], "value", "provisional") == [(2023, D("78.44"), True)]
    assert points(sipas["means"][0], "value", "provisional") == [(2023, D("79.61"), True)]


def test_a_head_who_may_not_see_the_province_gets_his_unit_against_its_group(head_a, national):
    trend = overview_trend(user=head_a, today=datetime.date(2026, 1, 1))
    assert (trend["unit"].code, trend["province"]) == ("A", False)
    entries = by_index(trend)
    assert list(entries) == ["par"]
    assert [line["name"] for line in entries["par"]["series"]] == ["Sở A"]
    # The departments' mean (60, 70, 80, 90): three other units, so his to read, anonymous.
    assert points(entries["par"]["means"][0], "value") == [(2023, D("75"))]


def test_the_mean_of_a_group_with_two_other_units_is_withheld_from_a_head(head_a, national):
    Result.objects.filter(unit__code="A4").delete()
    par = by_index(overview_trend(user=head_a, today=datetime.date(2026, 1, 1)))["par"]
    assert par["means"] == []
    assert [(w["year"], w["reason"]) for w in par["withheld"]] == [(2023, "suppressed")]


def test_a_member_of_the_province_reads_its_trend_and_no_mean_that_reveals_two_others(national, tree):
    member = _user("province_viewer")
    Membership.objects.create(user=member, unit=tree.province, role=MembershipRole.VIEWER)
    trend = overview_trend(user=member, today=datetime.date(2026, 1, 1))
    assert (trend["unit"].code, trend["province"]) == ("P", True)
    par = by_index(trend)["par"]
    # 2020: P0 (his province's past) and three others; 2022: P and only Q and R besides.
    assert points(par["means"][0], "value") == [(2020, D("75"))]
    assert [(w["year"], w["reason"]) for w in par["withheld"]] == [(2022, "suppressed"), (2023, "incomplete")]


def test_a_user_without_a_unit_has_no_trend(outsider, national):
    assert overview_trend(user=outsider) is None


def test_a_new_province_without_results_has_an_empty_trend(staff, tree):
    trend = overview_trend(user=staff, today=datetime.date(2026, 1, 1))
    assert trend["unit"].code == "P" and trend["indices"] == []


def test_an_index_scored_for_provinces_without_a_result_is_named_not_left_out(staff, national):
    dvc = Index.objects.create(code="dvc766", name_vi="Chỉ số 766")
    Methodology.objects.create(index=dvc, year=2023, unit_kind=UnitKind.PROVINCE, aggregation=Aggregation.PUBLISHED)
    # Departments' methodologies do not make it a province's index.
    Methodology.objects.create(
        index=Index.objects.create(code="pci", name_vi="PCI"),
        year=2023,
        unit_kind=UnitKind.DEPARTMENT,
        aggregation=Aggregation.PUBLISHED,
    )
    trend = overview_trend(user=staff, today=datetime.date(2026, 1, 1))
    assert [index.code for index in trend["without_result"]] == ["dvc766"]
    assert list(by_index(trend)) == ["par", "sipas"]
