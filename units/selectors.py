"""Reads of units: which existed in a year. Which a user may see: units.access."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q

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


def units_valid_on(*, day, queryset=None):
    """Units that exist on `day`. A year's rankings group the units of its last day: one that ended
    inside it (merged on 1/7/2025) is in no group of that year; its successor is."""
    queryset = Unit.objects.all() if queryset is None else queryset
    return queryset.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def first_kind_existing(*, kinds, day):
    """The first of `kinds` (in their order) that some unit of `day` has, or None: the districts
    until 30/6/2025, the communes after (the districts were abolished)."""
    present = set(units_valid_on(day=day).filter(kind__in=kinds).values_list("kind", flat=True).distinct())
    return next((kind for kind in kinds if kind in present), None)


@dataclass(frozen=True)
class PeriodCut:
    """How a reorganisation cut a period (a year, a quarter, a month) for some units: how many
    ended inside it (not ranked for it: a ranking's groups are the units that exist at its end),
    how many began inside it, and the days they began (a reorganisation's date as the data gives
    it: the first and, when they differ, the last)."""

    ended: int
    began: int
    began_on: tuple

    def __bool__(self):
        return bool(self.ended or self.began)


def period_cut(*, first, last, queryset=None):
    """The PeriodCut of the days first..last over `queryset` (every unit by default): units whose
    validity ends before `last` or begins after `first`, inside the period. Derived from
    valid_from / valid_to, never from a known date; one query."""
    queryset = Unit.objects.all() if queryset is None else queryset
    began = Q(valid_from__gt=first, valid_from__lte=last)
    row = queryset.aggregate(
        ended=Count("pk", filter=Q(valid_to__gte=first, valid_to__lt=last)),
        began=Count("pk", filter=began),
        first_began=Min("valid_from", filter=began),
        last_began=Max("valid_from", filter=began),
    )
    began_on = tuple(sorted({row["first_began"], row["last_began"]} - {None}))
    return PeriodCut(ended=row["ended"], began=row["began"], began_on=began_on)


def year_cut(*, year, queryset=None):
    """period_cut of the year."""
    first, last = year_bounds(year)
    return period_cut(first=first, last=last, queryset=queryset)
