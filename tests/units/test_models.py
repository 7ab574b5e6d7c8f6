"""The database refuses units, lineage links, heads' terms and memberships that cannot be true."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from units.models import LineageKind, Membership, MembershipRole, Unit, UnitHead, UnitKind, UnitLineage

D = datetime.date

# What the database says when it refuses, on PostgreSQL and on SQLite, so a test cannot pass
# because the write was refused for some other reason.
CODE_UNIQUE = r"units_unit_code_key|UNIQUE constraint failed: units_unit\.code"
LINEAGE_UNIQUE = r"unitlineage_unique_pair|UNIQUE constraint failed: units_unitlineage\.predecessor_id, units_unitlineage\.successor_id"
MEMBERSHIP_UNIQUE = (
    r"membership_unique_user_unit|UNIQUE constraint failed: units_membership\.user_id, units_membership\.unit_id"
)


def _refused(because):
    """A context in which the write must be refused by the database for the reason `because` (a regex)."""
    return pytest.raises(IntegrityError, match=because)


def _unit(code, **kwargs):
    return Unit.objects.create(code=code, name=f"Đơn vị {code}", kind=kwargs.pop("kind", UnitKind.DISTRICT), **kwargs)


# --- Unit -------------------------------------------------------------------------------------


def test_a_unit_that_ends_before_it_starts_is_refused_by_the_database(db):
    with _refused("unit_valid_to_after_valid_from"), transaction.atomic():
        _unit("X", valid_from=D(2025, 1, 1), valid_to=D(2024, 12, 31))
    assert not Unit.objects.filter(code="X").exists()


def test_an_update_that_makes_a_unit_end_before_it_starts_is_refused(db):
    unit = _unit("X", valid_from=D(2021, 1, 1))
    with _refused("unit_valid_to_after_valid_from"), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(valid_to=D(2020, 12, 31))
    unit.refresh_from_db()
    assert unit.valid_to is None


def test_a_unit_that_exists_for_a_single_day_is_allowed(db):
    unit = _unit("X", valid_from=D(2025, 6, 30), valid_to=D(2025, 6, 30))
    assert Unit.objects.get(pk=unit.pk).valid_to == D(2025, 6, 30)


@pytest.mark.parametrize(
    "valid_from, valid_to",
    [(None, None), (None, D(2024, 12, 31)), (D(2025, 7, 1), None)],
    ids=["open-both-sides", "open-start", "open-end"],
)
def test_a_unit_with_an_open_end_is_allowed(db, valid_from, valid_to):
    _unit("X", valid_from=valid_from, valid_to=valid_to)
    assert Unit.objects.filter(code="X").count() == 1


def test_full_clean_explains_a_unit_that_ends_before_it_starts(db):
    unit = Unit(code="X", name="Huyện X", kind=UnitKind.DISTRICT, valid_from=D(2025, 1, 1), valid_to=D(2024, 1, 1))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        unit.full_clean()
    assert "A unit cannot end before it starts." in caught.value.messages


def test_two_units_cannot_share_a_code(db):
    _unit("QS")
    with _refused(CODE_UNIQUE), transaction.atomic():
        _unit("QS", kind=UnitKind.COMMUNE)
    assert Unit.objects.filter(code="QS").count() == 1


# --- UnitLineage ------------------------------------------------------------------------------


def test_the_same_predecessor_and_successor_cannot_be_linked_twice(db):
    nong_son, que_son = _unit("NS"), _unit("QS")
    UnitLineage.objects.create(predecessor=nong_son, successor=que_son, date=D(2025, 1, 1), kind=LineageKind.MERGE)
    with _refused(LINEAGE_UNIQUE), transaction.atomic():
        UnitLineage.objects.create(predecessor=nong_son, successor=que_son, date=D(2025, 7, 1), kind=LineageKind.RENAME)
    assert UnitLineage.objects.count() == 1


def test_one_predecessor_may_have_several_successors_and_the_reverse_link_is_a_different_pair(db):
    old, new_a, new_b = _unit("OLD"), _unit("NA"), _unit("NB")
    UnitLineage.objects.create(predecessor=old, successor=new_a, date=D(2025, 7, 1), kind=LineageKind.SPLIT)
    UnitLineage.objects.create(predecessor=old, successor=new_b, date=D(2025, 7, 1), kind=LineageKind.SPLIT)
    UnitLineage.objects.create(predecessor=new_a, successor=old, date=D(2026, 1, 1), kind=LineageKind.MERGE)
    assert UnitLineage.objects.count() == 3


def test_a_unit_cannot_be_its_own_predecessor(db):
    unit = _unit("X")
    with _refused("unitlineage_not_self"), transaction.atomic():
        UnitLineage.objects.create(predecessor=unit, successor=unit, date=D(2025, 1, 1), kind=LineageKind.RENAME)
    assert not UnitLineage.objects.exists()


def test_an_update_that_links_a_unit_to_itself_is_refused(db):
    a, b = _unit("A"), _unit("B")
    link = UnitLineage.objects.create(predecessor=a, successor=b, date=D(2025, 1, 1), kind=LineageKind.MERGE)
    with _refused("unitlineage_not_self"), transaction.atomic():
        UnitLineage.objects.filter(pk=link.pk).update(successor=a)


# --- UnitHead ---------------------------------------------------------------------------------


def test_a_head_whose_term_ends_before_it_starts_is_refused(db):
    unit = _unit("X")
    with _refused("unithead_end_after_start"), transaction.atomic():
        UnitHead.objects.create(
            unit=unit, full_name="Nguyễn Văn A", title="Chủ tịch", start=D(2024, 5, 16), end=D(2024, 5, 15)
        )
    assert not UnitHead.objects.exists()


def test_a_head_still_in_office_or_for_one_day_is_allowed(db):
    unit = _unit("X")
    UnitHead.objects.create(unit=unit, full_name="Nguyễn Văn A", title="Chủ tịch", start=D(2020, 1, 1))
    UnitHead.objects.create(
        unit=unit, full_name="Trần Thị B", title="Chủ tịch", start=D(2024, 5, 16), end=D(2024, 5, 16)
    )
    assert unit.heads.count() == 2


# --- Membership -------------------------------------------------------------------------------


def test_a_user_has_at_most_one_membership_per_unit(db):
    unit = _unit("X")
    user = User.objects.create_user(username="u")
    Membership.objects.create(user=user, unit=unit, role=MembershipRole.VIEWER)
    with _refused(MEMBERSHIP_UNIQUE), transaction.atomic():
        Membership.objects.create(user=user, unit=unit, role=MembershipRole.HEAD)
    assert Membership.objects.get(user=user, unit=unit).role == MembershipRole.VIEWER


def test_a_user_may_be_a_member_of_several_units_and_a_unit_have_several_members(db):
    x, y = _unit("X"), _unit("Y")
    u, v = User.objects.create_user(username="u"), User.objects.create_user(username="v")
    Membership.objects.bulk_create([Membership(user=u, unit=x), Membership(user=u, unit=y), Membership(user=v, unit=x)])
    assert Membership.objects.count() == 3
