"""Reads of units: which existed in a year, which a user may see."""

import datetime

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import Http404

from units.models import Membership, Unit
from units.roles import sees_all_units


def year_bounds(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def valid_in_year_q(year, prefix=""):
    """A Q for units that existed on at least one day of `year`; `prefix` reaches a unit through a relation."""
    first, last = year_bounds(year)
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": last})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": first})
    )


def units_valid_in(*, year, queryset=None):
    """Units that existed on at least one day of `year`: the units a ranking of that year groups."""
    queryset = Unit.objects.all() if queryset is None else queryset
    return queryset.filter(valid_in_year_q(year))


def _member_subtree_sql():
    # One recursive query, the same on SQLite and PostgreSQL, walks down from the user's units.
    # UNION (not UNION ALL) stops at rows already seen, so even a cycle in bad data ends.
    return (
        f"WITH RECURSIVE visible(id) AS ("
        f" SELECT unit_id FROM {Membership._meta.db_table} WHERE user_id = %s"
        f" UNION"
        f" SELECT child.id FROM {Unit._meta.db_table} child JOIN visible ON child.parent_id = visible.id"
        f") SELECT id FROM visible"
    )


def units_visible_to(*, user, queryset=None):
    """The one place that decides which units a user may see.

    Administrators, staff and appraisers see every unit; a member sees his units and everything
    under them; anyone else sees none. Every view, export, chart and API answer filters by it.
    """
    queryset = Unit.objects.all() if queryset is None else queryset
    if sees_all_units(user):
        return queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(id__in=RawSQL(_member_subtree_sql(), [user.pk]))


def visible_unit_or_404(*, user, code):
    """The unit with `code` if the user may see it; 404 otherwise, so outsiders learn nothing of it."""
    unit = units_visible_to(user=user).filter(code=code).select_related("parent").first()
    if unit is None:
        raise Http404("No such unit.")
    return unit

