"""/dossiers/units/<code>/overdue/: a unit's dossiers pending past their due date now, or completed
late in a period, with the units under it; 404 for a unit the viewer may not see."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, Scope
from dossiers.selectors import late_dossiers, overdue_days, overdue_dossiers
from tests.dossiers.pages import pages  # noqa: F401 (pages, example: fixtures)
from tests.dossiers.test_stats import dossier, example, save, vn  # noqa: F401 (fixtures, used as test arguments)
from tests.xlsx import header_row, xlsx_sheet, xlsx_table, xlsx_titles


def url(code):
    return reverse("unit_overdue_dossiers", args=[code])


def get(client, user, code, **params):
    client.force_login(user)
    return client.get(url(code), params)


def listed(response):
    """The external ids on the page, in order."""
    return [row.record.external_id for row in response.context["table"].paginated_rows]


def ids(unit, **filters):
    return set(Dossier.objects.filter(unit=unit, **filters).values_list("external_id", flat=True))


def test_the_url():
    assert url("20341") == "/dossiers/units/20341/overdue/"


def test_anonymous_users_are_sent_to_log_in(client, pages):
    response = client.get(url("B"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Who sees what.


def test_staff_see_a_departments_pending_overdue_dossiers_most_overdue_first(client, staff, pages):
    response = get(client, staff, "A")
    assert response.status_code == 200
    a4, a5 = (
        Dossier.objects.get(unit=pages.dept_a, due_at=due).external_id
        for due in (vn(2024, 6, 20, 17), vn(2024, 7, 20, 17))
    )
    # Still pending and past their due dates today: a4 (due 20/06/2024) before a5 (due 20/07/2024).
    assert listed(response) == [a4, a5]
    page = response.content.decode()
    assert "20/06/2024 17:00" in page and "Sở A" in page


def test_the_district_head_sees_his_communes_overdue_dossiers(client, head_b, pages):
    response = get(client, head_b, "B")
    assert response.status_code == 200
    assert set(listed(response)) == ids(pages.commune_b1, status="pending")  # b2, B1's
    assert "Xã B1" in response.content.decode()
    assert set(listed(get(client, head_b, "B1"))) == ids(pages.commune_b1, status="pending")


def test_the_districts_own_dossiers_leave_out_its_communes(client, head_b, pages):
    assert listed(get(client, head_b, "B", scope="own")) == []


@pytest.mark.parametrize("code", ["A", "P", "C", "VN", "NOPE"])
def test_the_district_head_cannot_see_another_units_list(client, head_b, pages, code):
    assert get(client, head_b, code).status_code == 404


def test_a_user_without_a_unit_sees_no_list(client, outsider, pages):
    for code in ("A", "B", "B1"):
        assert get(client, outsider, code).status_code == 404


def test_the_province_list_for_staff_has_every_units_overdue_dossiers(client, staff, pages):
    expected = ids(pages.dept_a, status="pending") | ids(pages.commune_b1, status="pending")
    assert set(listed(get(client, staff, "P"))) == expected


# Completed late in a period.


def test_completed_late_in_a_quarter_and_a_year(client, head_b, pages):
    b1 = Dossier.objects.get(unit=pages.commune_b1, status="completed").external_id
    d1 = Dossier.objects.get(unit=pages.district_b).external_id
    # b1: two supplement requests in May, late whatever the dates; d1: completed late on 2 July.
    assert listed(get(client, head_b, "B", show="late", period="quarter", year="2024", quarter="2")) == [b1]
    response = get(client, head_b, "B", show="late", period="year", year="2024")
    assert set(listed(response)) == {b1, d1}
    page = response.content.decode()
    assert "02/07/2024" in page  # the completed column is shown for late dossiers


def test_days_overdue_count_a_started_day_and_a_dash_for_supplements_only(client, staff, pages):
    response = get(client, staff, "A", show="late", period="month", year="2024", month="6")
    # a3 was completed one second after its due date: one started day.
    rows = list(response.context["table"].paginated_rows)
    assert [row.get_cell("overdue_by") for row in rows] == [1]
    assert overdue_days(datetime.timedelta(days=2, seconds=1)) == 3
    assert overdue_days(datetime.timedelta(days=2)) == 2
    assert overdue_days(datetime.timedelta(seconds=-5)) is None


def test_the_list_follows_the_overdue_rule_now(pages, staff):
    # Due in an hour: pending on time; two supplement requests: overdue whatever the due date.
    now = timezone.now()
    save(
        dossier(pages.dept_a, now - datetime.timedelta(days=1), now + datetime.timedelta(hours=1)),
        dossier(
            pages.dept_a, now - datetime.timedelta(days=1), now + datetime.timedelta(days=5), supplement_requests=2
        ),
    )
    listed_now = overdue_dossiers(unit=pages.dept_a, user=staff, scope=Scope.OWN)
    supplements = Dossier.objects.get(unit=pages.dept_a, supplement_requests=2, status="pending")
    on_time = Dossier.objects.get(unit=pages.dept_a, supplement_requests=0, due_at__gt=now)
    assert supplements in listed_now and on_time not in listed_now
    assert overdue_days(listed_now.get(pk=supplements.pk).overdue_by) is None


def test_the_list_moves_a_pending_dossiers_due_date_by_the_days_waiting_for_the_citizen(pages, staff):
    # Issue 17: due a day ago, but 2 days waiting for the citizen: on time now; due 3 days ago with
    # 1.5 days waited: overdue by 1.5 days, counted from the due date so moved.
    now = timezone.now()
    waiting, overdue = (
        dossier(
            pages.dept_a,
            now - datetime.timedelta(days=10),
            now - datetime.timedelta(days=days),
            supplement_requests=1,
            supplement_days=waited,
        )
        for days, waited in ((1, 2), (3, "1.5"))
    )
    save(waiting, overdue)
    listed_now = overdue_dossiers(unit=pages.dept_a, user=staff, scope=Scope.OWN)
    assert not listed_now.filter(pk=waiting.pk).exists()
    assert overdue_days(listed_now.get(pk=overdue.pk).overdue_by) == 2  # 1.5 days: a started day counts


# Bad parameters, pages and queries.


@pytest.mark.parametrize(
    "params, field",
    [
        ({"show": "bogus"}, "show"),
        ({"scope": "everything"}, "scope"),
        ({"show": "late", "period": "month", "month": "13"}, "month"),
        ({"show": "late", "year": "abc"}, "year"),
        ({"show": "late", "period": "quarter", "quarter": "5"}, "quarter"),
    ],
)
def test_bad_parameters_are_form_errors(client, staff, pages, params, field):
    response = get(client, staff, "A", **params)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_a_page_past_the_end_or_not_a_page_is_not_found(client, staff, pages):
    for page in ("99999", "0", "abc"):
        assert get(client, staff, "A", page=page).status_code == 404, page


def test_unknown_sort_columns_are_ignored(client, staff, pages):
    for sort in ("bogus", "-unit__password", "id;DROP"):
        assert get(client, staff, "A", sort=sort).status_code == 200, sort


def many_overdue(unit, count):
    save(*(dossier(unit, vn(2024, 3, 1 + i % 28, 8), vn(2024, 3, 1 + i % 28, 17)) for i in range(count)))


def test_pages_of_fifty_without_counting_the_table(client, staff, pages, django_assert_max_num_queries):
    many_overdue(pages.commune_b1, 120)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url("B"))
    assert len(listed(first)) == 50
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    third = client.get(url("B"), {"page": 3})
    assert len(listed(third)) == 121 - 100
    assert not set(listed(first)) & set(listed(third))
    assert len(listed(client.get(url("B"), {"per_page": 100000}))) == 50  # no asking for everything at once


def test_the_query_count_does_not_grow_with_the_dossiers(client, head_b, pages):
    def count():
        client.force_login(head_b)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("B")).status_code == 200
        return len(queries)

    before = count()
    many_overdue(pages.commune_b1, 60)
    # 10 with the reader's choice of the table's columns and page size, and the header's unread notifications
    assert count() == before <= 10


def test_sorting_by_due_date(client, staff, pages):
    response = get(client, staff, "A", sort="-due_at")
    dues = [row.record.due_at for row in response.context["table"].paginated_rows]
    assert dues == sorted(dues, reverse=True)


# The index the lists are read by.


def _plan(queryset):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows would be read sequentially: ask whether an index *can* serve the query.
            cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def _index_range(plan, index, column):
    """Whether the plan reads the dossiers by `index` on a unit and a range of `column`."""
    lines = plan.splitlines()
    if connection.vendor == "postgresql":
        # The index line, then its "Index Cond: (unit_id = ANY (…)) AND (received_at < …)".
        at = next(i for i, line in enumerate(lines) if index in line)
        condition = next(line for line in lines[at:] if "Index Cond" in line)
    else:
        condition = next(line for line in lines if index in line)  # SEARCH … USING INDEX … (unit_id=? AND …)
    return "unit_id" in condition and column in condition


def test_overdue_dossiers_are_read_by_the_open_interval_index(staff, pages):
    plan = _plan(overdue_dossiers(unit=pages.district_b, user=staff))
    assert _index_range(plan, "dossier_unit_open_interval", "received_at"), plan


def test_late_dossiers_are_read_by_the_completed_month_index(staff, pages):
    plan = _plan(late_dossiers(unit=pages.district_b, user=staff, months=[202404, 202405, 202406]))
    assert _index_range(plan, "dossier_unit_completed_month", "completed_month"), plan


# The exports: CSV and XLSX of every dossier of the list, to whoever may see the list.


def export(client, user, code, export_format, **params):
    return get(client, user, code, export=export_format, **params)


def csv_rows(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_the_rows_and_columns_of_the_list_every_page_of_it(client, staff, pages, english):
    many_overdue(pages.commune_b1, 60)
    rows = csv_rows(export(client, staff, "B", "csv"))
    assert rows[0] == [
        "Dossier",
        "Unit",
        "Procedure",
        "Received",
        "Due",
        "Days overdue",
        "Channel",
        "Supplement requests",
    ]
    assert [row[0] for row in rows[1:]] == listed_all(client, staff, "B")
    assert len(rows) == 1 + 61
    first = rows[1]
    assert first[1] == "Xã B1" and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", first[4]) and first[5].isdigit()


def listed_all(client, user, code):
    """The external ids of every page of the list, in order."""
    ids, number = [], 1
    while True:
        response = get(client, user, code, page=number)
        if response.status_code == 404:
            return ids
        ids += listed(response)
        number += 1


def test_the_district_heads_export_has_only_the_dossiers_he_may_see(client, head_b, pages):
    rows = csv_rows(export(client, head_b, "B", "csv"))
    assert {row[0] for row in rows[1:]} == ids(pages.commune_b1, status="pending")
    assert {row[1] for row in rows[1:]} == {"Xã B1"}
    assert [row[0] for row in xlsx_table(export(client, head_b, "B", "xlsx").content)[1:]] == [
        row[0] for row in rows[1:]
    ]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("code", ["A", "P", "C", "NOPE"])
def test_the_district_head_cannot_export_another_units_list(client, head_b, pages, code, export_format):
    assert export(client, head_b, code, export_format).status_code == 404


def test_a_user_without_a_unit_exports_nothing(client, outsider, pages):
    for code in ("A", "B", "B1"):
        assert export(client, outsider, code, "csv").status_code == 404


def test_the_late_list_exports_its_completed_column_and_period(client, head_b, pages):
    params = {"show": "late", "period": "year", "year": "2024"}
    response = export(client, head_b, "B", "xlsx", **params)
    assert response["Content-Disposition"] == 'attachment; filename="late-dossiers-B-2024.xlsx"'
    first, second = xlsx_titles(response.content)
    assert first == "Hồ sơ trễ hạn của Huyện B — Giải quyết trễ hạn: Năm 2024 — gồm cả các đơn vị trực thuộc"
    assert second.startswith("số liệu tính đến ")
    rows = xlsx_table(response.content)
    assert rows[0][5] == "Đã giải quyết"  # the completed column, as the late list shows it
    assert {row[0] for row in rows[1:]} == set(listed(get(client, head_b, "B", **params)))
    assert all(isinstance(row[5], datetime.datetime) for row in rows[1:])


def test_the_xlsx_keeps_dates_and_days_as_dates_and_numbers_below_a_frozen_header(client, staff, pages):
    content = export(client, staff, "A", "xlsx").content
    sheet = xlsx_sheet(content)
    header = header_row(sheet)
    assert sheet.freeze_panes == f"A{header + 1}" and all(cell.font.b for cell in sheet[header] if cell.value)
    assert sheet.auto_filter.ref == f"A{header}:H{header + 2}"
    due, days, supplements = (sheet.cell(header + 1, column) for column in (5, 6, 8))
    assert due.value == datetime.datetime(2024, 6, 20, 17, 0)  # Vietnam time, as on the page
    assert (due.data_type, due.number_format) == ("d", "dd/mm/yyyy hh:mm:ss")
    assert (days.data_type, days.number_format) == ("n", "0") and days.value > 100
    assert (supplements.data_type, supplements.number_format) == ("n", "0")
    assert all(6 <= sheet.column_dimensions[letter].width <= 60 for letter in "ABCDEFGH")
    assert sheet.column_dimensions["E"].width >= 19  # a date and time fits


def test_the_page_links_both_exports_and_an_unknown_one_is_not_found(client, staff, pages):
    page = get(client, staff, "B", scope="own").content.decode()
    assert "scope=own&amp;export=csv" in page or "export=csv&amp;scope=own" in page
    assert "export=xlsx" in page
    assert export(client, staff, "B", "pdf").status_code == 404


def test_unit_names_link_to_their_scorecards(client, head_b, pages):
    page = get(client, head_b, "B").content.decode()
    assert '<a href="/units/B1/">Xã B1</a>' in page


# Language.


def test_the_english_page(client, staff, pages):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(url("A")).content.decode()
    assert "Overdue dossiers of Sở A" in page and "Days overdue" in page and "In person" in page
