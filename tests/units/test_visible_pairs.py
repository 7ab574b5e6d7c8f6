"""visible_pairs: the set-wise form of units_visible_to (for jobs telling many users of many units)
gives, pair by pair, the answer units_visible_to gives, in two queries whatever their number."""

import pytest
from django.contrib.auth.models import User

from units.access import units_visible_to, visible_pairs
from units.models import Membership, MembershipRole, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, staff, appraiser, head_a, head_b, admin_user, outsider):
    inactive = User.objects.create_user(username="inactive", password="x", is_active=False)
    Membership.objects.create(user=inactive, unit=tree.dept_a, role=MembershipRole.HEAD)
    province_viewer = User.objects.create_user(username="province_viewer", password="x")
    Membership.objects.create(user=province_viewer, unit=tree.province, role=MembershipRole.VIEWER)
    return [staff, appraiser, head_a, head_b, admin_user, outsider, inactive, province_viewer]


def test_each_pair_is_answered_as_units_visible_to_answers(people, django_assert_max_num_queries):
    units = list(Unit.objects.values_list("pk", flat=True))
    expected = {
        (user.pk, unit_id) for user in people for unit_id in units_visible_to(user=user).values_list("pk", flat=True)
    }
    with django_assert_max_num_queries(3):
        got = visible_pairs(pairs={(user.pk, unit_id) for user in people for unit_id in units})
    assert got == expected
    # The cast covers every answer: all, part (B sees its commune, not A), none.
    by_user = {user.username: {u for p, u in got if p == user.pk} for user in people}
    assert len(by_user["staff"]) == len(units) and by_user["outsider"] == set() and by_user["inactive"] == set()
    assert 0 < len(by_user["head_b"]) < len(units)


def test_only_the_pairs_asked_about_are_answered(tree, head_a):
    assert visible_pairs(pairs={(head_a.pk, tree.province.pk), (head_a.pk, tree.district_b.pk)}) == set()
    assert visible_pairs(pairs=set()) == set()
    assert visible_pairs(pairs={(head_a.pk, tree.dept_a.pk)}) == {(head_a.pk, tree.dept_a.pk)}
