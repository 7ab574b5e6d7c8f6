"""A group's figures over all its ranked units (indicators.group_figures), and what a reader who
sees only part of the group is told of them: his place in the whole group, its mean, median, best
and worst as anonymous values — or nothing when fewer than 3 units of the group are not his."""

import dataclasses
import json
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from indicators.group_figures import group_figures
from indicators.models import Direction, Index, Result
from indicators.recompute import results_recompute
from indicators.selectors import ranking_group_figures, results_as_of
from tests.indicators.builders import methodology, publish_by_decision, score
from units.models import Membership, MembershipRole, Unit, UnitKind

# Seventeen districts, best first; Huyện B (the head's) is 9th of 17.
VALUES = ["91.2", "90", "89", "88", "87", "86", "85", "84", "83.5", "82", "81", "80", "79", "78", "75", "72", "70.1"]
OWN_PLACE = 9
MEAN = sum(D(value) for value in VALUES) / len(VALUES)  # 82.399…, not B's 83,5


def ranked(index, units_and_values, *, year=2024):
    """Results of `units_and_values` [(unit, value)] with their competition ranks (higher is better)."""
    values = sorted((D(value) for _, value in units_and_values), reverse=True)
    for unit, value in units_and_values:
        Result.objects.create(
            unit=unit,
            index=index,
            year=year,
            value=D(value),
            rank=values.index(D(value)) + 1,
            group_size=len(values),
        )


def ranked_districts(tree, par, values):
    """New districts {code: value}, ranked."""
    ranked(par, [(district(tree, code), value) for code, value in values.items()])


def district(tree, code, name=None):
    return Unit.objects.create(code=code, name=name or f"Huyện {code}", kind=UnitKind.DISTRICT, parent=tree.province)


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")


@pytest.fixture
def seventeen(tree, par):
    """PAR 2024 of seventeen districts under the province, Huyện B 9th at 83,5."""
    others = [district(tree, f"D{number:02d}") for number in range(1, 17)]
    units = others[: OWN_PLACE - 1] + [tree.district_b] + others[OWN_PLACE - 1 :]
    ranked(par, list(zip(units, VALUES, strict=True)))
    return par


def rankings_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("rankings"), {"index": "par", "year": 2024, "kind": "district", **params})


def chart_data(response):
    match = re.search(
        r'<script id="ranking-chart-data" type="application/json">(.*?)</script>', response.content.decode(), re.DOTALL
    )
    return json.loads(match.group(1)) if match else None


# --- The figures, in SQL ------------------------------------------------------------------------


def figures_of(par, *, readable, whole_reader=False, **group):
    return group_figures(
        index=par, year=2024, kind=UnitKind.DISTRICT, readable=readable or Q(), whole_reader=whole_reader, **group
    )


def test_the_median_of_an_odd_group_is_its_middle_value(tree, par):
    ranked_districts(tree, par, {"C": "10", "D": "40", "E": "20", "F": "50", "G": "30"})
    figures = figures_of(par, readable=None, whole_reader=True)
    assert (figures.size, figures.mean, figures.median, figures.best, figures.worst) == (5, D(30), D(30), D(50), D(10))


def test_the_median_of_an_even_group_is_the_mean_of_its_two_middle_values(tree, par):
    ranked_districts(tree, par, {"C": "10", "D": "40", "E": "21", "F": "35.5"})
    figures = figures_of(par, readable=None, whole_reader=True)
    assert (figures.size, figures.median, figures.mean) == (4, D("28.25"), D("26.625"))


def test_the_median_of_one_unit_is_its_value(tree, par):
    ranked(par, [(tree.district_b, "77.7")])
    assert figures_of(par, readable=None, whole_reader=True).median == D("77.7")


def test_where_lower_is_better_the_best_is_the_lowest(tree, par):
    par.direction = Direction.LOWER
    par.save()
    ranked_districts(tree, par, {"C": "1.5", "D": "7", "E": "3"})
    figures = figures_of(par, readable=None, whole_reader=True)
    assert (figures.best, figures.worst) == (D("1.5"), D(7))


def test_unranked_results_are_not_in_the_group(tree, par):
    ranked_districts(tree, par, {"C": "10", "D": "20", "E": "30"})
    Result.objects.create(unit=tree.district_b, index=par, year=2024, value=D(99))  # no rank: not ranked that year
    figures = figures_of(par, readable=None, whole_reader=True)
    assert (figures.size, figures.best) == (3, D(30))


def test_the_head_of_b_reads_the_whole_group_figures_not_his_own(head_b, seventeen):
    figures = ranking_group_figures(index=seventeen, year=2024, kind=UnitKind.DISTRICT, user=head_b, distribution=True)
    assert (figures.size, figures.readable, figures.partial, figures.suppressed) == (17, 1, True, False)
    assert figures.mean == MEAN.quantize(D("0.000001")) and figures.mean != D("83.5")
    assert (figures.median, figures.best, figures.worst) == (D("83.5"), D("91.2"), D("70.1"))
    # The distribution: values only, his own named at its place.
    assert [row["value"] for row in figures.distribution] == [D(value) for value in VALUES]
    mine = [row for row in figures.distribution if row["mine"]]
    assert [(row["name"], row["rank"], row["of"]) for row in mine] == [("Huyện B", OWN_PLACE, 17)]
    others = [row for row in figures.distribution if not row["mine"]]
    assert all(row["name"] is None and row["code"] is None and row["rank"] is None for row in others)


# --- The rankings page --------------------------------------------------------------------------


def test_the_head_of_b_sees_his_place_in_the_whole_group_on_the_rankings_page(client, head_b, seventeen):
    response = rankings_page(client, head_b)
    html = response.content.decode()
    assert "Hạng 9/17" in html
    # His place, once, as the line of his places writes it (indicators.views._own_places).
    assert (
        len(re.findall(r'<span class="own-place"><strong>Huyện B</strong>: Hạng 9/17 \([0-9,]+ %\)\.</span>', html))
        == 1
    )
    assert "tốt nhất nhóm 91,20 %; trung bình 82,40 %; trung vị 83,50 %; thấp nhất 70,10 %" in html
    assert "Cả nhóm (17 đơn vị)" in html
    assert "Huyện D01" not in html
    figure = chart_data(response)
    bar = figure["data"][0]
    assert bar["x"] == [float(value) for value in VALUES]  # the whole group, anonymous
    assert list(bar["y"]) == [str(place) for place in range(1, 18)]
    assert figure["layout"]["yaxis"]["ticktext"][OWN_PLACE - 1] == "Huyện B"
    assert set(figure["layout"]["yaxis"]["ticktext"]) == {"Huyện B", ""}
    assert "D01" not in json.dumps(figure) and "Huyện D" not in json.dumps(figure)
    assert "Trung bình nhóm: 82,40" in figure["layout"]["annotations"][0]["text"]
    assert "Cao nhất" not in html


def test_staff_keep_every_unit_named_and_the_group_mean(client, staff, seventeen):
    response = rankings_page(client, staff, parent="P")
    figures = response.context["figures"]
    assert figures.whole and not figures.suppressed
    figure = chart_data(response)
    assert len(figure["data"][0]["y"]) == 17 and "Huyện D01" in figure["layout"]["yaxis"]["ticktext"]
    assert "Trung bình nhóm: 82,40" in figure["layout"]["annotations"][0]["text"]


def test_a_search_does_not_move_the_mean_line(client, staff, seventeen):
    figure = chart_data(rankings_page(client, staff, parent="P", q="D16"))
    assert "Trung bình nhóm: 82,40" in figure["layout"]["annotations"][0]["text"]


@pytest.fixture
def head_of_two_of_four(tree, par):
    """Four districts; a head of B and of C: two of the four are his, two are not."""
    c, d, e = district(tree, "C"), district(tree, "D"), district(tree, "E")
    ranked(par, [(tree.district_b, "80"), (c, "70"), (d, "90"), (e, "60")])
    user = User.objects.create_user("head_b_and_c")
    Membership.objects.create(user=user, unit=tree.district_b, role=MembershipRole.HEAD)
    Membership.objects.create(user=user, unit=c, role=MembershipRole.HEAD)
    return user


def test_a_reader_of_two_of_four_gets_no_group_figure(client, head_of_two_of_four):
    response = rankings_page(client, head_of_two_of_four)
    figures = response.context["figures"]
    assert (figures.size, figures.readable, figures.suppressed) == (4, 2, True)
    assert figures.mean is figures.median is figures.best is figures.worst is None and figures.distribution == []
    html = response.content.decode()
    assert "Không hiển thị số liệu nhóm: nhóm có dưới 3 đơn vị khác, hiển thị sẽ làm lộ kết quả của đơn vị khác" in html
    assert chart_data(response) is None
    for other in ("90,00", "60,00", "Huyện D", "Huyện E", "75,00"):  # their values, names, the mean
        assert other not in html


def test_three_other_units_are_enough_for_the_figures(client, tree, par, head_b):
    c, d, e = district(tree, "C"), district(tree, "D"), district(tree, "E")
    ranked(par, [(tree.district_b, "80"), (c, "70"), (d, "90"), (e, "60")])
    figures = rankings_page(client, head_b).context["figures"]
    assert (figures.others, figures.suppressed, figures.mean) == (3, False, D(75))


# --- The overview -------------------------------------------------------------------------------


def test_the_overview_gives_the_head_of_b_his_place_not_best(client, head_b, seventeen):
    client.force_login(head_b)
    response = client.get(reverse("home"))
    (entry,) = response.context["extremes"]
    assert entry["partial"] and not entry["best_of_group"] and not entry["worst_of_group"]
    assert entry["figures"].mean == MEAN.quantize(D("0.000001"))
    html = response.content.decode()
    assert "Hạng 9/17" in html
    assert "tốt nhất nhóm 91,20 %; trung bình 82,40 %; trung vị 83,50 %; thấp nhất 70,10 %" in html
    assert "Cao nhất" not in html and "Thấp nhất" not in html and "cao nhất nhóm" not in html


def test_the_overview_says_best_of_the_group_only_when_it_is(client, head_b, seventeen):
    Result.objects.filter(unit__code="D01").update(value=D(1), rank=17)
    Result.objects.filter(unit__code__in=[f"D{n:02d}" for n in range(2, 9)] + ["B"]).update(rank=1)
    client.force_login(head_b)
    (entry,) = client.get(reverse("home")).context["extremes"]
    assert entry["best_of_group"]


def test_the_overview_withholds_the_figures_of_a_small_group(client, head_of_two_of_four):
    client.force_login(head_of_two_of_four)
    response = client.get(reverse("home"))
    (entry,) = response.context["extremes"]
    assert entry["partial"] and entry["figures"].suppressed
    html = response.content.decode()
    assert "Không hiển thị số liệu nhóm" in html and "Hạng 2/4" in html and "Hạng 3/4" in html
    assert "90,00" not in html and "Cao nhất" not in html


def test_staff_keep_the_named_best_and_worst(client, staff, seventeen):
    client.force_login(staff)
    response = client.get(reverse("home"))
    (entry,) = response.context["extremes"]
    assert not entry["partial"] and entry["best"].unit.code == "D01" and entry["worst"].unit.code == "D16"
    html = response.content.decode()
    assert "Cao nhất" in html and "Huyện D01" in html and "Huyện D16" in html


# --- The API and the export -----------------------------------------------------------------------


def test_the_api_gives_the_head_of_b_his_row_and_the_anonymous_group_figures(client, head_b, seventeen):
    client.force_login(head_b)
    response = client.get("/api/rankings/", {"index": "par", "year": 2024, "kind": "district"})
    assert response.status_code == 200
    body = response.json()
    assert [(row["unit_code"], row["rank"], row["group_size"]) for row in body["results"]] == [("B", 9, 17)]
    assert body["group"]["mean"] == str(MEAN.quantize(D("0.000001")))
    assert (body["group"]["best"], body["group"]["worst"]) == ("91.200000", "70.100000")
    text = json.dumps(body, ensure_ascii=False)
    assert "D01" not in text and "Huyện D" not in text and "90.000000" not in text  # no other unit, no other row


def test_the_api_withholds_the_figures_of_a_small_group(client, head_of_two_of_four):
    client.force_login(head_of_two_of_four)
    body = client.get("/api/rankings/", {"index": "par", "year": 2024, "kind": "district"}).json()
    assert [row["unit_code"] for row in body["results"]] == ["B", "C"]
    assert body["group"]["suppressed"] and body["group"]["mean"] is None and body["group"]["best"] is None
    assert "90.000000" not in json.dumps(body) and "60.000000" not in json.dumps(body)


def test_the_export_gives_the_head_of_b_his_row_only(client, head_b, seventeen):
    response = rankings_page(client, head_b, export="csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Huyện B" in text and "D01" not in text and "91,2" not in text and "91.2" not in text
    assert len([line for line in text.splitlines() if line.strip()]) == 2  # the header and his row


def test_a_visitor_of_public_rankings_gets_no_sum_of_provisional_results(client, settings, tree, par):
    # Four departments, one of them published by a decision: the others are provisional, not
    # the public's to read even as a mean.
    settings.PUBLIC_RANKINGS = True
    m = methodology(par, 2024, kind=UnitKind.DEPARTMENT)
    departments = [tree.dept_a] + [
        Unit.objects.create(code=f"S{n}", name=f"Sở {n}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for n in range(1, 5)
    ]
    for department, points in zip(departments, ("40", "35", "30", "25", "20"), strict=True):
        score(m, department, {"1.1": points, "1.2": "10", "2.1": "30"})
    results_recompute(index_id=par.pk, year=2024)
    publish_by_decision([m])
    Result.objects.exclude(unit=tree.dept_a).update(publication=None)  # only Sở A's stays official
    response = client.get(reverse("rankings"), {"index": "par", "year": 2024, "kind": "department", "parent": "P"})
    assert [row.record.unit.code for row in response.context["table"].page.object_list] == ["A"]
    assert response.context["figures"] is None
    html = response.content.decode()
    assert "Cả nhóm" not in html and "Trung bình nhóm" not in html


# --- The group's own figures, shared by its readers (indicators.group_figures._whole_group_cached) --


def shared_figures(par, user):
    """The figures as the rankings page reads them: with the results' "as of", so from the cache
    every reader of the group shares."""
    return ranking_group_figures(
        index=par,
        year=2024,
        kind=UnitKind.DISTRICT,
        user=user,
        distribution=True,
        as_of=results_as_of(index=par, year=2024),
    )


def test_a_head_reads_his_own_place_from_figures_another_head_put_in_the_cache(tree, par, head_b):
    c, d, e, f = (district(tree, code) for code in "CDEF")
    ranked(par, [(tree.district_b, "80"), (c, "70"), (d, "90"), (e, "60"), (f, "50")])
    head_c = User.objects.create_user("head_c")
    Membership.objects.create(user=head_c, unit=c, role=MembershipRole.HEAD)
    first = shared_figures(par, head_b)
    second = shared_figures(par, head_c)  # the group's figures from the cache head_b filled
    assert [(row["name"], row["rank"]) for row in first.own_rows] == [("Huyện B", 2)]
    assert [(row["name"], row["rank"]) for row in second.own_rows] == [("Huyện C", 3)]
    assert (second.readable, second.mean, second.best) == (1, D(70), D(90))
    assert [row["name"] for row in second.distribution] == [None, None, "Huyện C", None, None]


def test_a_reader_of_two_of_four_gets_no_figure_after_another_filled_the_cache(par, head_b, head_of_two_of_four):
    # head_b (one of four) is told the figures; the head of B and C, after him, is not (2 others).
    assert shared_figures(par, head_b).mean == D(75)
    figures = shared_figures(par, head_of_two_of_four)
    assert (figures.size, figures.readable, figures.suppressed) == (4, 2, True)
    assert figures.mean is figures.median is figures.best is figures.worst is None and figures.distribution == []


def test_the_shared_figures_are_those_computed_for_one_reader_alone(head_b, seventeen):
    alone = ranking_group_figures(index=seventeen, year=2024, kind=UnitKind.DISTRICT, user=head_b, distribution=True)
    for _ in range(2):  # the first fills the cache, the second reads it
        shared = shared_figures(seventeen, head_b)
        assert dataclasses.asdict(shared) == dataclasses.asdict(alone)


def test_the_shared_figures_follow_a_recompute(tree, par, head_b):
    c, d, e = district(tree, "C"), district(tree, "D"), district(tree, "E")
    ranked(par, [(tree.district_b, "80"), (c, "70"), (d, "90"), (e, "60")])
    assert shared_figures(par, head_b).mean == D(75)
    Result.objects.filter(unit=e).update(value=D(100), updated_at=timezone.now() + timedelta(seconds=1))
    assert shared_figures(par, head_b).best == D(100)
