"""/audit/: the audit trail page and its exports. Administrators, staff and appraisers read every
entry; a unit's head or officer only the entries of the units he sees (also in the exports); a
unit he may not see is "not found"; anyone else is refused."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditSource
from audit.services import audit_record
from indicators.models import Assessment, Index
from tests.indicators.builders import methodology
from tests.xlsx import header_row, xlsx_sheet, xlsx_table, xlsx_titles
from units.models import Membership, MembershipRole

URL = "/audit/"


@pytest.fixture
def trail(tree, staff, appraiser, admin_user):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m23, m24 = methodology(par, 2023), methodology(par, 2024)
    c23, c24 = m23.criteria.get(code="1.1"), m24.criteria.get(code="1.1")
    assessment = Assessment.objects.create(unit=tree.dept_a, methodology=m24)
    entries = {
        "a_self": audit_record(
            action="score.self",
            user=staff,
            unit=tree.dept_a,
            criterion=c24,
            changes={"self_score": (None, D("2.5"))},
            batch="aaaa1111",
        ),
        "a_final": audit_record(
            action="score.final",
            user=appraiser,
            unit=tree.dept_a,
            criterion=c24,
            changes={"final_score": (D("2.5"), D("2.25"))},
            reason="Thiếu minh chứng",
            batch="bbbb2222",
        ),
        "a_2023": audit_record(
            action="score.import",
            user=None,
            unit=tree.dept_a,
            criterion=c23,
            changes={"final_score": (None, D("3"))},
            batch="cccc3333",
            source=AuditSource.COMMAND,
        ),
        "a_submit": audit_record(
            action="assessment.submit",
            user=staff,
            obj=assessment,
            unit=tree.dept_a,
            changes={"status": ("draft", "submitted")},
            batch="aaaa1111",
        ),
        "b": audit_record(action="score.final", user=appraiser, unit=tree.district_b, batch="dddd4444"),
        "b1": audit_record(
            action="unit.change",
            user=admin_user,
            unit=tree.commune_b1,
            changes={"valid_to": (None, datetime.date(2025, 6, 30))},
            source=AuditSource.ADMIN,
        ),
        "none": audit_record(
            action="methodology.import", user=admin_user, obj=m24, batch="eeee5555", source=AuditSource.IMPORT
        ),
    }
    return type("Trail", (), {"entries": entries, "c23": c23, "c24": c24, "par": par})


def get(client, viewer, **params):
    if viewer is not None:
        client.force_login(viewer)
    return client.get(URL, params)


def shown_ids(response):
    return {row.record.pk for row in response.context["table"].page.object_list}


def ids(trail, *keys):
    return {trail.entries[key].pk for key in keys}


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_url():
    assert reverse("audit_trail") == URL


# --- Who sees what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, trail):
    response = get(client, None)
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert get(client, None, export="csv").status_code == 302


@pytest.mark.parametrize("user", ["staff", "appraiser", "admin_user"])
def test_province_wide_viewers_see_every_entry_newest_first(client, trail, user, request):
    response = get(client, request.getfixturevalue(user))
    assert response.status_code == 200
    assert shown_ids(response) == set(AuditEntry.objects.values_list("pk", flat=True))
    listed = [row.record.pk for row in response.context["table"].page.object_list]
    assert listed == sorted(listed, reverse=True)


def test_the_head_of_a_sees_only_as_entries(client, trail, head_a):
    response = get(client, head_a)
    assert response.status_code == 200
    assert shown_ids(response) == ids(trail, "a_self", "a_final", "a_2023", "a_submit")


def test_the_head_of_b_sees_his_district_and_its_commune_never_a(client, trail, head_b):
    response = get(client, head_b)
    assert shown_ids(response) == ids(trail, "b", "b1")
    assert "Sở A" not in response.content.decode()


def test_the_head_of_b_asking_for_a_is_told_not_found(client, trail, head_b):
    response = get(client, head_b, unit="A")
    assert response.status_code == 404
    assert "table" not in response.context
    assert get(client, head_b, unit="A", export="csv").status_code == 404
    assert get(client, head_b, unit="NOPE").status_code == 404


def test_the_head_of_b_cannot_reach_as_entries_through_other_filters(client, trail, head_b):
    for params in ({"batch": "aaaa1111"}, {"criterion": "1.1"}, {"user": "staff"}, {"index": "par", "year": 2024}):
        assert shown_ids(get(client, head_b, **params)) == set()
        rows = csv_rows(get(client, head_b, export="csv", **params))
        assert len(rows) == 1  # the header only


def test_the_head_of_bs_export_holds_only_his_units(client, trail, head_b):
    rows = csv_rows(get(client, head_b, export="csv"))
    assert sorted(row[5] for row in rows[1:]) == ["B", "B1"]
    units = [row[5] for row in xlsx_table(get(client, head_b, export="xlsx").content)[1:]]
    assert sorted(units) == ["B", "B1"]


def test_users_who_head_no_unit_are_refused(client, trail, outsider, tree):
    assert get(client, outsider).status_code == 403
    viewer = User.objects.create_user(username="viewer_a", password="x")
    Membership.objects.create(user=viewer, unit=tree.dept_a, role=MembershipRole.VIEWER)
    assert get(client, viewer).status_code == 403
    assert get(client, viewer, export="csv").status_code == 403


def test_an_officer_reads_his_units_trail(client, trail, tree):
    officer = User.objects.create_user(username="officer_a", password="x")
    Membership.objects.create(user=officer, unit=tree.dept_a, role=MembershipRole.OFFICER)
    assert shown_ids(get(client, officer)) == ids(trail, "a_self", "a_final", "a_2023", "a_submit")


# --- Filters ------------------------------------------------------------------------------------


def test_filter_by_unit(client, trail, staff):
    assert shown_ids(get(client, staff, unit="B")) == ids(trail, "b")


def test_a_criterion_code_matches_every_year_and_an_index_and_year_make_it_one(client, trail, staff):
    assert shown_ids(get(client, staff, criterion="1.1")) == ids(trail, "a_self", "a_final", "a_2023")
    one = get(client, staff, criterion="1.1", index="par", year=2023)
    assert shown_ids(one) == ids(trail, "a_2023")


def test_index_and_year_take_what_is_about_them(client, trail, staff):
    # The 2024 scores, the 2024 assessment's step and the 2024 methodology's import.
    assert shown_ids(get(client, staff, index="par", year=2024)) == ids(trail, "a_self", "a_final", "a_submit", "none")


def test_filter_by_user_action_source_and_batch(client, trail, staff):
    assert shown_ids(get(client, staff, user="appraiser")) == ids(trail, "a_final", "b")
    assert shown_ids(get(client, staff, action="score.final")) == ids(trail, "a_final", "b")
    assert shown_ids(get(client, staff, source="command")) == ids(trail, "a_2023")
    assert shown_ids(get(client, staff, batch="aaaa1111")) == ids(trail, "a_self", "a_submit")
    assert shown_ids(get(client, staff, user="nobody")) == set()


def test_filter_by_days_in_vietnam_time_both_included(client, trail, staff):
    vietnam = timezone.get_fixed_timezone(7 * 60)
    old = datetime.datetime(2024, 5, 16, 23, 30, tzinfo=vietnam)  # 16:30 UTC: still the 16th in Vietnam
    AuditEntry.objects.filter(pk=trail.entries["b"].pk).update(at=old)
    assert shown_ids(get(client, staff, since="16/05/2024", until="16/05/2024")) == ids(trail, "b")
    assert trail.entries["b"].pk not in shown_ids(get(client, staff, since="17/05/2024"))
    assert shown_ids(get(client, staff, until="15/05/2024")) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2024-05-16"}, "since"),
        ({"until": "31/02/2024"}, "until"),
        ({"since": "01/01/0001"}, "since"),
        ({"until": "31/12/9999"}, "until"),
        ({"since": "17/05/2024", "until": "16/05/2024"}, "until"),
        ({"criterion": "9.9"}, "criterion"),
        ({"action": "score.delete-all"}, "action"),
        ({"source": "mail"}, "source"),
        ({"index": "pci"}, "index"),
        ({"year": "20x4"}, "year"),
        ({"batch": "<script>"}, "batch"),
    ],
)
def test_a_bad_filter_is_a_400_saying_what_is_wrong(client, trail, staff, params, field):
    response = get(client, staff, **params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()


def test_a_page_past_the_end_is_a_404_and_an_unknown_export_too(client, trail, staff):
    assert get(client, staff, page=99).status_code == 404
    assert get(client, staff, page="x").status_code == 404
    assert get(client, staff, export="pdf").status_code == 404


# --- What a row shows ---------------------------------------------------------------------------


def test_a_row_shows_time_label_changes_the_vietnamese_way_reason_and_links(client, trail, staff):
    entry = trail.entries["a_final"]
    AuditEntry.objects.filter(pk=entry.pk).update(at=datetime.datetime(2024, 5, 16, 2, 3, 4, tzinfo=datetime.UTC))
    text = get(client, staff, action="score.final", unit="A").content.decode()
    assert "16/05/2024 09:03:04" in text  # Vietnam time
    assert '<span title="score.final">' in text  # the label, its code in the tooltip
    assert "2,50 → 2,25" in text
    assert "Thiếu minh chứng" in text
    assert 'href="/units/A/"' in text
    assert "?unit=A&amp;action=score.final&amp;user=appraiser" in text
    assert "criterion=1.1&amp;index=par&amp;year=2024" in text
    assert "batch=bbbb2222" in text


def test_the_labels_in_english(client, trail, staff, english):
    text = get(client, staff).content.decode()
    assert "Appraised score entered" in text and "Assessment submitted" in text and "Methodology imported" in text
    assert "Draft → Submitted" in text
    assert "30/06/2025" in text  # a date change, dd/mm/yyyy
    assert "Command line" in text


def test_the_export_has_exactly_the_filtered_rows_and_safe_cells(client, trail, staff):
    AuditEntry.objects.filter(pk=trail.entries["a_final"].pk).update(reason='=HYPERLINK("http://evil")')
    rows = csv_rows(get(client, staff, unit="A", criterion="1.1", export="csv"))
    assert len(rows) == 4
    assert {row[2] for row in rows[1:]} == {"score.self", "score.final", "score.import"}
    assert '\'=HYPERLINK("http://evil")' in {row[8] for row in rows[1:]}
    assert {row[6] for row in rows[1:]} == {"1.1 (par 2024)", "1.1 (par 2023)"}


def test_the_export_writes_the_time_in_vietnam_time_as_text_in_the_csv_and_as_a_date_in_the_xlsx(client, trail, staff):
    entry = trail.entries["a_final"]
    AuditEntry.objects.filter(pk=entry.pk).update(at=datetime.datetime(2024, 5, 16, 2, 3, 4, tzinfo=datetime.UTC))
    assert csv_rows(get(client, staff, action="score.final", unit="A", export="csv"))[1][0] == "16/05/2024 09:03:04"
    sheet = xlsx_sheet(get(client, staff, action="score.final", unit="A", export="xlsx").content)
    cell = sheet.cell(header_row(sheet) + 1, 1)
    assert cell.value == datetime.datetime(2024, 5, 16, 9, 3, 4)
    assert (cell.data_type, cell.number_format) == ("d", "dd/mm/yyyy hh:mm:ss")


def test_the_xlsx_says_when_and_with_which_filters_above_a_frozen_header(client, trail, staff):
    content = get(client, staff, unit="A", criterion="1.1", export="xlsx").content
    first, second = xlsx_titles(content)
    assert first.startswith("Nhật ký thay đổi — số liệu tính đến ")
    assert second == "Mã đơn vị: A; Mã tiêu chí: 1.1"
    sheet = xlsx_sheet(content)
    header = header_row(sheet)
    assert sheet.cell(header, 1).font.b and sheet.auto_filter.ref.startswith(f"A{header}:")
    assert 19 <= sheet.column_dimensions["A"].width <= 60  # dd/mm/yyyy hh:mm:ss fits
    assert len(xlsx_table(content)) == 4  # the header and the three entries, as in the CSV


def test_the_export_links_carry_the_filters(client, trail, staff):
    response = get(client, staff, unit="A", since="01/01/2024")
    assert response.context["export_csv"] == "/audit/?unit=A&since=01%2F01%2F2024&export=csv"
    assert get(client, staff, unit="A", since="01/01/2024", export="xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


# --- Queries ------------------------------------------------------------------------------------


def _more(tree, trail, appraiser, count):
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action="score.final",
            user=appraiser,
            unit=tree.commune_b1,
            criterion=trail.c24,
            changes={"final_score": ["1", "2"]},
            batch="ffff",
        )
        for _ in range(count)
    )


@pytest.mark.parametrize("user", ["staff", "head_b"])
def test_the_number_of_queries_does_not_grow_with_the_entries(
    client, trail, tree, appraiser, user, request, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = request.getfixturevalue(user)
    client.force_login(viewer)
    _more(tree, trail, appraiser, 10)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _more(tree, trail, appraiser, 190)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["table"].page.object_list) == 50


# --- The navigation link ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "shown"),
    [
        ("staff", True),
        ("appraiser", True),
        ("admin_user", True),
        ("head_a", True),
        ("head_b", True),
        ("outsider", False),
    ],
)
def test_the_nav_link_only_for_who_may_read_some_entries(client, tree, user, shown, request):
    client.force_login(request.getfixturevalue(user))
    text = client.get("/").content.decode()
    assert ('href="/audit/"' in text) is shown


def test_the_nav_link_costs_no_query_once_logged_in(client, head_a, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(head_a)
    # A page that asks nothing of the user's memberships itself (the overview does: his worklist
    # counts), so any such query would be the header's.
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dossiers/methodology/")
    assert 'href="/audit/"' in response.content.decode()
    assert not any('"units_membership"."role" IN' in query["sql"] for query in queries)
