"""/dossiers/: units ranked by a dossier rate over a month, a quarter or a year, with the monthly
trend of a unit's total; each viewer sees only his units' rows, with their ranks in the whole group."""

import csv
import datetime
import io
import json
import re
import warnings
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import DossierMonth
from dossiers.stats import dossier_stats_full
from reformdash.lib.export import XLSX_CONTENT_TYPE
from tests.dossiers.pages import pages  # noqa: F401 (pages, example: fixtures)
from tests.dossiers.test_stats import NOW, dossier, example, save, vn  # noqa: F401 (fixtures, used as test arguments)
from tests.xlsx import header_row, xlsx_sheet, xlsx_table, xlsx_titles
from units.models import Unit, UnitKind

URL = "/dossiers/"
Q2 = {"period": "quarter", "year": "2024", "quarter": "2", "kind": "district"}


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def ranked(response):
    """(code, rank, group size, value) of the rows on the page."""
    return [
        (row.record["code"], row.record["rank"], row.record["group_size"], row.record["value"])
        for row in response.context["table"].paginated_rows
    ]


def trend(response):
    """The chart's line: {month label: rate}."""
    figure = response.context["trend"].figure
    line = figure["data"][0]
    return dict(zip(line["x"], line["y"], strict=False))


def test_the_url():
    assert reverse("dossier_ranking") == URL


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Who sees what.


def test_staff_see_every_district_ranked_in_vietnamese_numbers(client, staff, pages):
    response = get(client, staff, **Q2)
    assert response.status_code == 200
    # Q2 overdue rate: C 1 late of 3 completed; B's own: 1 pending overdue at the end of June.
    assert ranked(response) == [("C", 1, 2, Decimal("33.333333")), ("B", 2, 2, Decimal(100))]
    page = response.content.decode()
    assert "Huyện C" in page and "Huyện B" in page
    assert "33,33" in page and "1/2" in page and "2/2" in page
    assert "export=csv" in page and 'href="/dossiers/units/C/overdue/?scope=own"' in page


def test_the_district_head_sees_his_row_with_its_rank_in_the_whole_group_and_nothing_of_others(client, head_b, pages):
    response = get(client, head_b, **Q2)
    assert ranked(response) == [("B", 2, 2, Decimal(100))]
    page = response.content.decode()
    assert "2/2" in page
    assert "Huyện C" not in page and "Sở A" not in page and "Tỉnh Thử" not in page


def test_the_district_head_sees_no_department_row(client, head_b, pages):
    response = get(client, head_b, **{**Q2, "kind": "department"})
    assert ranked(response) == []
    assert "Sở A" not in response.content.decode()


def test_the_department_head_sees_only_his_department(client, head_a, pages):
    response = get(client, head_a, **{**Q2, "kind": "district"})
    assert ranked(response) == []
    response = get(client, head_a, **{**Q2, "kind": "department"})
    assert [row[0] for row in ranked(response)] == ["A"]
    assert "Huyện B" not in response.content.decode()


def test_a_user_without_a_unit_sees_no_row_and_no_chart(client, outsider, pages):
    response = get(client, outsider, **Q2)
    assert response.status_code == 200
    assert ranked(response) == [] and response.context["trend"] is None
    page = response.content.decode()
    assert "Huyện B" not in page and "Huyện C" not in page


def test_communes_are_ranked_under_a_chosen_district(client, head_b, pages):
    response = get(client, head_b, **{**Q2, "kind": "commune", "parent": "B"})
    assert [row[:3] for row in ranked(response)] == [("B1", 1, 1)]


def test_without_a_parent_each_row_names_its_group_when_there_are_several(client, staff, head_b, pages):
    Unit.objects.create(code="C1", name="Xã C1", kind=UnitKind.COMMUNE, parent=pages.district_c)
    params = {**Q2, "kind": "commune"}
    rows = get(client, staff, **params).context["table"].paginated_rows
    assert [(row.record["code"], row.get_cell("group")) for row in rows] == [("B1", "Huyện B"), ("C1", "Huyện C")]
    # His communes are of one group: no group column.
    response = get(client, head_b, **params)
    assert [row[0] for row in ranked(response)] == ["B1"]
    assert "group" not in [column.name for column in response.context["table"].columns]
    response = get(client, head_b, **{**Q2, "kind": "district"})
    assert "Tỉnh Thử" not in response.content.decode()  # B's group is the province's, which he may not see


FOREIGN_NOTICE = "Liên kết trỏ tới nhóm bạn không được xem; đang hiển thị nhóm của đơn vị bạn"


@pytest.mark.parametrize("code", ["A", "P", "C", "NOPE"])
def test_a_shared_link_naming_a_unit_the_head_may_not_see_shows_his_own_rows_with_a_notice(client, head_b, pages, code):
    # The same answer whether the unit exists or not: he learns nothing of it.
    response = get(client, head_b, **{**Q2, "parent": code})
    assert response.status_code == 200 and not response.context["form"].errors
    assert response.context["form"].cleaned_data["parent"] is None and ranked(response) == [("B", 2, 2, Decimal(100))]
    html = response.content.decode()
    assert FOREIGN_NOTICE in html
    for name in ("Sở A", "Huyện C", "Tỉnh Thử"):
        assert name not in html
    rows = export(client, head_b, **{**Q2, "parent": code})
    assert [row[1] for row in rows[1:]] == ["Huyện B"]
    assert "Huyện C" not in str(rows) and "Sở A" not in str(rows)


def test_staff_naming_a_unit_that_does_not_exist_get_a_form_error(client, staff, pages):
    response = get(client, staff, **{**Q2, "parent": "NOPE"})
    assert response.status_code == 400 and response.context["form"].errors["parent"]


def test_the_parents_offered_are_by_level_then_in_vietnamese_order(client, staff, pages):
    province = pages.province
    for code, name in (("T1", "Tam Kỳ"), ("D1", "Điện Bàn"), ("D2", "Duy Xuyên")):
        Unit.objects.create(code=code, name=name, kind=UnitKind.DISTRICT, parent=province)
    choices = [label for value, label in get(client, staff, **Q2).context["form"].fields["parent"].choices if value]
    assert choices[0] == "Tỉnh Thử"
    districts = [name for name in choices if name in ("Tam Kỳ", "Điện Bàn", "Duy Xuyên", "Huyện B", "Huyện C")]
    assert districts == ["Duy Xuyên", "Điện Bàn", "Huyện B", "Huyện C", "Tam Kỳ"]


def test_sorting_by_name_is_in_vietnamese_order(client, staff, pages):
    Unit.objects.filter(code="C").update(name="Điện Bàn")  # by code point Đ would come after Huyện B
    assert [row[0] for row in ranked(get(client, staff, **Q2, sort="name"))] == ["C", "B"]
    assert [row[0] for row in ranked(get(client, staff, **Q2, sort="-name"))] == ["B", "C"]


# The chart.


def test_the_chart_of_the_district_head_is_his_districts_total(client, head_b, pages):
    line = trend(get(client, head_b, **Q2))
    assert len(line) == 12
    # B with B1: May 1 late of 1; June 1 pending overdue of 2 (B1's returned on time counts, issue
    # 17); July 1 late and 1 overdue.
    assert (line["05/2024"], line["06/2024"], line["07/2024"]) == (100, 50, 100)
    assert line["01/2024"] is None
    figure_json = json.dumps(get(client, head_b, **Q2).context["trend"].figure)
    assert "Sở A" not in figure_json and "Tỉnh Thử" not in figure_json


def test_the_chart_of_staff_is_the_province_total(client, staff, pages):
    response = get(client, staff, **Q2)
    line = trend(response)
    # May, the province: A's none overdue of 3 (a2 is past its due date, not past it plus the days
    # waiting for the citizen: issue 17), B1's 1 late, C's 2 on time: 1 of 6.
    assert line["05/2024"] == pytest.approx(16.666667)
    assert "Tỉnh Thử" in response.context["trend"].label


def test_the_chart_follows_the_measure_and_the_chosen_unit(client, staff, pages):
    line = trend(get(client, staff, **{**Q2, "measure": "online_rate", "parent": "C"}))
    assert line["05/2024"] == 50 and line["06/2024"] == 0


def test_the_page_draws_the_chart_from_local_scripts(client, staff, pages):
    page = get(client, staff, **Q2).content.decode()
    assert 'data-figure="dossier-trend-data"' in page
    assert "/static/vendor/plotly/plotly-partial.min.js" in page and all(
        src.startswith("/static/") for src in re.findall(r'<script[^>]* src="([^"]*)"', page)
    )


# Periods, measures, sorting and pages.


def test_a_month_and_a_year_are_ranked_too(client, staff, pages):
    may = get(client, staff, period="month", year="2024", month="5", kind="district")
    # In May, B had no dossiers of its own: no rank, and the group is C alone.
    assert ranked(may) == [("C", 1, 1, Decimal(0)), ("B", None, 1, None)]
    year = get(client, staff, period="year", year="2024", kind="district")
    assert [row[:3] for row in ranked(year)] == [("C", 1, 2), ("B", 2, 2)]


def test_higher_is_better_for_the_online_rate(client, staff, pages):
    response = get(client, staff, **{**Q2, "measure": "online_rate"})
    assert [row[:2] for row in ranked(response)] == [("C", 1), ("B", 2)]
    assert "33,33" in response.content.decode()  # C: 1 of 3 online


def test_the_page_opens_on_the_latest_year_with_statistics(client, staff, pages):
    response = get(client, staff)
    form = response.context["form"]
    assert (form.cleaned_data["period"], form.cleaned_data["year"], form.cleaned_data["kind"]) == (
        "year",
        2024,
        "district",
    )
    assert [row[0] for row in ranked(response)] == ["C", "B"]


def test_once_the_districts_are_abolished_the_page_opens_on_the_communes(client, staff, pages):
    """A ranking groups the units of its period's end: with the districts gone by the end of the
    year (as on 1/7/2025), staff open on the communes, not on a ranking of nobody."""
    Unit.objects.filter(kind=UnitKind.DISTRICT).update(valid_to=datetime.date(2024, 6, 30))
    response = get(client, staff)
    form = response.context["form"]
    assert (form.cleaned_data["year"], form.cleaned_data["kind"]) == (2024, "commune")
    assert any(row[1] == 1 for row in ranked(response))
    # A year asked for explicitly still opens on the level of its end.
    assert get(client, staff, year="2023").context["form"].cleaned_data["kind"] == "district"


def test_months_with_only_dossiers_left_pending_do_not_move_the_opening_year(client, staff, pages):
    DossierMonth.objects.create(unit=pages.dept_a, month=202503, scope="own", pending_overdue=1, computed_at=NOW)
    assert get(client, staff).context["form"].cleaned_data["year"] == 2024


def test_the_chart_opens_on_a_unit_of_the_year_with_dossiers(client, staff, pages):
    # Both sort before "Tỉnh Thử": a successor created since, and a province without dossiers.
    Unit.objects.create(
        code="NEW", name="Tỉnh An", kind=UnitKind.PROVINCE, parent=pages.nation, valid_from=datetime.date(2025, 7, 1)
    )
    Unit.objects.create(code="OTHER", name="Thành phố Khác", kind=UnitKind.PROVINCE, parent=pages.nation)
    response = get(client, staff, **Q2)
    assert response.context["scope_unit"] == pages.province
    assert get(client, staff, period="year", year="2023", kind="district").context["scope_unit"].code == "OTHER"


def test_sorting_by_name_and_by_rate(client, staff, pages):
    assert [row[0] for row in ranked(get(client, staff, **Q2, sort="name"))] == ["B", "C"]
    assert [row[0] for row in ranked(get(client, staff, **Q2, sort="-value"))] == ["B", "C"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "month", "month": "13"}, "month"),
        ({"period": "month", "month": ""}, "month"),
        ({"year": "abc"}, "year"),
        ({"year": "3000"}, "year"),
        ({"quarter": "5"}, "quarter"),
        ({"measure": "bogus"}, "measure"),
        ({"kind": "nation"}, "kind"),
        ({"period": "decade"}, "period"),
    ],
)
def test_bad_parameters_are_form_errors(client, staff, pages, params, field):
    response = get(client, staff, **{**Q2, **params})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()


def test_a_page_past_the_end_or_not_a_page_is_not_found(client, staff, pages):
    for page in ("99999", "2", "0", "-1", "abc"):
        assert get(client, staff, **Q2, page=page).status_code == 404, page
    assert get(client, staff, **Q2, page="1").status_code == 200


def test_unknown_sort_columns_are_ignored(client, staff, pages):
    for sort in ("bogus", "overdue_list", "-rank,unit_id"):
        assert [row[0] for row in ranked(get(client, staff, **Q2, sort=sort))] == ["C", "B"], sort


@pytest.mark.parametrize("sort", ["0..0", "name.x", ["name", "unit.code"]])
def test_a_sort_key_with_a_dot_is_dropped_without_a_warning(client, staff, pages, sort):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # django-tables2 warned (DeprecationWarning) on such keys
        response = get(client, staff, **Q2, sort=sort)
    expected = ["B", "C"] if sort[0] == "name" else ["C", "B"]  # by name, or by rate
    assert [row[0] for row in ranked(response)] == expected


def test_the_query_count_does_not_grow_with_the_units(client, staff, pages):
    def count():
        client.force_login(staff)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {**Q2, "kind": "commune"}).status_code == 200
        return len(queries)

    before = count()
    for i in range(30):
        commune = Unit.objects.create(
            code=f"B{i + 2}",
            name=f"Xã B{i + 2}",
            kind=UnitKind.COMMUNE,
            parent=pages.district_b,
            valid_from=pages.district_b.valid_from,
        )
        save(dossier(commune, vn(2024, 5, 2, 8), vn(2024, 5, 10, 17), completed_at=vn(2024, 5, 9, 17)))
    dossier_stats_full(now=NOW)
    # 16: which of the page's units' scorecards the reader may open; the header's unread notifications
    assert count() == before <= 16


# The CSV export.


def export(client, user, **params):
    response = get(client, user, **params, export="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_export_has_the_rows_and_columns_shown(client, staff, pages, english):
    rows = export(client, staff, **Q2)
    assert rows[0][:3] == ["Rank", "Unit", "Overdue rate (%)"]  # no group column: one group
    assert "Dossiers" not in rows[0]  # the link column is not data
    assert [(row[0], row[1], row[2]) for row in rows[1:]] == [
        ("1/2", "Huyện C", "33.333333"),
        ("2/2", "Huyện B", "100.000000"),
    ]


def test_the_district_heads_export_has_only_his_row(client, head_b, pages):
    rows = export(client, head_b, **Q2)
    assert [row[1] for row in rows[1:]] == ["Huyện B"]
    assert "Huyện C" not in str(rows)


def test_the_export_keeps_the_sort_and_escapes_formulas(client, staff, pages):
    Unit.objects.filter(code="C").update(name='=HYPERLINK("http://x")')
    rows = export(client, staff, **Q2, sort="-value")
    assert [row[1] for row in rows[1:]] == ["Huyện B", '\'=HYPERLINK("http://x")']


def test_a_bad_export_request_is_a_form_error(client, staff, pages):
    assert get(client, staff, **{**Q2, "year": "abc"}, export="csv").status_code == 400


def test_an_unknown_export_format_is_not_found(client, staff, pages):
    assert get(client, staff, **Q2, export="pdf").status_code == 404


# The XLSX export.


def xlsx(client, user, **params):
    response = get(client, user, **params, export="xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    return response


def test_the_xlsx_has_the_rows_of_the_csv_with_numbers_as_numbers(client, staff, pages):
    content = xlsx(client, staff, **Q2).content
    rows = xlsx_table(content)
    # One group (every district under one province): no group column (rank, unit, value, counts).
    assert rows[0] == export(client, staff, **Q2)[0]
    assert [(row[0], row[1], row[2]) for row in rows[1:]] == [
        ("1/2", "Huyện C", pytest.approx(33.333333)),
        ("2/2", "Huyện B", 100),
    ]
    assert rows[1][3:] == [3, 2, 1, 0, 0, 0, 0]  # C: received, completed on time and late, …


def test_the_xlsx_says_what_it_ranks_above_a_frozen_header_with_formats_and_widths(client, staff, pages):
    content = xlsx(client, staff, **Q2).content
    first, second = xlsx_titles(content)
    assert first.startswith("Tỷ lệ trễ hạn — Quý 2/2024 — số liệu tính đến ")
    assert second == "Cấp huyện — hồ sơ của chính đơn vị"
    sheet = xlsx_sheet(content)
    header = header_row(sheet)
    assert sheet.freeze_panes == f"A{header + 1}" and sheet.cell(header, 1).font.b
    assert sheet.auto_filter.ref == f"A{header}:J{header + 2}"
    value, received = sheet.cell(header + 1, 3), sheet.cell(header + 1, 4)
    assert (value.data_type, value.number_format) == ("n", "0.00")
    assert (received.value, received.data_type, received.number_format) == (3, "n", "0")
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJ"]
    assert all(6 <= width <= 60 for width in widths)


def test_the_district_heads_xlsx_has_only_his_row(client, head_b, pages):
    content = xlsx(client, head_b, **Q2).content
    assert [row[1] for row in xlsx_table(content)[1:]] == ["Huyện B"]
    assert "Huyện C" not in str(xlsx_table(content)) + str(xlsx_titles(content))


def test_the_page_links_both_exports_with_its_choice(client, staff, pages):
    page = get(client, staff, **Q2, page="1").content.decode()
    for export_format in ("csv", "xlsx"):
        link = re.search(rf'href="\?([^"]*export={export_format}[^"]*)"', page).group(1)
        assert "quarter=2" in link and "page=" not in link


# Each measure shows its own counts; the names link to the scorecards.


def headers(response):
    return [str(column.header) for column in response.context["table"].columns]


def test_the_overdue_rate_shows_the_counts_it_is_computed_from_and_the_overdue_list(client, staff, pages, english):
    response = get(client, staff, **Q2)
    assert headers(response)[3:] == [
        "Received",
        "Completed on time",
        "Completed late",
        "Returned or stopped on time",
        "Returned or stopped late",
        "Pending on time",
        "Pending overdue",
        "Dossiers",
    ]


@pytest.mark.parametrize(
    "measure, counts",
    [
        ("online_rate", ["Received", "Received online"]),
        ("fully_online_rate", ["Received", "Handled fully online"]),
        ("online_payment_rate", ["Received with a fee", "Paid online"]),
        ("results_entered_rate", ["Completed", "Result entered"]),
    ],
)
def test_another_measure_shows_its_own_counts_and_no_overdue_column(client, staff, pages, english, measure, counts):
    response = get(client, staff, **{**Q2, "measure": measure})
    assert headers(response)[3:] == counts
    page = response.content.decode()
    assert "overdue" not in page.split('class="table dossier-table"')[1].split("</table>")[0].lower()
    assert "/overdue/" not in page
    assert export(client, staff, **{**Q2, "measure": measure})[0][3:] == counts


def test_the_online_rate_counts_are_its_numerator_and_denominator(client, staff, pages):
    rows = export(client, staff, **{**Q2, "measure": "online_rate"})
    # C: 1 of its 3 dossiers received online in the quarter.
    assert [row[1:] for row in rows[1:] if row[1] == "Huyện C"] == [["Huyện C", "33.333333", "3", "1"]]


def test_unit_names_link_to_the_scorecards_the_reader_may_open(client, staff, head_b, pages):
    page = get(client, staff, **Q2).content.decode()
    assert '<a href="/units/C/">Huyện C</a>' in page and '<a href="/units/B/">Huyện B</a>' in page
    page = get(client, head_b, **Q2).content.decode()
    assert '<a href="/units/B/">Huyện B</a>' in page and "/units/C/" not in page
    assert export(client, staff, **Q2)[1][1] == "Huyện C"  # the exports hold the name, not the link


# Language.


def test_the_english_page_shows_english_words_and_numbers(client, staff, pages):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(URL, Q2).content.decode()
    assert "Dossier rankings" in page and "Overdue rate (%)" in page and "Quarter 2/2024" in page
    assert "33.33" in page and "33,33" not in page


def test_the_nav_links_to_the_page(client, head_b, pages):
    client.force_login(head_b)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
