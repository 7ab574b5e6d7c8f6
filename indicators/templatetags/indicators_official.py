"""Template filters of a result's official state (indicators.official), for the pages that list results."""

from django import template

from indicators.official import OfficialState
from indicators.official import is_official as _is_official

register = template.Library()


@register.filter
def is_official(state):
    return _is_official(state)


@register.filter
def official_state_label(state):
    """ "Official" or "Provisional: …", in the page's language."""
    return OfficialState(state).label if state else OfficialState.PROVISIONAL.label
