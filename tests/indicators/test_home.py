import datetime
from decimal import Decimal
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.selectors import overdue_dossiers
from indicators.models import Assessment, AssessmentStatus, Index, Result, ResultSource, ValueUnit
from indicators.services import RECOMPUTE
from jobs.models import Job, JobStatus
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)
from units.models import LineageKind, Unit, UnitKind, UnitLineage


@pytest.fixture
def national_results(tree):
    """Both provinces published nationally: the test province and one the heads have no part in."""
    other = Unit.objects.create(code="Q", name="Tỉnh Khác", kind=UnitKind.PROVINCE, parent=tree.nation)
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    Result.objects.create(
        unit=tree.province,
        index=par,
        year=2023,
        value=Decimal("84.60"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
        previous_rank=57,
        previous_group_size=63,
        rank_comparable=True,
    )
    Result.objects.create(
        unit=other,
        index=par,
        year=2023,
        value=Decimal("91.25"),
        source=ResultSource.PUBLISHED,
        official_rank=3,
        official_group_size=63,
    )
    return par


def test_staff_see_every_provinces_standing_in_vietnamese_numbers(client, staff, national_results):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "Tỉnh Thử" in page and "Tỉnh Khác" in page
    assert "84,60 %" in page
    assert "56/63" in page
    assert "▲ 1" in page


def test_the_english_page_shows_english_numbers_and_names(client, staff, national_results):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("home")).content.decode()
    assert "84.60 %" in page
    assert "PAR Index" in page


def test_a_department_head_sees_no_provinces_standing(client, head_a, national_results):
    client.force_login(head_a)
    page = client.get(reverse("home")).content.decode()
    assert "Tỉnh Thử" not in page and "Tỉnh Khác" not in page
    assert "Sở A" in page


def test_a_district_head_counts_his_district_and_its_communes(client, head_b, national_results):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    assert response.context["visible_unit_count"] == 2
    assert "Tỉnh Khác" not in response.content.decode()


def test_a_user_without_a_unit_is_told_what_to_do(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("home")).content.decode()
    assert "chưa gắn với đơn vị nào" in page


def test_years_are_written_without_a_thousands_separator(client, staff, national_results):
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert "<td>2023</td>" in page and "2.023" not in page


# --- Best and worst of each group, and when the results were computed -----------------------------


def extremes(response):
    """(index code, kind, parent code or None, best unit code, worst unit code) per group."""
    return [
        (
            e["index"].code,
            e["kind"].value,
            e["parent"].code if e["parent"] else None,
            e["best"].unit.code,
            e["worst"].unit.code,
        )
        for e in response.context["extremes"]
    ]


def test_staff_see_the_best_and_the_worst_unit_of_each_group(client, staff, rankings):
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert extremes(response) == [
        ("par", "department", "P", "A", "A3"),  # Sở A and Sở Hai share the first place: by name
        ("par", "district", "P", "C", "B"),
        ("par", "commune", "B", "B1", "B1"),
        ("sipas", "department", "P", "A3", "A"),
    ]
    assert all(e["year"] == 2023 for e in response.context["extremes"])
    html = response.content.decode()
    assert "Sở Ba" in html and "84,60 %" in html and "1/3" in html


def test_the_default_index_par_is_first_and_open_before_the_first_by_code(client, staff, rankings):
    dvc = Index.objects.create(code="dvc766", name_vi="Chỉ số 766", name_en="766 Index")
    Result.objects.create(unit=rankings.units["A"], index=dvc, year=2023, value=Decimal("90"), rank=1, group_size=1)
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert [group["index"].code for group in response.context["extremes_by_index"]] == ["par", "dvc766", "sipas"]
    assert '<details class="extremes" open>\n    <summary><strong>Chỉ số CCHC</strong>' in response.content.decode()


def test_each_index_shows_its_own_latest_year(client, staff, rankings):
    Result.objects.filter(index=rankings.sipas).update(year=2021)
    client.force_login(staff)
    years = {e["index"].code: e["year"] for e in client.get(reverse("home")).context["extremes"]}
    assert years == {"par": 2023, "sipas": 2021}


def test_the_head_of_b_sees_the_best_and_worst_of_his_units_only(client, head_b, rankings):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    # The province is not his to see: his district's group is named by its kind alone.
    assert extremes(response) == [("par", "district", None, "B", "B"), ("par", "commune", "B", "B1", "B1")]
    html = response.content.decode()
    for name in ("Sở A", "Sở Hai", "Sở Ba", "Huyện C", "Tỉnh Thử"):
        assert name not in html
    assert "2/2" in html  # his place among the districts


def test_the_head_of_a_sees_his_department_as_best_and_worst(client, head_a, rankings):
    client.force_login(head_a)
    response = client.get(reverse("home"))
    assert extremes(response) == [("par", "department", None, "A", "A"), ("sipas", "department", None, "A", "A")]
    assert "Sở Hai" not in response.content.decode()


def test_a_user_without_a_unit_sees_no_best_or_worst(client, outsider, rankings):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.context["extremes"] == [] and "Sở A" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, rankings):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_as_of_is_the_last_finished_recompute_in_vietnam_time(client, staff, rankings):
    Result.objects.update(updated_at=datetime.datetime(2024, 1, 2, 1, 0, tzinfo=datetime.UTC))
    Job.objects.create(
        kind=RECOMPUTE,
        key="1:2023",
        status=JobStatus.DONE,
        finished_at=datetime.datetime(2024, 12, 31, 18, 45, tzinfo=datetime.UTC),
    )
    Job.objects.create(
        kind=RECOMPUTE,
        key="1:2022",
        status=JobStatus.FAILED,
        finished_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC),
    )
    client.force_login(staff)
    assert "01/01/2025 01:45" in client.get(reverse("home")).content.decode()


def test_the_overview_links_each_group_to_its_ranking(client, staff, rankings):
    client.force_login(staff)
    html = client.get(reverse("home")).content.decode()
    assert f"{reverse('rankings')}?index=par&amp;year=2023&amp;kind=district&amp;parent=P" in html


def test_the_number_of_queries_does_not_grow_with_indices_and_groups(
    client, staff, rankings, django_assert_max_num_queries
):
    client.force_login(staff)
    # 32: the worklist counts (3) and the units heading below target (1), the heat map of the default group (group_form's defaults, areas,
    # rows, their area values, bands: 9), the trend (whose, the lineage's results, the groups' means,
    # the indices: 4) and the biggest losses (1) included.
    with django_assert_max_num_queries(32) as few:
        client.get(reverse("home"))
    for code in ("dvc766", "pci", "papi"):
        index = Index.objects.create(code=code, name_vi=code.upper())
        for unit in Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE]):
            Result.objects.create(unit=unit, index=index, year=2024, value=Decimal(50), rank=1, group_size=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["extremes"]) == 4 + 3 * 3


# --- What waits for the reader, and where his group loses points (issue 19) -----------------------


def _overdue(unit, count=1):
    """`count` dossiers of the unit pending past their due date now."""
    from tests.dossiers.test_stats import dossier

    now = timezone.now()
    for _ in range(count):
        dossier(unit, now - datetime.timedelta(days=10), now - datetime.timedelta(days=2)).save()


def worklist(response):
    return [(item["url"], item["count"]) for item in response.context["worklist"]]


WORKLIST = reverse("assessment_worklist")


def test_a_head_sees_his_drafts_and_his_overdue_dossiers_not_others(client, head_a, rankings):
    _overdue(rankings.units["A"], 2)
    _overdue(rankings.units["A2"], 5)
    Assessment.objects.filter(unit=rankings.units["A"], methodology__year=2022).update(
        status=AssessmentStatus.SUBMITTED
    )
    client.force_login(head_a)
    response = client.get(reverse("home"))
    # A's drafts: PAR 2023 and SIPAS 2023 (PAR 2022 is submitted); Sở Hai's and Sở Ba's are not his.
    assert worklist(response) == [(WORKLIST, 2), (reverse("unit_overdue_dossiers", kwargs={"code": "A"}), 2)]
    html = response.content.decode()
    assert f'href="{WORKLIST}"><strong class="count">2</strong> cần tự đánh giá' in html


def test_a_district_head_counts_the_overdue_dossiers_under_his_district(client, head_b, rankings):
    _overdue(rankings.units["B1"], 3)
    _overdue(rankings.units["C"], 4)
    assert overdue_dossiers(unit=rankings.units["B"], user=head_b).count() == 3  # what the link lists
    client.force_login(head_b)
    # B's head scores B (its two PAR drafts); B1 is under him: its dossiers count in B's, not its drafts.
    assert worklist(client.get(reverse("home"))) == [
        (WORKLIST, 2),
        (reverse("unit_overdue_dossiers", kwargs={"code": "B"}), 3),
    ]


def test_an_appraiser_sees_what_was_submitted_and_nothing_to_self_assess_or_publish(client, appraiser, rankings):
    Assessment.objects.filter(unit__code__in=["A2", "B"], methodology__year=2023).update(
        status=AssessmentStatus.SUBMITTED
    )
    client.force_login(appraiser)
    assert worklist(client.get(reverse("home"))) == [(f"{WORKLIST}?status=submitted", 3)]


def test_staff_see_the_submitted_count_and_an_administrator_also_what_to_publish(client, staff, admin_user, rankings):
    Assessment.objects.filter(unit__code="A3").update(status=AssessmentStatus.APPRAISED)
    client.force_login(staff)
    assert worklist(client.get(reverse("home"))) == [(f"{WORKLIST}?status=submitted", 0)]
    client.force_login(admin_user)
    assert worklist(client.get(reverse("home"))) == [
        (f"{WORKLIST}?status=submitted", 0),
        (f"{WORKLIST}?status=appraised", 3),
    ]


def test_a_user_without_a_unit_has_nothing_waiting(client, outsider, rankings):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.context["worklist"] == [] and response.context["heat_map"] is None


def heat(response):
    """{unit code: [cell %]} of the heat map's rows."""
    return {row["code"]: [cell["percent"] for cell in row["cells"]] for row in response.context["heat_map"]["rows"]}


def test_the_heat_map_shows_the_default_groups_areas_as_the_rankings_page_does(client, staff, rankings):
    client.force_login(staff)
    response = client.get(reverse("home"))
    table = client.get(reverse("rankings")).context["table"]  # the same default group
    assert heat(response) == {
        code: [table.area_values[rankings.units[code].pk][area] for area in ("1", "2")] for code in ("A", "A2", "A3")
    }
    assert heat(response)["A"] == [D(91), D(75)]
    cells = {row["code"]: [cell["band"] for cell in row["cells"]] for row in response.context["heat_map"]["rows"]}
    assert cells["A"] == ["Tốt", "Khá"]  # the departments' bands: Tốt ≥ 80 > Khá
    html = response.content.decode()
    assert '<td class="num heat heat-0">91,00<span class="visually-hidden"> (Tốt)</span></td>' in html
    assert '<th scope="col" class="num"><abbr title="Lĩnh vực 1">1</abbr></th>' in html
    assert f'<a href="{reverse("unit_scorecard", kwargs={"code": "A2"})}?index=par&amp;year=2023">Sở Hai</a>' in html


def test_a_partial_reader_sees_only_his_units_in_the_heat_map_on_three_steps(client, head_b, rankings):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    assert heat(response) == {"B": [D("75.833333"), D(75)]}  # 45,5 of 60, 30 of 40; districts have no bands
    assert [cell["step"] for cell in response.context["heat_map"]["rows"][0]["cells"]] == [2, 2]
    html = response.content.decode()
    assert "Huyện C" not in html and "Sở Hai" not in html


def test_the_heat_maps_queries_do_not_grow_with_the_units(client, staff, rankings, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(32) as few:
        client.get(reverse("home"))
    for number in range(30):
        unit = Unit.objects.create(
            code=f"D{number}", name=f"Sở {number}", kind=UnitKind.DEPARTMENT, parent=rankings.tree.province
        )
        Result.objects.create(unit=unit, index=rankings.par, year=2023, value=Decimal(50), rank=4, group_size=33)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["heat_map"]["rows"]) == 33


def test_an_index_in_points_is_judged_on_three_steps_not_on_its_bands(client, staff, rankings):
    rankings.par.value_unit = ValueUnit.POINTS
    rankings.par.save()
    client.force_login(staff)
    heat_map = client.get(reverse("home")).context["heat_map"]
    assert heat_map["bands"] == []
    assert [(cell["band"], cell["step"]) for cell in heat_map["rows"][0]["cells"]] == [(None, 0), (None, 2)]


# --- How we are doing, and where the most points are lost: the first screen (issue 19) ------------


@pytest.fixture
def first_screen(rankings):
    """The rankings' data, and the province's national PAR published for 2022 and 2023 beside a
    second province's: the national mean is theirs (2022: 80 and 90; 2023: 84,6 and 91,25)."""
    other = Unit.objects.create(code="Q", name="Tỉnh Khác", kind=UnitKind.PROVINCE, parent=rankings.tree.nation)
    for year, values in {2022: (D("80"), D("90")), 2023: (D("84.6"), D("91.25"))}.items():
        for rank, (unit, value) in enumerate(
            sorted(zip((rankings.tree.province, other), values, strict=True), key=lambda p: -p[1]), 1
        ):
            Result.objects.create(
                unit=unit,
                index=rankings.par,
                year=year,
                value=value,
                source=ResultSource.PUBLISHED,
                rank=rank,
                group_size=2,
            )
    return rankings


def trend_chart(response, code="par"):
    import json
    import re

    found = re.search(
        rf'<script id="trend-{code}-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1)) if found else None


def names_in(chart):
    return {trace.get("name") for trace in chart["data"]}


def test_staff_see_the_province_against_the_national_mean_and_the_groups_biggest_losses(client, staff, first_screen):
    client.force_login(staff)
    response = client.get(reverse("home"))
    trend = response.context["trend"]
    assert (trend["unit"].code, trend["province"]) == ("P", True)
    chart = trend_chart(response)
    assert names_in(chart) == {"Tỉnh Thử", "Trung bình toàn quốc"}
    mean = next(trace for trace in chart["data"] if trace["name"] == "Trung bình toàn quốc")
    assert (mean["x"], mean["y"]) == (["2022", "2023"], [85.0, 87.925])
    assert chart["layout"]["yaxis"]["rangemode"] == "tozero" and chart["layout"]["yaxis"]["ticksuffix"] == " %"
    html = response.content.decode()
    assert "Tỉnh Thử so với trung bình toàn quốc" in html
    assert f'href="{reverse("unit_scorecard", kwargs={"code": "P"})}?index=par"' in html
    losses = response.context["losses"]
    assert [entry["code"] for entry in losses["entries"]] == ["2.1", "1.2", "1.1"]
    chronic = f"{reverse('chronic_losses')}?index=par&amp;year=2023&amp;kind=department&amp;parent=P"
    assert f'<a href="{chronic}"><strong>2.1</strong> 2.1</a>' in html
    assert "mất 40,00 trên 120,00 điểm" in html and "3 trên 3 đơn vị bị mất điểm" in html


def test_a_department_head_sees_his_unit_against_its_group_and_no_other_units_figures(client, head_a, first_screen):
    client.force_login(head_a)
    response = client.get(reverse("home"))
    trend = response.context["trend"]
    assert (trend["unit"].code, trend["province"]) == ("A", False)
    html = response.content.decode()
    assert "Sở A so với trung bình nhóm" in html and "Bạn không được xem kết quả của tỉnh" in html
    for chart in (trend_chart(response, "par"), trend_chart(response, "sipas")):
        # Three departments: two others, so no mean of theirs (it and his value would give their sum).
        assert names_in(chart) == {"Sở A", "Tạm tính (điểm rỗng)"}
    assert "ít hơn ba đơn vị khác" in html
    for name in ("Tỉnh Thử", "Tỉnh Khác", "Sở Hai", "Sở Ba", "91,25"):  # his own 84,60 is his
        assert name not in html
    losses = response.context["losses"]
    assert [(entry["code"], entry["lost"], entry["scored"]) for entry in losses["entries"]] == [
        ("2.1", D("10"), 1),
        ("1.2", D("5.4"), 1),
    ]
    card = f"{reverse('unit_scorecard', kwargs={'code': 'A'})}?index=par&amp;year=2023#lost-points"
    assert f'<a href="{card}"><strong>2.1</strong> 2.1</a>' in html
    assert reverse("chronic_losses") + "?" not in html


def test_a_district_head_sees_his_district_never_the_other(client, head_b, first_screen):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    assert response.context["trend"]["unit"].code == "B"
    chart = trend_chart(response)
    assert names_in(chart) == {"Huyện B", "Tạm tính (điểm rỗng)"}  # with Huyện C alone besides: no mean
    assert "Huyện C" not in response.content.decode()
    assert [entry["scored"] for entry in response.context["losses"]["entries"]] == [1, 1, 1]


def test_a_user_without_a_unit_is_told_why_there_is_no_trend_nor_loss(client, outsider, first_screen):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.context["trend"] is None and response.context["losses"] is None
    html = response.content.decode()
    assert "Bạn chưa được xem đơn vị nào nên chưa có xu hướng" in html
    assert "Bạn chưa được xem nhóm đơn vị nào được xếp hạng" in html
    assert "plotly" not in html


def test_a_province_without_a_result_yet_says_so(client, staff, tree):
    client.force_login(staff)
    html = client.get(reverse("home")).content.decode()
    assert "Chưa có kết quả của Tỉnh Thử hay của các đơn vị tiền thân" in html
    assert f'href="{reverse("unit_scorecard", kwargs={"code": "P"})}"' in html


def test_the_trends_queries_do_not_grow_with_indices_years_and_predecessors(
    client, staff, first_screen, django_assert_max_num_queries
):
    client.force_login(staff)
    # The budget of the overview above, with a province's trend; and the header's unread notifications.
    with django_assert_max_num_queries(33) as few:
        client.get(reverse("home"))
    old = Unit.objects.create(code="P0", name="Tỉnh Cũ", kind=UnitKind.PROVINCE, parent=first_screen.tree.nation)
    UnitLineage.objects.create(
        predecessor=old, successor=first_screen.tree.province, date=datetime.date(2021, 1, 1), kind=LineageKind.MERGE
    )
    for code in ("sipas2", "dvc766", "pci"):
        index = Index.objects.create(code=code, name_vi=code.upper())
        for year in (2018, 2019, 2020):
            Result.objects.create(
                unit=old, index=index, year=year, value=Decimal(70), source=ResultSource.PUBLISHED, rank=1, group_size=1
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["trend"]["charts"]) == 4
