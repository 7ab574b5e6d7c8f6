"""units_valid_in decides which units a year's ranking groups; units_visible_to decides who sees what."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from units.access import units_visible_to, visible_unit_or_404
from units.models import Membership, MembershipRole, Unit, UnitKind
from units.selectors import units_valid_in

D = datetime.date


def _unit(code, kind=UnitKind.DISTRICT, **kwargs):
    return Unit.objects.create(code=code, name=f"Đơn vị {code}", kind=kind, **kwargs)


def _codes(queryset):
    return set(queryset.values_list("code", flat=True))


# --- units_valid_in ---------------------------------------------------------------------------


def test_a_unit_closed_on_31_december_2024_is_valid_in_2024(db):
    _unit("NS", valid_from=D(2021, 1, 1), valid_to=D(2024, 12, 31))
    assert _codes(units_valid_in(year=2024)) == {"NS"}


def test_a_unit_closed_on_31_december_2024_is_not_valid_in_2025(db):
    _unit("NS", valid_from=D(2021, 1, 1), valid_to=D(2024, 12, 31))
    assert _codes(units_valid_in(year=2025)) == set()


def test_a_unit_opened_on_1_july_2025_is_valid_in_2025(db):
    _unit("DN", valid_from=D(2025, 7, 1))
    assert _codes(units_valid_in(year=2025)) == {"DN"}


def test_a_unit_opened_on_1_july_2025_is_not_valid_in_2024(db):
    _unit("DN", valid_from=D(2025, 7, 1))
    assert _codes(units_valid_in(year=2024)) == set()


@pytest.mark.parametrize("year", [1990, 2024, 2025, 2100])
def test_a_unit_open_on_both_sides_is_valid_in_every_year(db, year):
    _unit("VN", kind=UnitKind.NATION)
    assert _codes(units_valid_in(year=year)) == {"VN"}


def test_a_unit_that_ended_on_1_january_existed_in_that_year(db):
    _unit("X", valid_to=D(2025, 1, 1))
    assert _codes(units_valid_in(year=2025)) == {"X"}
    assert _codes(units_valid_in(year=2026)) == set()


def test_a_unit_that_started_on_31_december_existed_in_that_year(db):
    _unit("X", valid_from=D(2024, 12, 31))
    assert _codes(units_valid_in(year=2024)) == {"X"}
    assert _codes(units_valid_in(year=2023)) == set()


def test_a_unit_that_lived_within_one_year_is_valid_only_in_that_year(db):
    _unit("X", valid_from=D(2024, 3, 1), valid_to=D(2024, 9, 30))
    assert [y for y in (2023, 2024, 2025) if units_valid_in(year=y).exists()] == [2024]


def test_the_merge_of_nong_son_into_que_son_shows_in_the_groups_of_2024_and_2025(db):
    _unit("NS", valid_from=D(2021, 1, 1), valid_to=D(2024, 12, 31))
    _unit("QS", valid_from=D(2021, 1, 1))
    _unit("QS2", valid_from=D(2025, 1, 1))
    assert _codes(units_valid_in(year=2024)) == {"NS", "QS"}
    assert _codes(units_valid_in(year=2025)) == {"QS", "QS2"}


def test_units_valid_in_narrows_a_given_queryset(db):
    _unit("D", kind=UnitKind.DISTRICT)
    _unit("C", kind=UnitKind.COMMUNE)
    _unit("C-old", kind=UnitKind.COMMUNE, valid_to=D(2020, 12, 31))
    assert _codes(units_valid_in(year=2024, queryset=Unit.objects.filter(kind=UnitKind.COMMUNE))) == {"C"}


# --- units_visible_to -------------------------------------------------------------------------

ALL = {"VN", "P", "A", "B", "B1"}


def test_staff_see_every_unit(tree, staff):
    assert _codes(units_visible_to(user=staff)) == ALL


def test_appraisers_see_every_unit(tree, appraiser):
    assert _codes(units_visible_to(user=appraiser)) == ALL


def test_administrators_see_every_unit(tree, admin_user):
    assert _codes(units_visible_to(user=admin_user)) == ALL


def test_the_head_of_department_a_sees_only_department_a(tree, head_a):
    assert _codes(units_visible_to(user=head_a)) == {"A"}


def test_the_head_of_department_a_sees_neither_the_province_above_nor_district_b_beside(tree, head_a):
    visible = units_visible_to(user=head_a)
    assert not visible.filter(pk=tree.province.pk).exists()
    assert not visible.filter(pk=tree.district_b.pk).exists()
    assert not visible.filter(pk=tree.commune_b1.pk).exists()


def test_the_head_of_district_b_sees_district_b_and_its_communes(tree, head_b):
    assert _codes(units_visible_to(user=head_b)) == {"B", "B1"}


def test_a_user_without_membership_sees_no_unit(tree, outsider):
    assert _codes(units_visible_to(user=outsider)) == set()


def test_an_anonymous_visitor_sees_no_unit(tree):
    assert _codes(units_visible_to(user=AnonymousUser())) == set()


def test_a_deactivated_member_sees_no_unit(tree, head_b):
    head_b.is_active = False
    head_b.save()
    assert _codes(units_visible_to(user=User.objects.get(pk=head_b.pk))) == set()


def test_a_deactivated_administrator_sees_no_unit(tree, admin_user):
    admin_user.is_active = False
    admin_user.save()
    assert _codes(units_visible_to(user=User.objects.get(pk=admin_user.pk))) == set()


def test_a_deactivated_staff_member_sees_no_unit(tree, staff):
    staff.is_active = False
    staff.save()
    assert _codes(units_visible_to(user=User.objects.get(pk=staff.pk))) == set()


def test_a_member_of_two_units_sees_both_subtrees(tree, head_a):
    Membership.objects.create(user=head_a, unit=tree.district_b, role=MembershipRole.VIEWER)
    assert _codes(units_visible_to(user=head_a)) == {"A", "B", "B1"}


def test_another_users_membership_does_not_widen_what_a_member_sees(tree, head_a, head_b):
    assert _codes(units_visible_to(user=head_a)) == {"A"}
    assert _codes(units_visible_to(user=head_b)) == {"B", "B1"}


def test_a_member_of_the_province_sees_every_level_below_it(db):
    nation = _unit("VN", kind=UnitKind.NATION)
    province = _unit("P", kind=UnitKind.PROVINCE, parent=nation)
    district = _unit("D", kind=UnitKind.DISTRICT, parent=province)
    commune = _unit("C", kind=UnitKind.COMMUNE, parent=district)
    _unit("C2", kind=UnitKind.COMMUNE, parent=district)
    _unit("Q", kind=UnitKind.DEPARTMENT, parent=province)
    _unit("OTHER-P", kind=UnitKind.PROVINCE, parent=nation)
    # A fifth level, to show the walk has no fixed depth.
    _unit("C-sub", kind=UnitKind.COMMUNE, parent=commune)
    user = User.objects.create_user(username="province-officer")
    Membership.objects.create(user=user, unit=province, role=MembershipRole.OFFICER)
    assert _codes(units_visible_to(user=user)) == {"P", "D", "C", "C2", "Q", "C-sub"}


def test_the_visible_queryset_composes_with_filters_and_counts(tree, head_b):
    visible = units_visible_to(user=head_b)
    assert _codes(visible.filter(kind=UnitKind.COMMUNE)) == {"B1"}
    assert visible.count() == 2
    assert visible.exclude(code="B").count() == 1
    assert _codes(units_visible_to(user=head_b, queryset=Unit.objects.filter(kind=UnitKind.DISTRICT))) == {"B"}


def test_the_subtree_walk_is_one_query_however_deep_the_tree(tree, head_b, django_assert_num_queries):
    below = tree.commune_b1
    for level in range(5):
        below = _unit(f"deep{level}", kind=UnitKind.COMMUNE, parent=below)
    visible = units_visible_to(user=head_b)  # the role check runs here, before the queryset
    with django_assert_num_queries(1):
        codes = [unit.code for unit in visible]
    assert set(codes) == {"B", "B1", "deep0", "deep1", "deep2", "deep3", "deep4"}


def test_a_filtered_count_of_visible_units_is_one_query(tree, head_b, django_assert_num_queries):
    visible = units_visible_to(user=head_b)
    with django_assert_num_queries(1):
        assert visible.filter(kind=UnitKind.COMMUNE).count() == 1


def test_the_role_check_is_memoised_on_the_user(tree, head_b, django_assert_num_queries):
    units_visible_to(user=head_b)
    with django_assert_num_queries(0):
        units_visible_to(user=head_b)


# --- visible_unit_or_404 ----------------------------------------------------------------------


def test_visible_unit_or_404_returns_a_unit_in_the_users_subtree(tree, head_b):
    unit = visible_unit_or_404(user=head_b, code="B1")
    assert unit == tree.commune_b1
    assert unit.parent == tree.district_b


def test_visible_unit_or_404_refuses_a_unit_outside_the_users_subtree(tree, head_b):
    with pytest.raises(Http404):
        visible_unit_or_404(user=head_b, code="A")
    with pytest.raises(Http404):
        visible_unit_or_404(user=head_b, code="P")


def test_visible_unit_or_404_refuses_an_unknown_code(tree, admin_user):
    with pytest.raises(Http404):
        visible_unit_or_404(user=admin_user, code="NO-SUCH-UNIT")


def test_visible_unit_or_404_refuses_an_outsider_a_unit_that_exists(tree, outsider):
    with pytest.raises(Http404):
        visible_unit_or_404(user=outsider, code="B")


def test_staff_reach_any_unit_through_visible_unit_or_404(tree, staff):
    assert visible_unit_or_404(user=staff, code="A") == tree.dept_a
