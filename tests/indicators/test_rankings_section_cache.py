"""The rankings page's group section (table, figures, chart, map) is kept for readers who see the
whole group (indicators.views._ranking_section_shown): a reader of part of the group never gets a
copy made for a reader of all of it, nor the other way round; a copy carries each reader's own
CSRF token; what shows on it besides the results (a target set) shows on the next page."""

import re
from decimal import Decimal as D

from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indicators.models import Target
from tests.indicators.test_rankings_view import URL, page, rankings  # noqa: F401 (fixture)
from units.access import STAFF_GROUP

DISTRICTS = {"index": "par", "year": 2023, "kind": "district", "parent": ""}  # B and C; head_b sees B
COMMUNES_OF_B = {"index": "par", "year": 2023, "kind": "commune", "parent": "B"}  # B1: all of it his


def row_codes(html):
    """The codes of the table's rows, as the page shows them (a copy from the cache has no context)."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S).group(1)
    return re.findall(r'<td class="col-secondary">([A-Z0-9]+)</td>', body)


def test_a_head_of_part_of_the_group_never_gets_the_copy_made_for_staff(client, staff, head_b, rankings):
    staff_html = page(client, staff, **DISTRICTS).content.decode()
    assert row_codes(staff_html) == ["C", "B"]
    assert row_codes(page(client, staff, **DISTRICTS).content.decode()) == ["C", "B"]  # from the cache
    html = page(client, head_b, **DISTRICTS).content.decode()
    assert row_codes(html) == ["B"]
    assert "Huyện C" not in html


def test_staff_never_get_a_section_made_for_a_head_of_part_of_the_group(client, staff, head_b, rankings):
    assert row_codes(page(client, head_b, **DISTRICTS).content.decode()) == ["B"]
    assert row_codes(page(client, head_b, **DISTRICTS).content.decode()) == ["B"]
    assert row_codes(page(client, staff, **DISTRICTS).content.decode()) == ["C", "B"]


def test_a_head_of_the_whole_group_reads_it_from_a_copy_of_its_own(client, staff, head_b, rankings):
    def read(user):
        with CaptureQueriesContext(connection) as queries:
            html = page(client, user, **COMMUNES_OF_B).content.decode()
        return row_codes(html), len(queries)

    assert read(staff)[0] == ["B1"]
    rows, first = read(head_b)  # not staff's copy: his own, made now
    rows_again, again = read(head_b)
    assert rows == rows_again == ["B1"]
    assert again < first


def test_a_copy_from_the_cache_carries_the_readers_own_csrf_token(client, staff, rankings):
    page(client, staff, **DISTRICTS)  # the copy, made for this reader
    other = User.objects.create_user(username="staff2", password="x")
    other.groups.add(Group.objects.get(name=STAFF_GROUP))
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(other)
    html = checked.get(URL, DISTRICTS).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" class="table-layout-form">(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    response = checked.post(form.group(1), {**fields, "per_page": "25"})
    assert response.status_code == 302  # 403 with another reader's token


def test_a_target_set_shows_on_the_next_page_without_a_recompute(client, staff, rankings):
    assert "target-verdict" not in page(client, staff, **DISTRICTS).content.decode()
    Target.objects.create(index=rankings.par, year=2023, unit=rankings.units["B"], value=D(90))
    assert "target-verdict" in page(client, staff, **DISTRICTS).content.decode()
