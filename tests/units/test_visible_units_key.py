"""units.access.visible_units_key: what a user may see, as a cache key's part. Readers who see the
same units have the same part, readers who see different units never do, and it follows a
membership or the tree on the next call."""

import pytest
from django.contrib.auth.models import User

from units.access import visible_units_key
from units.models import Membership, MembershipRole, Unit, UnitKind


def member(username, *units, role=MembershipRole.OFFICER):
    user = User.objects.create_user(username)
    for unit in units:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def key(user):
    """The part for a fresh copy of the user, as each request loads him (it is memoised on him)."""
    return visible_units_key(user=User.objects.get(pk=user.pk))


def test_readers_of_every_unit_share_one_part(staff, appraiser, admin_user):
    assert key(staff) == key(appraiser) == key(admin_user) == "all"


def test_an_inactive_user_sees_nothing(tree):
    user = member("gone", tree.province)
    user.is_active = False
    user.save()
    assert key(user) == "none"


def test_the_officers_of_one_unit_share_a_part(tree, head_b):
    assert key(member("officer_b", tree.district_b)) == key(head_b)


def test_memberships_that_give_the_same_units_give_the_same_part(tree, head_b):
    # B1 is under B: a member of both sees what a member of B sees.
    assert key(member("twice", tree.district_b, tree.commune_b1)) == key(head_b)


@pytest.mark.parametrize("other", ["head_a", "outsider"])
def test_readers_of_other_units_have_other_parts(tree, head_b, other, request):
    assert key(request.getfixturevalue(other)) != key(head_b)


def test_a_head_of_a_unit_and_a_member_of_a_unit_under_it_have_other_parts(tree, head_b):
    assert key(member("commune", tree.commune_b1)) != key(head_b)


def test_a_membership_added_or_removed_changes_the_part(tree, head_b):
    before = key(head_b)
    membership = Membership.objects.create(user=head_b, unit=tree.dept_a, role=MembershipRole.VIEWER)
    assert key(head_b) != before
    membership.delete()
    assert key(head_b) == before


def test_a_unit_moved_under_another_changes_the_part_of_who_sees_it_then(tree, head_b):
    before = key(head_b)
    Unit.objects.create(code="B2", name="Xã B2", kind=UnitKind.COMMUNE, parent=tree.province)
    assert key(head_b) == before  # not under B
    Unit.objects.filter(code="B2").update(parent=tree.district_b)
    assert key(head_b) != before
