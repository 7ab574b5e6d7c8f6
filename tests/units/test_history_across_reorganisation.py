"""A ward formed on 01/07/2025 and its predecessors (issue 18): the scorecard shows their index
series beside its own, labelled and not comparable; its dossier months before the merger are
composed from theirs; its head reads that history (units.access: VIEW_HISTORY) but not the
predecessors' own cards, nor anything of a sibling commune of the old district."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from indicators.models import Index, Result
from tests.units.reorganisation import build_reorganisation
from units.access import Action, may, units_allowed
from units.models import Membership, MembershipRole


@pytest.fixture
def history(tree):
    r = build_reorganisation(tree)
    r.par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    for unit, year, value, rank, size in [
        (r.x0, 2019, "61.5", 3, 5),
        (r.x1, 2023, "80", 1, 4),
        (r.x1, 2024, "85", 2, 4),
        (r.x2, 2023, "70", 3, 4),
        (r.x2, 2024, "75", 3, 4),
        (r.y, 2024, "65", 4, 4),
        (r.s, 2024, "91.25", 1, 4),
        (r.w, 2025, "88", 1, 2),
    ]:
        Result.objects.create(unit=unit, index=r.par, year=year, value=D(value), rank=rank, group_size=size)
    return r


def card(client, user, code, **params):
    client.force_login(user)
    return client.get(reverse("unit_scorecard", args=[code]), {"index": "par", "year": 2025, **params})


def test_the_scorecard_shows_the_predecessors_series_side_by_side_labelled_not_comparable(client, history):
    response = card(client, history.head_w, "W")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Trước 01/07/2025: các đơn vị tiền thân" in text
    assert 'id="history-side-by-side"' in text and "không so sánh được" in text
    side = response.context["card"].side_by_side
    # The ward first, then each predecessor in a column of its own: never one line of values.
    assert side["columns"][0]["code"] == "W" and not side["columns"][0]["predecessor"]
    assert {column["code"] for column in side["columns"][1:]} == {"X0", "X1", "X2", "Y"}
    assert all(column["predecessor"] for column in side["columns"][1:])
    by_year = {row["year"]: row["cells"] for row in side["rows"]}
    codes = [column["code"] for column in side["columns"]]
    assert by_year[2024][codes.index("W")] is None  # the ward did not exist: no value of its own
    assert by_year[2024][codes.index("X1")]["value"] == D(85) and by_year[2024][codes.index("X2")]["value"] == D(75)
    assert by_year[2025][codes.index("W")]["value"] == D(88)
    assert by_year[2019][codes.index("X0")]["value"] == D("61.5")  # X1's own predecessor, 2020


def test_the_scorecard_dossier_months_are_composed_from_the_predecessors(client, history):
    response = card(client, history.head_w, "W")
    text = response.content.decode()
    assert "ghép từ số liệu của các đơn vị tiền thân" in text and 'id="dossiers-composed"' in text
    months = {row["month"]: row for row in response.context["card"].dossier_months}
    assert months[202505]["composed"] and months[202505]["overdue_rate"] == D(25)
    assert not months[202507]["composed"]
    # The split commune's series apart, as its own.
    assert [unit.code for unit, _ in response.context["card"].split_dossier_months] == ["Y"]
    assert 'id="split-predecessors"' in text and "Xã Chia" in text


def test_the_ward_head_reads_his_predecessors_history_but_not_a_sibling(client, history):
    r = history
    text = card(client, r.head_w, "W").content.decode()
    assert "Xã Một" in text and "Xã Hai" in text and "Xã Cũ" in text
    assert "Xã Bên Cạnh" not in text and "91,25" not in text  # the sibling S, merged into another ward
    for predecessor in (r.x0, r.x1, r.x2, r.y):
        assert may(r.head_w, Action.VIEW_HISTORY, predecessor)
        assert not may(r.head_w, Action.VIEW_UNIT, predecessor)  # their own cards stay closed
    for other in (r.s, r.v, r.tree.district_b, r.tree.commune_b1):
        assert not may(r.head_w, Action.VIEW_HISTORY, other)
    for code in ("X1", "S", "B", "B1", "V"):
        assert card(client, r.head_w, code, year=2024).status_code == 404, code


def test_a_sibling_head_reads_his_own_past_not_the_wards(client, history):
    r = history
    head_v = User.objects.create_user(username="head_v", password="correct horse battery staple")
    Membership.objects.create(user=head_v, unit=r.v, role=MembershipRole.HEAD)
    assert may(head_v, Action.VIEW_HISTORY, r.s) and may(head_v, Action.VIEW_HISTORY, r.y)
    assert not may(head_v, Action.VIEW_HISTORY, r.x1) and not may(head_v, Action.VIEW_HISTORY, r.w)
    assert card(client, head_v, "W").status_code == 404


def test_the_api_scorecard_gives_the_history_marked_not_comparable(client, history):
    client.force_login(history.head_w)
    body = client.get("/api/units/W/scorecard/", {"index": "par", "year": 2025}).json()
    assert body["predecessors_until"] == "2025-07-01"
    rows = {(row["year"], row["unit"]): row for row in body["history"]}
    assert rows[(2025, "W")]["comparable"] and not rows[(2025, "W")]["predecessor"]
    assert rows[(2024, "X1")]["predecessor"] and not rows[(2024, "X1")]["comparable"]
    assert rows[(2024, "X1")]["value"] == "85.000000"
    assert not any(row["unit"] == "S" for row in body["history"])


def test_no_history_for_an_anonymous_or_outside_user(history, outsider):
    for user in (AnonymousUser(), outsider):
        assert not units_allowed(user=user, action=Action.VIEW_HISTORY).exists()
