"""The rankings page: one group's ranking, limited to what the reader may see, public when the
province says so, and never a 500 for a bad parameter.

`rankings` (the data) is shared with the export, chronic-losses and browser tests."""

import datetime
import json
import re
import warnings
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import indicators.forms
from indicators.models import (
    Assessment,
    AssessmentStatus,
    Band,
    Index,
    Methodology,
    Result,
    ResultSource,
)
from indicators.recompute import results_recompute
from indicators.services import RECOMPUTE
from jobs.models import Job, JobStatus
from reformdash.lib.vietnamese import options_html
from tests.indicators.builders import methodology, publish_by_decision, score
from units.models import Membership, MembershipRole, Unit, UnitKind

URL = reverse("rankings")

# Values are Σ points (the builder's areas: 1 = 1.1 (40) + 1.2 (20), 2 = 2.1 (40); 100 in all).
SCORES = {
    2022: {
        "A": ("30", "10", "30"),
        "A2": ("40", "20", "30"),
        "A3": ("40", "10", "30"),
        "B": ("30", "10", "20"),
        "C": ("30", "10", "10"),
        "B1": ("20", "10", "10"),
    },
    # A and Sở Hai tie at 84,6 (rank 1, 1, then 3); A gains two places, Sở Ba loses one.
    2023: {
        "A": ("40", "14.6", "30"),
        "A2": ("38", "16.6", "30"),
        "A3": ("30", "10", "20"),
        "B": ("35.5", "10", "30"),
        "C": ("40", "20", "30"),
        "B1": ("30", "15", "25"),
    },
}


def build_rankings(tree):
    """PAR 2022–2023 of three departments (A, Sở Hai, Sở Ba), two districts (B, C) and commune B1,
    computed by the real recompute; bands for the departments of 2023; SIPAS 2023 of the
    departments for a second index. Assessments are drafts: nothing is published."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    sipas = Index.objects.create(code="sipas", name_vi="Chỉ số hài lòng", name_en="SIPAS")
    units = {
        "A": tree.dept_a,
        "B": tree.district_b,
        "B1": tree.commune_b1,
        "A2": Unit.objects.create(code="A2", name="Sở Hai", kind=UnitKind.DEPARTMENT, parent=tree.province),
        "A3": Unit.objects.create(code="A3", name="Sở Ba", kind=UnitKind.DEPARTMENT, parent=tree.province),
        "C": Unit.objects.create(code="C", name="Huyện C", kind=UnitKind.DISTRICT, parent=tree.province),
    }
    Band.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=D(80))
    Band.objects.create(index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Khá", max_value=D(80), position=1)
    for year, values in SCORES.items():
        by_kind = {
            kind: methodology(par, year, kind=kind)
            for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)
        }
        for code, (a, b, c) in values.items():
            score(by_kind[units[code].kind], units[code], {"1.1": a, "1.2": b, "2.1": c})
        results_recompute(index_id=par.pk, year=year)
    sipas_2023 = methodology(sipas, 2023)
    for code, points in (("A", "20"), ("A2", "28"), ("A3", "36")):
        score(sipas_2023, units[code], {"1.1": points})
    results_recompute(index_id=sipas.pk, year=2023)
    return type("Rankings", (), {"par": par, "sipas": sipas, "units": units, "tree": tree})


@pytest.fixture
def rankings(tree):
    return build_rankings(tree)


def page(client, user=None, **params):
    if user is not None:
        client.force_login(user)
    return client.get(URL, params)


def body_rows(response):
    """The unit codes of the table's rows, in order."""
    return [row.record.unit.code for row in response.context["table"].page.object_list]


def chart_data(response):
    match = re.search(
        r'<script id="ranking-chart-data" type="application/json">(.*?)</script>', response.content.decode(), re.DOTALL
    )
    return json.loads(match.group(1)) if match else None


# --- What staff see ---------------------------------------------------------------------------


def test_staff_open_the_latest_year_of_the_first_index_and_group(client, staff, rankings):
    response = page(client, staff)
    assert response.status_code == 200
    choice = response.context["choice"]
    assert (choice["index"].code, choice["year"], choice["kind"], choice["parent"].code) == (
        "par",
        2023,
        UnitKind.DEPARTMENT,
        "P",
    )
    assert body_rows(response) == ["A", "A2", "A3"]


def test_equal_values_share_a_rank_and_the_next_is_skipped(client, staff, rankings):
    response = page(client, staff, index="par", year=2023, kind="department", parent="P")
    ranks = [(row.record.unit.code, row.get_cell_value("rank")) for row in response.context["table"].page.object_list]
    assert ranks == [("A", 1), ("A2", 1), ("A3", 3)]
    assert "1, 2, 2, 4" in response.content.decode()


def test_values_are_shown_to_two_decimals_in_vietnamese(client, staff, rankings):
    html = page(client, staff, index="par", year=2023, kind="department", parent="P").content.decode()
    assert "84,60" in html and "60,00" in html
    assert "84.60" not in html and "84,600000" not in html


def test_the_change_since_last_year_is_an_arrow(client, staff, rankings):
    table = page(client, staff, index="par", year=2023, kind="department", parent="P").context["table"]
    changes = {row.record.unit.code: str(row.get_cell("change")) for row in table.page.object_list}
    assert "▲ 2" in changes["A"]  # 3rd in 2022, 1st in 2023
    assert changes["A2"] == "="
    assert "▼ 1" in changes["A3"]


def test_bands_and_area_subscores_are_columns(client, staff, rankings):
    response = page(client, staff, index="par", year=2023, kind="department", parent="P")
    table = response.context["table"]
    headers = [str(column.header) for column in table.columns]
    assert headers[-3:] == ["1 (%)", "2 (%)", "Trạng thái"]  # the areas, then the status (issue 17)
    assert '<th class="col-secondary num" title="Lĩnh vực 1">' in response.content.decode()  # the full title on hover
    assert "<strong>2</strong> Lĩnh vực 2" in response.content.decode()  # the legend under the table
    first = table.page.object_list[0]
    assert first.get_cell_value("band") == "Tốt"
    assert first.get_cell_value("area_0") == D(91)  # 54,6 of 60
    assert "91,00" in response.content.decode() and "75,00" in response.content.decode()


def test_a_unit_links_to_its_scorecard_for_the_same_index_and_year(client, staff, rankings):
    html = page(client, staff, index="par", year=2023, kind="department", parent="P").content.decode()
    assert f'href="{reverse("unit_scorecard", kwargs={"code": "A"})}?index=par&amp;year=2023"' in html


def test_the_search_narrows_to_units_by_name_or_code(client, staff, rankings):
    assert body_rows(page(client, staff, index="par", year=2023, kind="department", parent="P", q="hai")) == ["A2"]
    assert body_rows(page(client, staff, index="par", year=2023, kind="department", parent="P", q="A3")) == ["A3"]


def test_the_headers_sort_the_table(client, staff, rankings):
    params = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}
    assert body_rows(page(client, staff, **params, sort="unit")) == ["A", "A3", "A2"]  # Sở A, Sở Ba, Sở Hai
    assert body_rows(page(client, staff, **params, sort="-rank")) == ["A3", "A", "A2"]
    assert body_rows(page(client, staff, **params, sort="change")) == ["A3", "A2", "A"]


def test_the_chart_has_every_unit_of_the_group_and_its_mean(client, staff, rankings):
    figure = chart_data(page(client, staff, index="par", year=2023, kind="department", parent="P", q="hai"))
    assert figure["layout"]["yaxis"]["categoryarray"] == ["A", "A2", "A3"]  # the group, not only the search
    assert figure["layout"]["shapes"][0]["x0"] == pytest.approx((84.6 + 84.6 + 60) / 3)


def test_the_chart_colours_the_bars_by_band_with_a_legend_and_counts_from_zero(client, staff, rankings):
    figure = chart_data(page(client, staff, index="par", year=2023, kind="department", parent="P"))
    assert [(trace["name"], trace["y"]) for trace in figure["data"]] == [
        ("Tốt (≥ 80)", ["A", "A2"]),
        ("Khá (< 80)", ["A3"]),
    ]
    assert figure["layout"]["showlegend"] is True and figure["layout"]["xaxis"]["rangemode"] == "tozero"
    # 2022 has no bands: one neutral colour and no legend.
    figure = chart_data(page(client, staff, index="par", year=2022, kind="department", parent="P"))
    assert len(figure["data"]) == 1 and figure["layout"]["showlegend"] is False


def test_the_results_as_of_time_is_the_last_recompute(client, staff, rankings):
    Result.objects.update(updated_at=datetime.datetime(2024, 1, 2, 1, 0, tzinfo=datetime.UTC))
    Job.objects.create(
        kind=RECOMPUTE,
        key=f"{rankings.par.pk}:2023",
        status=JobStatus.DONE,
        finished_at=datetime.datetime(2024, 3, 4, 2, 5, tzinfo=datetime.UTC),
    )
    html = page(client, staff, index="par", year=2023, kind="department", parent="P").content.decode()
    assert "04/03/2024 09:05" in html  # Vietnam time


def test_the_permalink_spells_out_every_filter(client, staff, rankings):
    response = page(client, staff, q="Sở", sort="-value")
    assert response.context["permalink"] == (
        "http://testserver/rankings/?index=par&year=2023&kind=department&parent=P&q=S%E1%BB%9F&sort=-value"
    )


def test_the_english_page_has_english_numbers_and_words(client, staff, rankings):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(URL, {"index": "par", "year": 2023, "kind": "department", "parent": "P"}).content.decode()
    assert "84.60" in html and "PAR Index" in html
    assert "Equal values share a rank and the next rank is skipped" in html
    assert "Permalink" in html


def test_a_published_rank_is_shown_with_its_group_size(client, staff, rankings):
    Result.objects.create(
        unit=rankings.tree.province,
        index=rankings.par,
        year=2023,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    response = page(client, staff, index="par", year=2023, kind="province", parent="VN")
    row = response.context["table"].page.object_list[0]
    assert (row.get_cell_value("rank"), row.get_cell_value("group_size")) == (56, 63)


# --- Who sees what ------------------------------------------------------------------------------


def test_the_head_of_b_sees_only_his_district_and_its_commune(client, head_b, rankings):
    response = page(client, head_b)
    assert response.status_code == 200
    assert (response.context["choice"]["kind"], response.context["choice"]["parent"]) == (UnitKind.DISTRICT, None)
    assert body_rows(response) == ["B"]
    assert response.context["table"].page.object_list[0].get_cell_value("rank") == 2  # of the two districts
    html = response.content.decode()
    for name in ("Sở A", "Sở Hai", "Huyện C"):
        assert name not in html
    # One other district only: its value would show in any figure of the group (indicators.group_figures).
    assert chart_data(response) is None and response.context["figures"].suppressed
    assert "Không hiển thị số liệu nhóm" in html
    assert body_rows(page(client, head_b, kind="commune", parent="B")) == ["B1"]


def test_the_head_of_b_gets_nothing_of_the_departments(client, head_b, rankings):
    response = page(client, head_b, index="par", year=2023, kind="department")
    assert response.status_code == 200 and body_rows(response) == []
    assert "Sở A" not in response.content.decode() and chart_data(response) is None


FOREIGN_NOTICE = "Liên kết trỏ tới nhóm bạn không được xem; đang hiển thị nhóm của đơn vị bạn"


def commune_c1(rankings):
    """Commune C1 ("Xã Cẩm Hà") under district C, scored for PAR 2023: a second group of communes."""
    c1 = Unit.objects.create(code="C1", name="Xã Cẩm Hà", kind=UnitKind.COMMUNE, parent=rankings.units["C"])
    communes = Methodology.objects.get(index=rankings.par, year=2023, unit_kind=UnitKind.COMMUNE)
    score(communes, c1, {"1.1": "35", "1.2": "15", "2.1": "30"})
    results_recompute(index_id=rankings.par.pk, year=2023)
    return c1


@pytest.mark.parametrize("parent", ["P", "C", "NOPE"])
def test_a_shared_link_to_a_group_the_head_of_b_may_not_see_shows_his_own_with_a_notice(
    client, head_b, rankings, parent
):
    # The province's departments (P), district C's communes, or a code of no unit: the same
    # answer for all three, so he learns nothing of which exist.
    commune_c1(rankings)
    kind = "department" if parent == "P" else "commune"
    response = page(client, head_b, index="par", year=2023, kind=kind, parent=parent)
    assert response.status_code == 200 and not response.context["form"].errors
    html = response.content.decode()
    assert FOREIGN_NOTICE in html
    for name in ("Sở A", "Sở Hai", "Sở Ba", "Huyện C", "Xã Cẩm Hà"):
        assert name not in html
    choice = response.context["choice"]
    if kind == "commune":  # his own group of that kind: the communes of his district
        assert (choice["kind"], choice["parent"].code, body_rows(response)) == (UnitKind.COMMUNE, "B", ["B1"])
    else:  # no department of his: his own unit's group, the districts (their parent he may not see)
        assert (choice["kind"], choice["parent"], body_rows(response)) == (UnitKind.DISTRICT, None, ["B"])
    assert f"parent={choice['parent'].code if choice['parent'] else ''}" in response.context["permalink"]
    # The sort links and the exports name the group shown, not the link's (the language switch
    # keeps the address asked for).
    assert re.search(rf"parent={parent}\b", re.sub(r'<input[^>]*name="next"[^>]*>', "", html)) is None


def test_a_link_to_his_own_group_has_no_notice(client, head_b, rankings):
    response = page(client, head_b, index="par", year=2023, kind="commune", parent="B")
    assert body_rows(response) == ["B1"] and FOREIGN_NOTICE not in response.content.decode()


def test_a_parent_with_no_unit_of_the_kind_gives_the_first_group_of_the_kind_without_a_notice(client, staff, rankings):
    # Changing the kind in the form keeps the parent chosen for the other kind: no form error.
    response = page(client, staff, index="par", year=2023, kind="commune", parent="P")
    assert response.status_code == 200
    assert (response.context["choice"]["parent"].code, body_rows(response)) == ("B", ["B1"])
    assert FOREIGN_NOTICE not in response.content.decode()


def parent_choices(response):
    return [label for value, label in response.context["form"].fields["parent"].choices if value]


def test_the_parents_offered_have_units_of_the_kind_in_the_year_in_vietnamese_order(client, staff, rankings):
    province = rankings.tree.province
    since = datetime.date(2021, 1, 1)
    for code, name in (("T1", "Tam Kỳ"), ("D1", "Điện Bàn"), ("D2", "Duy Xuyên"), ("H1", "Hiệp Đức")):
        district = Unit.objects.create(code=code, name=name, kind=UnitKind.DISTRICT, parent=province, valid_from=since)
        Unit.objects.create(code=f"{code}X", name=f"Xã {code}", kind=UnitKind.COMMUNE, parent=district)
    # Nông Sơn has no commune; Quế Sơn's only commune was merged away in 2022.
    Unit.objects.create(code="N1", name="Nông Sơn", kind=UnitKind.DISTRICT, parent=province)
    que_son = Unit.objects.create(code="Q1", name="Quế Sơn", kind=UnitKind.DISTRICT, parent=province)
    Unit.objects.create(
        code="Q1X", name="Xã Q1", kind=UnitKind.COMMUNE, parent=que_son, valid_to=datetime.date(2022, 6, 30)
    )
    communes = page(client, staff, index="par", year=2023, kind="commune", parent="B")
    assert parent_choices(communes) == ["Duy Xuyên", "Điện Bàn", "Hiệp Đức", "Huyện B", "Tam Kỳ"]
    html = communes.content.decode()
    assert html.index("Duy Xuyên") < html.index("Điện Bàn") < html.index("Hiệp Đức") < html.index("Tam Kỳ")
    assert "Nông Sơn" not in html and "Quế Sơn" not in html
    # In 2022 Quế Sơn still had its commune.
    assert "Quế Sơn" in parent_choices(page(client, staff, index="par", year=2022, kind="commune", parent="B"))
    assert parent_choices(page(client, staff, index="par", year=2023, kind="district", parent="P")) == ["Tỉnh Thử"]


def test_the_head_of_b_is_offered_only_his_own_district(client, head_b, rankings):
    commune_c1(rankings)
    response = page(client, head_b, index="par", year=2023, kind="commune", parent="B")
    assert parent_choices(response) == ["Huyện B"]
    assert parent_choices(page(client, head_b, index="par", year=2023, kind="district")) == []


def test_the_head_of_b_is_offered_his_own_district_after_staff_had_the_options_of_every_one(
    client, staff, head_b, rankings
):
    # Staff's "Under" options are kept for every reader who sees every unit (indicators.forms
    # _parent_options_key), never given to a head, whose own are kept under what he sees.
    commune_c1(rankings)
    query = {"index": "par", "year": 2023, "kind": "commune"}
    assert parent_choices(page(client, staff, **query, parent="B")) == ["Huyện B", "Huyện C"]
    assert parent_choices(page(client, head_b, **query, parent="B")) == ["Huyện B"]
    assert parent_choices(page(client, staff, **query, parent="B")) == ["Huyện B", "Huyện C"]


def drawn_parents(response):
    """[(code, name, selected)] of the "Under" drop-down as the page writes it."""
    select = re.search(r'<select name="parent"[^>]*>(.*?)</select>', response.content.decode(), re.S).group(1)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)


def test_the_under_list_written_once_marks_the_parent_chosen(client, staff, rankings, monkeypatch):
    # The options' HTML is kept (indicators.forms: escaping 725 names on every page); the chosen
    # one is marked in a copy: the same list as the first page's, another option marked.
    commune_c1(rankings)
    written = []
    monkeypatch.setattr(indicators.forms, "options_html", lambda choices: written.append(1) or options_html(choices))
    query = {"index": "par", "year": 2023, "kind": "commune"}
    first = drawn_parents(page(client, staff, **query, parent="B"))
    assert first == [("", "", "(tất cả)"), ("B", " selected", "Huyện B"), ("C", "", "Huyện C")]
    assert drawn_parents(page(client, staff, **query, parent="C")) == [
        ("", "", "(tất cả)"),
        ("B", "", "Huyện B"),
        ("C", " selected", "Huyện C"),
    ]
    assert drawn_parents(page(client, staff, **query, parent="")) == [
        ("", " selected", "(tất cả)"),
        ("B", "", "Huyện B"),
        ("C", "", "Huyện C"),
    ]
    assert len(written) == 1


def test_a_heads_under_list_is_kept_for_what_he_sees_not_given_to_another_head(client, head_b, rankings):
    # A head's list is kept too, keyed by the units he sees (units.access.visible_units_key):
    # the head of C after the head of B gets his own; a membership added shows on the next page.
    commune_c1(rankings)
    head_c = get_user_model().objects.create_user(username="head_c", password="x")
    Membership.objects.create(user=head_c, unit=rankings.units["C"], role=MembershipRole.HEAD)
    query = {"index": "par", "year": 2023, "kind": "commune"}
    names = lambda response: [name for code, _selected, name in drawn_parents(response) if code]  # noqa: E731
    assert names(page(client, head_b, **query, parent="B")) == ["Huyện B"]
    assert names(page(client, head_c, **query, parent="C")) == ["Huyện C"]
    assert names(page(client, head_b, **query, parent="B")) == ["Huyện B"]
    Membership.objects.create(user=head_b, unit=rankings.units["C"], role=MembershipRole.OFFICER)
    assert names(page(client, head_b, **query, parent="B")) == ["Huyện B", "Huyện C"]


def test_a_new_parent_is_offered_on_the_next_page(client, staff, rankings):
    query = {"index": "par", "year": 2023, "kind": "commune", "parent": "B"}
    assert parent_choices(page(client, staff, **query)) == ["Huyện B"]
    district = Unit.objects.create(code="T1", name="Tam Kỳ", kind=UnitKind.DISTRICT, parent=rankings.tree.province)
    Unit.objects.create(code="T1X", name="Xã T1", kind=UnitKind.COMMUNE, parent=district)
    assert parent_choices(page(client, staff, **query)) == ["Huyện B", "Tam Kỳ"]


def test_the_all_ranking_names_each_units_parent_when_it_lists_several_groups(client, staff, head_b, rankings):
    commune_c1(rankings)
    response = page(client, staff, index="par", year=2023, kind="commune", parent="")
    table = response.context["table"]
    assert "parent" in [column.name for column in table.columns]
    assert [(row.record.unit.code, row.get_cell("parent")) for row in table.page.object_list] == [
        ("B1", "Huyện B"),
        ("C1", "Huyện C"),
    ]
    html = response.content.decode()
    assert "<th" in html and "Trực thuộc" in html
    # One group, chosen or not: no column.
    assert "parent" not in [c.name for c in page(client, staff, kind="commune", parent="B").context["table"].columns]
    response = page(client, head_b, index="par", year=2023, kind="commune", parent="")
    assert body_rows(response) == ["B1"]
    assert "parent" not in [column.name for column in response.context["table"].columns]


def test_the_default_index_is_par_not_the_first_by_code(client, staff, rankings):
    dvc = Index.objects.create(code="dvc766", name_vi="Chỉ số 766", name_en="766 Index")
    Result.objects.create(unit=rankings.units["A"], index=dvc, year=2023, value=D("90"), rank=1, group_size=1)
    response = page(client, staff)
    assert response.context["choice"]["index"].code == "par" and body_rows(response) == ["A", "A2", "A3"]
    Index.objects.filter(code="par").update(code="zpar")  # without a "par", the first by code
    assert page(client, staff).context["choice"]["index"].code == "dvc766"


def test_the_head_of_a_sees_his_department_and_not_the_others(client, head_a, rankings):
    response = page(client, head_a)
    assert body_rows(response) == ["A"]
    assert "Sở Hai" not in response.content.decode()


def test_a_user_without_a_unit_sees_no_row(client, outsider, rankings):
    response = page(client, outsider, index="par", year=2023, kind="department")
    assert response.status_code == 200 and body_rows(response) == []


def test_anonymous_readers_are_sent_to_log_in(client, rankings):
    response = page(client, index="par")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- Public rankings -----------------------------------------------------------------------------


@pytest.fixture
def public(settings, rankings):
    """Public rankings on; the departments' 2022 appraisal published, and the province's place."""
    settings.PUBLIC_RANKINGS = True
    publish_by_decision(Methodology.objects.filter(year=2022, unit_kind=UnitKind.DEPARTMENT))
    Result.objects.create(
        unit=rankings.tree.province,
        index=rankings.par,
        year=2023,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    return rankings


def test_public_rankings_show_anonymous_readers_the_published_results_only(client, public):
    response = page(client)
    assert response.status_code == 200
    # 2023: only the province's place was published, not the departments' appraisal.
    assert (response.context["choice"]["year"], body_rows(response)) == (2023, ["P"])
    assert body_rows(page(client, index="par", year=2023, kind="department", parent="P")) == []
    response = page(client, index="par", year=2022, kind="department", parent="P")
    assert body_rows(response) == ["A2", "A3", "A"]
    assert "/units/" not in response.content.decode()  # no scorecard links for the public
    assert body_rows(page(client, index="par", year=2022, kind="district")) == []


def header_links(response):
    header = re.search(r'<ul class="[^"]*\bsite-nav\b[^"]*">(.*?)</ul>', response.content.decode(), re.S).group(1)
    return re.findall(r'<a [^>]*href="([^"]*)"', header)


def test_with_public_rankings_anonymous_readers_find_them_in_the_header(client, public):
    response = client.get("/login/")
    assert header_links(response) == [URL]  # the rankings; no link to the login page itself
    response = page(client, index="par", year=2022)
    assert header_links(response) == [URL, "/login/?next=" + quote(response.wsgi_request.get_full_path(), safe="/")]


def test_without_public_rankings_the_login_page_offers_no_other_page(client, rankings):
    assert header_links(client.get("/login/")) == []


def test_a_group_half_published_shows_only_its_official_rows(client, public):
    # A3's result made official by no decision (its assessment appraised, not published): provisional,
    # so not public; the rows the decision made official are (indicators.official, issue 17).
    Assessment.objects.filter(methodology__year=2022, unit__code="A3").update(status=AssessmentStatus.APPRAISED)
    Result.objects.filter(year=2022, unit__code="A3").update(publication=None)
    assert body_rows(page(client, index="par", year=2022, kind="department", parent="P")) == ["A2", "A"]


def test_with_public_rankings_a_head_sees_his_own_rows_and_the_published_ones(client, head_b, public):
    assert body_rows(page(client, head_b, index="par", year=2023, kind="district", parent="P")) == ["B"]
    response = page(client, head_b, index="par", year=2022, kind="department", parent="P")
    assert body_rows(response) == ["A2", "A3", "A"]
    assert "/units/A/" not in response.content.decode()  # he may read the row, not open the unit


# --- Bad parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, status",
    [
        ({"year": "abc"}, 400),
        ({"year": "1850"}, 400),
        ({"kind": "bogus"}, 400),
        ({"index": "nope"}, 404),
        ({"parent": "NOPE", "kind": "department"}, 404),
        ({"page": "99999"}, 404),
        ({"page": "abc"}, 404),
        ({"page": "-1"}, 404),
        ({"export": "pdf"}, 404),
        ({"q": "x" * 101}, 400),
    ],
)
def test_bad_parameters_are_a_clear_answer_not_an_error(client, staff, rankings, params, status):
    response = page(client, staff, **params)
    assert response.status_code == status


def test_an_unknown_sort_column_is_ignored(client, staff, rankings):
    response = page(client, staff, sort="password")
    assert response.status_code == 200 and body_rows(response) == ["A", "A2", "A3"]


@pytest.mark.parametrize("sort", ["0..0", "unit.name", ["unit", "band__name.x"]])
def test_a_sort_key_with_a_dot_is_dropped_before_django_tables2_parses_it(client, staff, rankings, sort):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # django-tables2 warned (DeprecationWarning) on such keys
        response = page(client, staff, sort=sort)
    expected = ["A", "A3", "A2"] if sort[0] == "unit" else ["A", "A2", "A3"]  # by name, or by rank
    assert response.status_code == 200 and body_rows(response) == expected


def test_a_form_error_is_shown_next_to_its_field(client, staff, rankings, english):
    html = page(client, staff, kind="bogus").content.decode()
    assert "Select a valid choice" in html


def test_a_database_without_any_index_answers_with_the_form(client, staff, db):
    response = page(client, staff)
    assert response.status_code == 400 and "form" in response.context


# --- Pages and queries ---------------------------------------------------------------------------


def many_departments(tree, par, count):
    """`count` departments of 2024 with results written directly (ranked by value, no ties)."""
    units = Unit.objects.bulk_create(
        Unit(code=f"D{i:03d}", name=f"Sở số {i:03d}", kind=UnitKind.DEPARTMENT, parent=tree.province)
        for i in range(count)
    )
    Result.objects.bulk_create(
        Result(unit=unit, index=par, year=2024, value=D(100 - i) / 2, rank=i + 1, group_size=count)
        for i, unit in enumerate(units)
    )


def test_the_pages_are_fifty_rows_without_counting_the_group(client, staff, rankings):
    many_departments(rankings.tree, rankings.par, 120)
    client.force_login(staff)
    params = {"index": "par", "year": 2024, "kind": "department", "parent": "P"}
    response = client.get(URL, {**params, "page": 3})
    assert len(body_rows(response)) == 20 and body_rows(response)[0] == "D100"
    assert client.get(URL, {**params, "page": 4}).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {**params, "page": 2})
    # The paginator does not count the rows (Django's count query is "COUNT(*) AS __count"); the
    # group's figures (indicators.group_figures) count its ranked units once, in their window.
    assert not any("__COUNT" in query["sql"].upper() and "RESULT" in query["sql"].upper() for query in queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(client, staff, rankings, django_assert_max_num_queries):
    client.force_login(staff)
    params = {"index": "par", "year": 2024, "kind": "department", "parent": "P"}
    many_departments(rankings.tree, rankings.par, 5)
    # 28: the page, its table (whether the year has targets, and the reader's choice of its columns
    # and page size, and how many units the group has, ranked or not) and chart (and the group's
    # target), the group figures, the map and the note of a year cut by a reorganisation; the
    # header's unread notifications (1); what else the group's cached section follows (1:
    # selectors.ranking_state); the units' state the "Under" options are kept by (1:
    # selectors.units_state).
    with django_assert_max_num_queries(29) as few:
        client.get(URL, params)
    # The same page again, from the cache: none of the table, figures, chart or map, nor the
    # filter form's fields, kept with them (not the units' state their "Under" options are kept
    # by). 11: the session and the user; the years; the reader's groups; the indices (one query
    # for the drop-down, its check and the choice: indicators.forms); the parent chosen; the "as
    # of" (2); the reader's columns; the section's state; the header's unread notifications.
    with django_assert_max_num_queries(11):
        client.get(URL, params)
    Result.objects.filter(year=2024).delete()
    Unit.objects.filter(code__startswith="D").delete()
    many_departments(rankings.tree, rankings.par, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL, params)


def test_without_a_finished_job_as_of_is_the_last_change_of_a_result(client, staff, rankings, english):
    Result.objects.filter(index=rankings.sipas).update(
        updated_at=datetime.datetime(2024, 5, 6, 17, 30, tzinfo=datetime.UTC)
    )
    html = page(client, staff, index="sipas", year=2023).content.decode()
    assert "Results as of 07/05/2024 00:30." in html


def test_the_caption_counts_the_units_of_the_group_not_yet_ranked(client, staff, rankings, tree):
    caption = re.compile(r'<caption class="ranking-caption">(.*?)</caption>', re.S)
    query = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}
    assert caption.search(page(client, staff, **query).content.decode()).group(1) == (
        "Xếp hạng trong 3 đơn vị của nhóm."
    )
    # A department with no result yet (a year still being appraised), and one that ended before 2023.
    Unit.objects.create(code="A5", name="Sở Năm", kind=UnitKind.DEPARTMENT, parent=tree.province)
    Unit.objects.create(
        code="A6", name="Sở Sáu", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_to=datetime.date(2022, 6, 30)
    )
    assert caption.search(page(client, staff, **query).content.decode()).group(1) == (
        "Xếp hạng trong 3 đơn vị của nhóm. Nhóm có 4 đơn vị: 1 đơn vị chưa có kết quả nên chưa được xếp hạng."
    )


@pytest.mark.parametrize("year", ["0", "10000", "-5"])
def test_a_year_no_date_can_have_is_a_bad_request_not_an_error(client, staff, rankings, year):
    # Found by the form fuzz (CI profile): year 0 reached datetime.date(0, 1, 1) through the parent list.
    response = page(client, staff, index="par", year=year, kind="commune", parent="B")
    assert response.status_code in (400, 404)


def test_a_heads_page_again_does_not_read_his_under_list_again(client, head_b, rankings):
    # His list (the units he sees with communes under them) was a query of 20–30 ms on the national
    # database on every page: kept by what he sees, only the parent he chose is looked up.
    client.force_login(head_b)
    query = {"index": "par", "year": 2023, "kind": "commune", "parent": "B"}
    assert client.get(URL, query).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, query).status_code == 200
    units = [q["sql"] for q in queries if q["sql"].startswith('SELECT "units_unit"."id"')]
    assert len(units) == 1 and '"units_unit"."code" = ' in units[0]
    assert len(queries) <= 14
