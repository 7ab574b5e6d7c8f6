"""Template filters for the numbers on every page: 2 decimals the active language's way (84,60 in
Vietnamese, 84.60 in English), and a dash for a value that does not exist (not a zero)."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()
MISSING = "—"


@register.filter
def number(value):
    """84,60 — or — for None."""
    return MISSING if value is None else floatformat(value, 2)


@register.filter
def percent(value):
    """84,60 % — or — for None."""
    return MISSING if value is None else f"{floatformat(value, 2)} %"


@register.filter
def in_unit(value, index):
    """A value of `index`: 84,60 % for a percentage index, 84,60 for points — or —."""
    return percent(value) if index.value_unit == "percent" else number(value)
