"""The audit trail's section of a unit's scorecard, put in by the page's template.

The scorecard is the engine's page (indicators), below this app: it cannot ask for the trail
without importing upwards, so the template, which composes the page, asks here instead."""

from django import template

from trail.selectors import unit_trail as _unit_trail
from units.access import Action, may

register = template.Library()


@register.simple_tag
def unit_trail(*, unit, index, year, user):
    """The latest audit entries of the unit about the index and year (selectors.unit_trail), for a
    viewer who may browse the audit trail (units.access, Action.BROWSE_AUDIT); None for any other viewer."""
    if not may(user, Action.BROWSE_AUDIT):
        return None
    return _unit_trail(user_viewing=user, unit=unit, index=index, year=year)
