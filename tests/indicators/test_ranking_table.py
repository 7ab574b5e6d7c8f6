"""RankingTable writes its rows in one pass (body_html) instead of through django-tables2's
template: for every kind of row the page shows — links or none, a published rank, a revised mark,
empty cells, areas, both languages, any sort order — the rows must be the very HTML django-tables2
would have written."""

import re
from decimal import Decimal as D

import pytest
from django.test import RequestFactory

from indicators.models import Result, ResultSource
from reformdash.lib.tables import TEMPLATE
from tests.indicators.test_publication import appraised, publish, published, revised  # noqa: F401 (fixtures, used as test arguments)
from tests.indicators.test_rankings_view import build_rankings, page
from tests.indicators.workflow import workflow  # noqa: F401 (fixtures, used as test arguments)


def tbody(html):
    """The table's body with the space between tags taken out (the two templates indent apart)."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S).group(1)
    return re.sub(r">\s+<", "><", body).strip()


def assert_rows_as_django_tables2_writes_them(response):
    assert response.status_code == 200
    table = response.context["table"]
    ours = tbody(response.content.decode())
    table.template_name = (
        TEMPLATE  # django-tables2's own body (partials/_table.html only changes the box and the pager)
    )
    theirs = tbody(table.as_html(RequestFactory().get("/rankings/")))
    assert ours == theirs
    return ours


@pytest.fixture
def rankings(tree):
    return build_rankings(tree)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"index": "par", "year": 2023, "kind": "department", "parent": "P"},  # bands, areas, ties
        {"index": "par", "year": 2023, "kind": "department", "parent": "P", "sort": "-change"},
        {"index": "par", "year": 2022, "kind": "district", "parent": ""},  # no change: last year unknown
        {"index": "sipas", "year": 2023, "kind": "department", "parent": "P", "sort": "value"},
    ],
)
def test_the_rows_are_django_tables2s(client, staff, rankings, params):
    rows = assert_rows_as_django_tables2_writes_them(page(client, staff, **params))
    assert rows.count("<tr") >= 1 and 'href="/units/' in rows


def test_in_english_too(client, staff, rankings, english):
    rows = assert_rows_as_django_tables2_writes_them(
        page(client, staff, index="par", year=2023, kind="department", parent="P")
    )
    assert "84.60" in rows


def test_rows_a_head_may_not_open_have_no_link(client, head_b, rankings):
    rows = assert_rows_as_django_tables2_writes_them(
        page(client, head_b, index="par", year=2023, kind="district", parent="")
    )
    assert rows.count("<tr") == 1


def test_an_empty_search_keeps_the_empty_text(client, staff, rankings):
    response = page(client, staff, q="no such unit")
    assert_rows_as_django_tables2_writes_them(response)
    assert '<tr><td class="empty-state" colspan=' in tbody(response.content.decode())


def test_a_published_and_revised_row(client, staff, revised):
    rows = assert_rows_as_django_tables2_writes_them(
        page(client, staff, index="par", year=2024, kind="department", parent="P")
    )
    assert 'class="badge-revised"' in rows


def test_a_rank_published_by_the_ministry(client, staff, rankings):
    Result.objects.create(
        unit=rankings.tree.province,
        index=rankings.par,
        year=2023,
        value=D("84.6"),
        source=ResultSource.PUBLISHED,
        official_rank=56,
        official_group_size=63,
    )
    rows = assert_rows_as_django_tables2_writes_them(
        page(client, staff, index="par", year=2023, kind="province", parent="VN")
    )
    assert '56 <small class="muted">' in rows
