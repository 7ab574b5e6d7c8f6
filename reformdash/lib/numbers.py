"""Template filters for the numbers on every page: 2 decimals the active language's way (84,60 in
Vietnamese, 84.60 in English), and a dash for a value that does not exist (not a zero)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.safestring import mark_safe

register = template.Library()
MISSING = "—"
_CENT = Decimal("0.01")


def two_places(value):
    """floatformat(value, 2), the same text, without its general path for a Decimal or an int
    (what the pages show, hundreds a page): rounded half up, no "-" before a zero, the language's
    decimal separator, no grouping (settings.USE_THOUSAND_SEPARATOR is off)."""
    if type(value) is int or (isinstance(value, Decimal) and value.is_finite()):
        try:
            rounded = Decimal(value).quantize(_CENT, ROUND_HALF_UP)
        except InvalidOperation:  # more digits than the context's precision: the general path
            return floatformat(value, 2)
        text = f"{rounded:f}" if rounded else "0.00"
        return mark_safe(text.replace(".", get_format("DECIMAL_SEPARATOR")))
    return floatformat(value, 2)


@register.filter
def number(value):
    """84,60 — or — for None."""
    return MISSING if value is None else two_places(value)


@register.filter
def percent(value):
    """84,60 % — or — for None."""
    return MISSING if value is None else f"{two_places(value)} %"


@register.filter
def in_unit(value, index):
    """A value of `index`: 84,60 % for a percentage index, 84,60 for points — or —."""
    return percent(value) if index.value_unit == "percent" else number(value)
