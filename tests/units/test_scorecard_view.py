"""/units/<code>/?index=&year=: a unit's scorecard. 404 for a unit the user may not see, a bad
parameter or a choice the unit has no result for; group figures only as mean and best, other
units' names only for viewers who may see them. Data: tests/indicators/test_scorecard.py."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Methodology
from indicators.recompute import results_recompute
from tests.indicators.builders import score
from tests.indicators.test_scorecard import build_scorecard_data
from units.models import LineageKind, Membership, Unit, UnitKind, UnitLineage


@pytest.fixture
def data(tree):
    return build_scorecard_data(tree)


@pytest.fixture
def comparable(data, tree):
    """A fifth district E, last in 2023 and 2024: N merged into B leaves 4 of the 5 districts of
    2023 in 2024 (overlap 0.8), so B's change of rank is counted; without E (3 of 4) it is not."""
    e = Unit.objects.create(
        code="E", name="Huyện E", kind=UnitKind.DISTRICT, parent=tree.province, valid_from=datetime.date(2021, 1, 1)
    )
    for year in (2023, 2024):
        m = Methodology.objects.get(index=data.par, year=year, unit_kind=UnitKind.DISTRICT)
        score(m, e, {"1.1": "10", "1.2": "5", "2.1": "10"})
        results_recompute(index_id=data.par.pk, year=year)
    return data


def url(code):
    return reverse("unit_scorecard", args=[code])


def get(client, user, code, **params):
    client.force_login(user)
    return client.get(url(code), params)


def page(response):
    return response.content.decode()


def chart_data(response):
    """Every chart's JSON on the page, as one string."""
    return " ".join(re.findall(r'<script id="[^"]+-data" type="application/json">(.*?)</script>', page(response), re.S))


def test_the_url():
    assert url("L49-SNV") == "/units/L49-SNV/"


def test_anonymous_users_are_sent_to_log_in(client, data):
    response = client.get(url("B"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Who sees what --------------------------------------------------------------------------------


def test_staff_see_every_units_card(client, staff, data):
    for code in ("A", "B", "P"):
        assert get(client, staff, code).status_code == 200
    assert "Sở A" in page(get(client, staff, "A"))


def test_the_district_head_sees_his_district_and_its_commune(client, head_b, data):
    response = get(client, head_b, "B")
    assert response.status_code == 200 and "Huyện B" in page(response)
    commune = get(client, head_b, "B1")
    assert commune.status_code == 200 and commune.context["card"] is None  # no result yet: said so, not a 404


@pytest.mark.parametrize("params", [{}, {"index": "par", "year": "2024"}, {"index": "zzz"}, {"year": "abc"}])
@pytest.mark.parametrize("code", ["A", "P", "C", "VN", "NOPE"])
def test_the_district_head_cannot_see_another_units_card(client, head_b, data, code, params):
    response = get(client, head_b, code, **params)
    assert response.status_code == 404
    assert "Sở A" not in page(response)


def test_the_department_head_sees_his_department_but_not_the_district(client, head_a, data):
    assert get(client, head_a, "A").status_code == 200
    assert get(client, head_a, "B").status_code == 404


@pytest.mark.parametrize("code", ["A", "B", "B1", "P"])
def test_a_user_without_a_unit_sees_no_card(client, outsider, data, code):
    assert get(client, outsider, code).status_code == 404


# --- Bad parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"index": "zzz"},
        {"year": "abc"},
        {"year": "1800"},
        {"year": "99999999999999999999"},
        {"index": "par", "year": "2019"},
        {"index": "sipas", "year": "2024"},
        {"index": "bad code!"},
    ],
)
def test_a_bad_or_empty_choice_is_a_404(client, staff, data, params):
    assert get(client, staff, "B", **params).status_code == 404


def test_empty_parameters_are_the_defaults(client, staff, data):
    response = get(client, staff, "B", index="", year="")
    assert response.status_code == 200
    assert (response.context["card"].result.index.code, response.context["card"].result.year) == ("par", 2024)


def test_a_unit_without_results_asked_for_a_year_is_a_404(client, head_b, data):
    assert get(client, head_b, "B1", year="2024").status_code == 404


# --- What the card shows --------------------------------------------------------------------------


def test_the_headline_in_vietnamese(client, head_b, comparable):
    text = page(get(client, head_b, "B"))
    assert "84,60 %" in text  # the value, two decimals, a decimal comma
    assert "2/4" in text and "▲ 1" in text and "Tốt" in text  # rank, change, band
    assert "+14,60" in text  # the value's change since 2023
    assert "Tỉnh Thử" in text  # the group: districts under the province
    assert 'href="/units/B/?index=sipas&amp;year=2023"' in text  # another index's year
    assert 'href="/units/B/?index=par&amp;year=2023"' in text


def test_another_year_and_index(client, head_b, data):
    response = get(client, head_b, "B", index="par", year="2023")
    assert response.context["card"].result.value == 70
    assert "3/4" in page(response)
    sipas = page(get(client, head_b, "B", index="sipas"))
    assert "78,44 %" in sipas


def test_the_provinces_card_shows_its_official_rank(client, staff, data):
    text = page(get(client, staff, "P"))
    assert "56/63" in text and "84,60 %" in text and "▲ 3" in text


def test_the_card_in_english(client, head_b, data):
    client.force_login(head_b)
    client.post(reverse("set_language"), {"language": "en"})
    text = page(client.get(url("B")))
    assert "Value" in text and "Change since last year" in text and "Areas against the group" in text
    assert "84.60 %" in text and "PAR Index" in text


def test_staff_see_the_areas_against_the_group_mean_and_best(client, staff, data):
    response = get(client, staff, "B")
    text = page(response)
    assert "94,33 %" in text and "89,78 %" in text and "100,00 %" in text  # B, mean, best of area 1
    figure = response.context["charts"]["areas"].figure
    assert [trace["name"] for trace in figure["data"]] == ["Huyện B", "Trung bình nhóm", "Cao nhất nhóm"]


def test_the_head_of_b_gets_no_group_figure_of_a_group_with_two_other_units(client, head_b, data):
    # B, C and D were scored in 2024: the mean with B's own value gives C + D, the best (100 %) is
    # one of theirs. Withheld, and said so (indicators.group_figures).
    response = get(client, head_b, "B")
    text = page(response)
    assert "94,33 %" in text and "89,78 %" not in text and "100,00 %" not in text
    assert "Không hiển thị số liệu nhóm: nhóm có dưới 3 đơn vị khác" in text
    assert all(area["group_mean"] is None and area["group_best"] is None for area in response.context["card"].areas)
    for other in ("Huyện C", "Huyện D"):
        assert other not in text
    figure = response.context["charts"]["areas"].figure
    assert [trace["name"] for trace in figure["data"]] == ["Huyện B"]
    assert "Huyện C" not in chart_data(response) and "Huyện D" not in chart_data(response)
    assert "89.78" not in chart_data(response) and "100.0" not in chart_data(response)


def test_staff_are_told_who_passed_the_unit_and_whom_it_passed(client, staff, comparable):
    text = page(get(client, staff, "B"))
    assert "Huyện D (4 → 1)" in text and "Huyện C (1 → 3)" in text


def test_the_head_is_told_how_many_units_passed_it_not_which(client, head_b, comparable):
    client.force_login(head_b)
    client.post(reverse("set_language"), {"language": "en"})
    text = page(client.get(url("B")))
    assert text.count("1 other unit") == 2
    assert "Huyện C" not in text and "Huyện D" not in text


def test_the_history_includes_the_predecessors_marked_not_comparable(client, head_b, data):
    response = get(client, head_b, "B")
    text = page(response)
    assert "Huyện N" in text and "Huyện M" in text and "scorecard-predecessor" in text
    traces = response.context["charts"]["trend"].figure["data"]
    dashes = {trace["name"]: trace["line"].get("dash") for trace in traces}
    assert dashes["Huyện B"] is None and set(dashes.values()) == {None, "dash"}


def test_a_successor_without_results_shows_its_predecessors_history_to_its_own_member(client, data, django_user_model):
    # E took B over: a member of E only sees E, yet B's (and N's, M's) history is E's own.
    e = Unit.objects.create(
        code="E", name="Huyện E", kind=UnitKind.DISTRICT, parent=data.province, valid_from=datetime.date(2025, 1, 1)
    )
    UnitLineage.objects.create(predecessor=data.district_b, successor=e, date=e.valid_from, kind=LineageKind.MERGE)
    member = django_user_model.objects.create_user(username="member_e", password="x")
    Membership.objects.create(user=member, unit=e)
    response = get(client, member, "E")
    assert response.status_code == 200 and response.context["card"] is None
    assert {row["code"] for row in response.context["predecessor_history"]} == {"B", "N", "M"}
    text = page(response)
    assert "Huyện B" in text and "84,60" in text and "Chỉ số SIPAS" in text
    assert get(client, member, "B").status_code == 404  # the predecessor's own card stays closed to him


def test_the_province_is_told_its_group_is_outside_the_system(client, staff, data):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    text = page(client.get(url("P")))
    assert "the rest of the group is not in reformdash" in text
    assert "No head is recorded" in text and "Hoàn thành" not in text  # no head, no classification


def test_the_points_lost_that_year_with_the_chronic_one_marked(client, head_b, data):
    response = get(client, head_b, "B")
    lost = response.context["card"].lost
    assert [(row["code"], row["chronic"]) for row in lost] == [("2.1", True), ("1.2", False), ("1.1", False)]
    text = page(response)
    assert "scorecard-chronic" in text and "12,00" in text and "1,40" in text


def test_dossiers_by_month_only_for_a_year_with_statistics(client, head_b, data):
    response = get(client, head_b, "B")
    assert "dossiers" in response.context["charts"] and "03/2024" in page(response) and "25,00 %" in page(response)
    assert 'id="dossiers"' not in page(get(client, head_b, "B", year="2023"))


def test_the_heads_in_office_and_their_classification(client, head_b, data):
    text = page(get(client, head_b, "B"))
    assert "Nguyễn Văn Một" in text and "Trần Thị Hai" in text and "30/06/2024" in text
    assert "Hoàn thành tốt nhiệm vụ" in text
    assert "Trần Thị Hai" not in page(get(client, head_b, "B", year="2023"))


def test_every_chart_has_its_data_and_the_scripts_are_ours(client, head_b, data):
    response = get(client, head_b, "B")
    assert set(response.context["charts"]) == {"areas", "trend", "dossiers"}
    text = page(response)
    for chart_id in ("scorecard-areas", "scorecard-trend", "scorecard-dossiers"):
        assert f'data-figure="{chart_id}-data"' in text
        json.loads(re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', text, re.S)[1])
    assert "/static/vendor/plotly/plotly-partial.min.js" in text and all(
        src.startswith("/static/") for src in re.findall(r'<script[^>]* src="([^"]*)"', text)
    )


def test_the_trend_shows_the_years_bands_and_the_band_is_named_in_the_pages_language(client, head_b, data):
    client.cookies["django_language"] = "en"
    text = page(get(client, head_b, "B", year="2024"))
    trend = json.loads(
        re.search(r'<script id="scorecard-trend-data" type="application/json">(.*?)</script>', text, re.S)[1]
    )
    assert [shape["name"] for shape in trend["layout"]["shapes"]] == ["Excellent (≥ 90)", "Good (80–<90)"]
    assert trend["layout"]["yaxis"]["rangemode"] == "tozero"


# --- Queries --------------------------------------------------------------------------------------


def _more_districts(data, count):
    """`count` more scored districts in B's 2023 and 2024 groups."""
    methodologies = {m.year: m for m in Methodology.objects.filter(index=data.par, unit_kind=UnitKind.DISTRICT)}
    for number in range(count):
        unit = Unit.objects.create(
            code=f"X{number}",
            name=f"Huyện X{number}",
            kind=UnitKind.DISTRICT,
            parent=data.province,
            valid_from=data.province.valid_from,
        )
        for year in (2023, 2024):
            score(methodologies[year], unit, {"1.1": str(10 + number), "1.2": "5", "2.1": str(30 - number)})
    for year in (2023, 2024):
        results_recompute(index_id=data.par.pk, year=year)


def _queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("B")).status_code == 200
    return len(queries)


def _more_revisions_and_trail(data, count):
    """`count` more published revisions of B's 2024 result and audit entries about it."""
    from audit.services import audit_record
    from indicators.models import Publication, Result, ResultRevision

    m = Methodology.objects.get(index=data.par, year=2024, unit_kind=UnitKind.DISTRICT)
    result = Result.objects.get(unit=data.district_b, index=data.par, year=2024)
    start = (ResultRevision.objects.filter(result=result).count()) + 1
    for number in range(start, start + count):
        publication = Publication.objects.create(
            methodology=m,
            number=number,
            published_on=datetime.date(2025, 3, 1),
            decision_reference=f"QĐ {number}/QĐ-UBND",
        )
        ResultRevision.objects.create(
            result=result,
            publication=publication,
            number=number,
            value=result.value,
            rank=result.rank,
            group_size=result.group_size,
            published_at=publication.published_at,
            reason=f"Sửa lần {number}",
        )
        Result.objects.filter(pk=result.pk).update(publication=publication)
        audit_record(action="result.published", obj=result, unit=data.district_b, changes={"value": ("1", "2")})


@pytest.mark.parametrize("user", ["staff", "head_b"])
def test_the_number_of_queries_does_not_grow_with_the_group(client, data, user, request, django_assert_max_num_queries):
    viewer = request.getfixturevalue(user)
    _more_revisions_and_trail(data, 2)
    before = _queries(client, viewer)
    _more_districts(data, 12)
    _more_revisions_and_trail(data, 12)
    after = _queries(client, viewer)
    assert after == before
    client.force_login(viewer)
    # 17 for the card itself (for a unit head, the size of the group and how much of it he reads
    # in one: issue 22); its revisions, its assessment and its audit trail (with, for a unit head,
    # whether he may browse it) take one query each; its lineage (the reorganisation's date) one,
    # and for a unit head which predecessors' history he may read (units.access) one more; the
    # year's bands, drawn on the trend, one; its target and the trend's target line none (read
    # with its results: issue 22); the remediation plan of the year with its items' verification
    # (issue 20), one; how many units its group has, ranked or not (a computed rank), one; the
    # header's unread notifications, one. Staff: two fewer (he reads the whole group and every
    # predecessor's history).
    with django_assert_max_num_queries({"staff": 25, "head_b": 27}[user]):
        response = client.get(url("B"))
    assert "Sửa lần 13" in page(response) and "Sửa lần 12" in page(response)


def test_a_criterion_not_scored_reads_chua_cham_never_zero(client, staff, data):
    """A blank appraised score is "chưa chấm" in the lost points, named above them (issue 17)."""
    from indicators.models import Score

    Score.objects.filter(
        assessment__unit=data.district_b, assessment__methodology__year=2024, criterion__code="1.2"
    ).update(final_score=None)
    body = page(get(client, staff, "B", index="par", year=2024))
    lost = body[body.index('id="lost-points"') :]
    assert '<span class="not-scored">chưa chấm</span>' in lost
    assert 'id="not-scored">1 tiêu chí chưa chấm: 1.2.' in lost
    assert ">0,00<" not in lost


def test_a_computed_rank_says_how_many_units_of_the_group_are_not_ranked_yet(client, staff, data, tree):
    # The districts ranked in 2024 (tests/indicators/test_scorecard.py); Z, new, is not yet.
    before = page(get(client, staff, "B", index="par", year=2024))
    assert "chưa có kết quả nên chưa được xếp hạng" not in before
    Unit.objects.create(code="Z", name="Huyện Z", kind=UnitKind.DISTRICT, parent=tree.province)
    after = page(get(client, staff, "B", index="par", year=2024))
    members = Unit.objects.filter(kind=UnitKind.DISTRICT, parent=tree.province)
    assert re.search(r"Nhóm có (\d+) đơn vị: 1 đơn vị chưa có kết quả nên chưa được xếp hạng", after)
    assert re.search(r"Nhóm có (\d+) đơn vị", after).group(1) == str(
        len([unit for unit in members if unit.valid_to is None or unit.valid_to >= datetime.date(2024, 12, 31)])
    )
