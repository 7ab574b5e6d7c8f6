"""Reads of units: which existed in a year. Which a user may see: units.access."""

import datetime

from django.db.models import Q

from units.models import Unit


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
