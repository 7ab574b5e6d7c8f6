"""The rankings page's group section (table, figures, chart, map) is kept for the readers who see
the same units (indicators.views._ranking_section_shown, keyed by units.access.visible_units_key):
a reader of part of the group never gets a copy made for a reader of all of it, nor the other way
round, nor one made for a reader of another part; readers of the same units share one; a
membership added or removed, or a unit moved, shows on the next page; a copy carries each
reader's own CSRF token; what shows on it besides the results (a target set) shows on the next
page."""

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indicators.models import Index, Result, Target
from indicators.recompute import results_recompute
from tests.indicators.builders import methodology, score
from tests.indicators.test_rankings_view import (  # noqa: F401 (fixture)
    FOREIGN_NOTICE,
    URL,
    page,
    parent_choices,
    rankings,
)
from units.access import STAFF_GROUP
from units.models import Membership, MembershipRole, Unit, UnitKind

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


# --- The filter form's fields, kept with the section ---------------------------------------------


def year_options(html):
    select = re.search(r'<select name="year"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="(\d+)"', select)


def test_a_year_with_its_first_result_is_offered_on_the_next_page(client, staff, rankings):
    assert year_options(page(client, staff, **DISTRICTS).content.decode()) == ["2023", "2022"]
    # Another index's year: 2023's PAR results, their "as of" and state are as they were.
    Result.objects.create(index=rankings.sipas, year=2024, unit=rankings.units["A"], value=D(50))
    assert year_options(page(client, staff, **DISTRICTS).content.decode()) == ["2024", "2023", "2022"]


def test_a_link_to_a_group_he_may_not_see_has_its_notice_and_a_link_to_his_own_none(client, head_b, rankings):
    # The foreign link's query is corrected to his own group's: the same query, not the same page.
    own = {"index": "par", "year": 2023, "kind": "commune", "parent": "B"}
    assert FOREIGN_NOTICE not in page(client, head_b, **own).content.decode()
    assert FOREIGN_NOTICE in page(client, head_b, **{**own, "parent": "C"}).content.decode()
    assert FOREIGN_NOTICE not in page(client, head_b, **own).content.decode()
    assert FOREIGN_NOTICE in page(client, head_b, **{**own, "parent": "C"}).content.decode()


# --- Readers of part of the group: a copy per set of units seen (units.access.visible_units_key) --

COMMUNES_OF_THE_COUNTRY = {"index": "par", "year": 2025, "kind": "commune", "parent": ""}


@pytest.fixture
def country(tree):
    """PAR 2025 of six communes directly under two provinces (as since 1/7/2025), three each, all
    ranked together in the country's ranking; a head of each province. Each head reads half of
    the group, and the others are three: the group's figures are his to read, with his places."""
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    communes = methodology(par, 2025, kind=UnitKind.COMMUNE)
    provinces, heads = {}, {}
    for number, (code, name) in enumerate((("79", "Thành phố Hồ Chí Minh"), ("01", "Thành phố Hà Nội"))):
        provinces[code] = Unit.objects.create(code=code, name=name, kind=UnitKind.PROVINCE, parent=tree.nation)
        for position in range(3):
            commune = Unit.objects.create(
                code=f"{code}{position}",
                name=f"Phường {code}-{position}",
                kind=UnitKind.COMMUNE,
                parent=provinces[code],
            )
            score(communes, commune, {"1.1": str(10 + 10 * position + number * 5), "1.2": "10", "2.1": "20"})
        heads[code] = User.objects.create_user(f"head_{code}")
        Membership.objects.create(user=heads[code], unit=provinces[code], role=MembershipRole.HEAD)
    results_recompute(index_id=par.pk, year=2025)
    return type("Country", (), {"par": par, "provinces": provinces, "heads": heads})


def read(client, user, **params):
    """(the row codes, the page's text, its number of queries) of one page of `user`'s."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(URL, params or COMMUNES_OF_THE_COUNTRY).content.decode()
    return row_codes(html), html, len(queries)


def test_two_heads_of_different_provinces_each_read_their_own_rows_of_the_countrys_ranking(client, country, english):
    saigon, hanoi = country.heads["79"], country.heads["01"]
    rows, html, _ = read(client, saigon)
    assert rows == ["792", "791", "790"]
    assert "Phường 79-2</strong>: rank 1/3 (60.00 %)" in html  # his places, with the whole group's figures
    assert read(client, saigon)[0] == ["792", "791", "790"]  # his copy, from the cache
    rows, html, _ = read(client, hanoi)
    assert rows == ["012", "011", "010"]
    assert "Phường 01-2</strong>: rank 1/3 (65.00 %)" in html
    assert "Phường 79" not in html
    assert read(client, saigon)[0] == ["792", "791", "790"]


def test_the_officers_of_one_province_share_a_copy(client, country, english):
    officer = User.objects.create_user("officer_79")
    Membership.objects.create(user=officer, unit=country.provinces["79"], role=MembershipRole.OFFICER)
    rows, html, first = read(client, country.heads["79"])
    rows_again, html_again, again = read(client, officer)  # the head's copy
    assert rows == rows_again == ["792", "791", "790"]
    assert again < first
    assert "Phường 79-2</strong>: rank 1/3 (60.00 %)" in html_again


def test_a_membership_added_or_removed_shows_on_the_next_page(client, country):
    saigon = country.heads["79"]
    assert read(client, saigon)[0] == ["792", "791", "790"]
    membership = Membership.objects.create(user=saigon, unit=Unit.objects.get(code="011"), role=MembershipRole.VIEWER)
    rows, html, _ = read(client, saigon)
    assert rows == ["792", "011", "791", "790"]
    assert "Phường 01-1" in html
    membership.delete()
    rows, html, _ = read(client, saigon)
    assert rows == ["792", "791", "790"]
    assert "Phường 01-1" not in html


def test_a_commune_moved_to_another_province_shows_on_the_next_page(client, country):
    # Moved without the audit (a save, not the admin): what the head sees is read on each page.
    saigon = country.heads["79"]
    assert read(client, saigon)[0] == ["792", "791", "790"]
    Unit.objects.filter(code="010").update(parent=country.provinces["79"])
    assert read(client, saigon)[0] == ["792", "791", "010", "790"]


def test_each_head_is_offered_his_own_province_under_which_to_rank(client, country):
    query = {**COMMUNES_OF_THE_COUNTRY, "parent": "79"}
    assert parent_choices(page(client, country.heads["79"], **query)) == ["Thành phố Hồ Chí Minh"]
    assert parent_choices(page(client, country.heads["01"], **query)) == ["Thành phố Hà Nội"]
    assert parent_choices(page(client, country.heads["79"], **query)) == ["Thành phố Hồ Chí Minh"]
