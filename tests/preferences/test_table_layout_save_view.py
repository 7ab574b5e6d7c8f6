"""The chooser of a table's columns and page size (preferences.views.table_layout_save, shown by
partials/_table.html): remembered for the reader only, honoured on the next visit, refused with a
message when it asks what cannot be, and never touching the exports."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse

from preferences.layout import offered_salt
from preferences.models import TablePreference
from tests.hostile.test_no_server_error import HOSTILE
from tests.indicators.test_rankings_export import csv_rows
from tests.indicators.test_rankings_view import body_rows, many_departments, rankings  # noqa: F401 (fixture)

RANKINGS = reverse("rankings")
GROUP = {"index": "par", "year": 2023, "kind": "department", "parent": "P"}
SAVE = reverse("table_layout_save", kwargs={"table": "rankings"})


def ranking_page(client, user, **params):
    client.force_login(user)
    return client.get(RANKINGS, {**GROUP, **params})


def shown_columns(response):
    return [column.name for column in response.context["table"].columns]


def choose(client, user, *, columns, per_page, **params):
    """Post the chooser as the rankings page offers it to `user`: the page's own signed list."""
    # From the page as it shows it: a second visit's table may come whole from the cache.
    html = ranking_page(client, user, **params).content.decode()
    form = re.search(r'class="table-layout-form">(.*?)</form>', html, re.S).group(1)
    hidden = {name: unescape(value) for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form)}
    data = {"offered": hidden["offered"], "columns": columns, "per_page": per_page, "next": hidden["next"]}
    return client.post(SAVE, data)


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_chooser_offers_the_optional_columns_checked_and_the_page_sizes(client, staff, rankings):
    layout = ranking_page(client, staff).context["table"].layout
    names = [name for name, _label, shown in layout.columns]
    assert "code" in names and "change" in names and all(shown for _name, _label, shown in layout.columns)
    # The unit, its value and its rank cannot be hidden: they are not offered.
    assert not {"rank", "unit", "value"} & set(names)
    assert layout.page_sizes == (25, 50, 100, 200) and layout.per_page == 50
    html = ranking_page(client, staff).content.decode()
    assert 'name="per_page"' in html and "Luôn hiển thị: Thứ hạng, Đơn vị, Giá trị (%)." in html


def test_hidden_columns_stay_hidden_on_the_next_visit_and_the_rest_stay(client, staff, rankings):
    before = shown_columns(ranking_page(client, staff))
    response = choose(client, staff, columns=["change", "band"], per_page=50)
    assert response.status_code == 302 and response["Location"].startswith(RANKINGS)
    assert message_texts(response) == ["Đã lưu lựa chọn cột và số dòng mỗi trang của bạn cho bảng này."]
    after = shown_columns(ranking_page(client, staff))
    assert "code" not in after and "status" not in after
    assert {"rank", "unit", "value", "change", "band"} <= set(after)
    # Offered again as the page shows it (the second visit's table may come whole from the cache).
    offered = set(re.findall(r'name="columns" value="([^"]+)"', ranking_page(client, staff).content.decode()))
    assert set(before) - set(after) == offered - {"change", "band"}


def test_one_readers_choice_does_not_change_anothers_table(client, staff, admin_user, rankings):
    def table_head(response):  # as the page shows it: the second visit's table may come whole from the cache
        html = response.content.decode()
        return re.search(r"<thead.*?</thead>", html, re.S).group(0), '<option value="50" selected>' in html

    before = table_head(ranking_page(client, admin_user))
    choose(client, staff, columns=[], per_page=25)
    assert table_head(ranking_page(client, admin_user)) == before
    assert before[1]  # 50 rows a page, his own


def test_the_page_size_chosen_is_honoured(client, staff, rankings):
    many_departments(rankings.tree, rankings.par, 60)  # in 2024
    assert len(body_rows(ranking_page(client, staff, year=2024))) == 50
    choose(client, staff, columns=["code"], per_page=25)
    assert len(body_rows(ranking_page(client, staff, year=2024))) == 25
    assert len(body_rows(ranking_page(client, staff, year=2024, page=3))) == 10
    choose(client, staff, columns=["code"], per_page=100)
    assert len(body_rows(ranking_page(client, staff, year=2024))) == 60
    # The query string still cannot ask for more, nor less.
    assert len(body_rows(ranking_page(client, staff, year=2024, per_page=1))) == 60


def test_a_new_page_size_comes_back_to_the_first_page(client, staff, rankings):
    many_departments(rankings.tree, rankings.par, 60)
    response = choose(client, staff, columns=[], per_page=200, year=2024, page=2, sort="unit")
    assert "page=" not in response["Location"] and "sort=unit" in response["Location"]


@pytest.mark.parametrize(
    ("per_page", "message"),
    [
        ("37", "Mỗi trang hiển thị 25, 50, 100 hoặc 200 dòng, không phải “37”."),
        ("abc", "Mỗi trang hiển thị 25, 50, 100 hoặc 200 dòng, không phải “abc”."),
        ("100000000000000000000", "Mỗi trang hiển thị 25, 50, 100 hoặc 200 dòng, không phải “100000000000000000000”."),
        ("", "Hãy chọn số dòng hiển thị trên mỗi trang."),
    ],
)
def test_a_page_size_not_offered_is_refused_with_a_message(client, staff, rankings, per_page, message):
    response = choose(client, staff, columns=[], per_page=per_page)
    assert response.status_code == 302 and message_texts(response) == [message]
    assert not TablePreference.objects.exists()


@pytest.mark.parametrize("column", ["rank", "unit", "value", "no_such_column", "group_size"])
def test_a_column_that_cannot_be_hidden_or_shown_is_refused(client, staff, rankings, column):
    response = choose(client, staff, columns=["code", column], per_page=50)
    assert message_texts(response) == [f"Cột “{column}” không phải là cột có thể ẩn hoặc hiện trong bảng này."]
    assert not TablePreference.objects.exists()


@pytest.mark.parametrize(
    "offered",
    [
        "forged",
        signing.dumps(["rank", "code"], salt="another salt"),
        signing.dumps(["code"], salt=offered_salt("audit-trail")),  # another table's list
        signing.dumps({"code": 1}, salt=offered_salt("rankings")),
    ],
    # Named, not by their value: a signature carries the time it was made, which differs between
    # the xdist workers' collections (and xdist refuses to run collections that differ).
    ids=["forged", "another-salt", "another-table", "not-a-list"],
)
def test_a_list_of_columns_the_page_did_not_sign_is_refused(client, staff, rankings, offered):
    client.force_login(staff)
    response = client.post(SAVE, {"offered": offered, "columns": ["code"], "per_page": 50, "next": RANKINGS})
    assert message_texts(response) == ["Lựa chọn này không đến từ trang của bảng: hãy tải lại trang và chọn lại."]
    assert not TablePreference.objects.exists()


def test_an_unknown_table_is_a_404_and_a_get_is_refused(client, staff):
    client.force_login(staff)
    assert client.post(reverse("table_layout_save", kwargs={"table": "nothing"}), {"per_page": 50}).status_code == 404
    assert client.get(SAVE).status_code == 405


def test_a_visitor_is_sent_to_log_in_and_nothing_is_saved(client, rankings):
    response = client.post(SAVE, {"per_page": 50})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not TablePreference.objects.exists()


def test_the_way_back_is_never_another_site(client, staff, rankings):
    layout = ranking_page(client, staff).context["table"].layout
    data = {"offered": layout.offered, "columns": [], "per_page": 50}
    for next_url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        assert client.post(SAVE, {**data, "next": next_url})["Location"] == "/"


def test_the_exports_keep_every_column_whatever_was_hidden(client, staff, rankings):
    client.force_login(staff)
    header = csv_rows(client.get(RANKINGS, {**GROUP, "export": "csv"}))[0]
    choose(client, staff, columns=[], per_page=25)
    assert csv_rows(client.get(RANKINGS, {**GROUP, "export": "csv"}))[0] == header
    assert "Mã" in header


def test_a_visitor_of_the_public_rankings_gets_the_defaults_and_no_chooser(client, settings, staff, rankings):
    settings.PUBLIC_RANKINGS = True
    choose(client, staff, columns=[], per_page=25)
    client.logout()
    response = client.get(RANKINGS, GROUP)
    assert response.status_code == 200
    assert response.context["table"].layout is None and response.context["table"].paginator.per_page == 50
    assert "code" in shown_columns(response) and 'name="per_page"' not in response.content.decode()


def test_the_head_of_b_with_the_largest_page_still_sees_only_his_units(client, head_b, rankings):
    choose(client, head_b, columns=[], per_page=200)
    assert body_rows(client.get(RANKINGS)) == ["B"]
    response = client.get(RANKINGS, {"index": "par", "year": 2023, "kind": "department"})
    assert response.context["table"].paginator.per_page == 200
    assert body_rows(response) == [] and "Sở A" not in response.content.decode()


@pytest.mark.parametrize(
    ("table", "url", "hidden"),
    [
        ("audit-trail", "/audit/", "source"),
        ("overdue-dossiers", "/dossiers/units/P/overdue/", "channel"),
        ("dossier-ranking", "/dossiers/", "received"),
    ],
)
def test_the_other_tables_remember_their_own_choice(client, staff, tree, table, url, hidden):
    client.force_login(staff)
    layout = client.get(url).context["table"].layout
    names = [name for name, _label, _shown in layout.columns]
    assert hidden in names
    client.post(
        reverse("table_layout_save", kwargs={"table": table}),
        {"offered": layout.offered, "columns": [n for n in names if n != hidden], "per_page": 25, "next": url},
    )
    table_shown = client.get(url).context["table"]
    assert hidden not in [column.name for column in table_shown.columns]
    assert table_shown.paginator.per_page == 25
    # Another table keeps its own defaults.
    assert TablePreference.objects.get(user=staff, table=table).hidden_columns == [hidden]


def test_hostile_values_in_every_field_never_answer_a_server_error(client, staff, rankings):
    layout = ranking_page(client, staff).context["table"].layout
    client.raise_request_exception = False
    for value in HOSTILE:
        for field in ("offered", "columns", "per_page", "next"):
            data = {"offered": layout.offered, "columns": ["code"], "per_page": "50", "next": RANKINGS, field: value}
            assert client.post(SAVE, data).status_code in (302, 400), (field, value)
        assert client.post(f"/preferences/tables/{quote(value, safe='')}/", {"per_page": value}).status_code < 500
    assert not TablePreference.objects.exclude(per_page=50).exists()
