"""Whom news of a unit is for, asked from the units' side (units.access): members_seeing_units
(the unit's members and those of the units above it), unit_actors (its own head and officers) and
subtree_pairs (each root with every unit under it)."""

import pytest
from django.contrib.auth.models import User

from tests.indicators.workflow import officer_a, viewer_a  # noqa: F401 (fixtures)
from units.access import (
    Action,
    members_seeing_units,
    subtree_pairs,
    unit_actors,
    units_visible_to,
    visible_pairs,
)
from units.models import Membership, MembershipRole, Unit

pytestmark = pytest.mark.django_db


def member(name, unit, role=MembershipRole.VIEWER, **fields):
    user = User.objects.create_user(username=name, password="x", **fields)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def test_a_units_news_is_for_its_members_and_those_of_the_units_above(tree, head_a, head_b, staff):
    province = member("province", tree.province)
    commune = member("commune", tree.commune_b1)
    Membership.objects.create(user=staff, unit=tree.district_b)  # sees every unit anyway: not counted
    seeing = members_seeing_units(unit_ids=[tree.commune_b1.pk, tree.dept_a.pk, tree.nation.pk])
    assert seeing == {
        tree.commune_b1.pk: {commune.pk, head_b.pk, province.pk},
        tree.dept_a.pk: {head_a.pk, province.pk},
    }
    # The same users units_visible_to lets see each unit, among the members.
    for unit_id, users in seeing.items():
        for user in User.objects.filter(pk__in=users):
            assert units_visible_to(user=user, queryset=Unit.objects.filter(pk=unit_id)).exists()


def test_an_inactive_member_is_for_no_news(tree, head_a):
    head_a.is_active = False
    head_a.save()
    assert members_seeing_units(unit_ids=[tree.dept_a.pk]) == {}
    assert members_seeing_units(unit_ids=[]) == {}


def test_a_units_actors_are_its_own_head_and_officers(tree, head_a, officer_a, viewer_a, head_b):
    assert unit_actors(action=Action.EDIT_PLAN, unit_ids=[tree.dept_a.pk, tree.commune_b1.pk]) == {
        tree.dept_a.pk: {head_a.pk, officer_a.pk}
    }
    with pytest.raises(ValueError):
        unit_actors(action=Action.VIEW_UNIT, unit_ids=[tree.dept_a.pk])


def test_subtree_pairs_give_each_root_every_unit_under_it(tree):
    pairs = set(subtree_pairs(root_ids=[tree.district_b.pk, tree.commune_b1.pk, tree.dept_a.pk]))
    assert pairs == {
        (tree.district_b.pk, tree.district_b.pk),
        (tree.district_b.pk, tree.commune_b1.pk),
        (tree.commune_b1.pk, tree.commune_b1.pk),
        (tree.dept_a.pk, tree.dept_a.pk),
    }
    assert subtree_pairs(root_ids=[]) == []


def test_visible_pairs_are_units_visible_to_for_every_user_at_once(
    tree, head_a, head_b, staff, appraiser, admin_user, outsider
):
    member("commune", tree.commune_b1, role=MembershipRole.OFFICER)
    member("gone", tree.province, is_active=False)
    Membership.objects.create(user=staff, unit=tree.dept_a)
    users, units = list(User.objects.all()), list(Unit.objects.all())
    expected = {
        (user.pk, unit.pk)
        for user in users
        for unit in units
        if units_visible_to(user=user, queryset=Unit.objects.filter(pk=unit.pk)).exists()
    }
    assert visible_pairs(pairs={(user.pk, unit.pk) for user in users for unit in units}) == expected
    assert (head_b.pk, tree.commune_b1.pk) in expected and (head_b.pk, tree.dept_a.pk) not in expected
    assert visible_pairs(pairs=set()) == set()
