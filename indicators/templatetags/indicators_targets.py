"""{% load indicators_targets %}: a result's target on the pages that list results, in the words of
indicators.targets (the rankings table says it the same way)."""

from django import template
from django.utils.html import format_html

from indicators.targets import target_state as _target_state
from indicators.targets import target_text, verdict_class, verdict_text

register = template.Library()


@register.filter
def target_state(result):
    """The TargetState of a result read through indicators.targets.with_targets, or None."""
    return _target_state(result)


@register.filter
def target(state, index):
    """ "≥ 90,00 % · hạng 20 trở lên"; "" without a target."""
    return target_text(state, index)


@register.filter
def verdict(state):
    """ "đạt" / "chưa đạt (thiếu 1,20)" in a span that colours it; "" without a target."""
    if state is None:
        return ""
    return format_html('<span class="target-verdict {}">{}</span>', verdict_class(state), verdict_text(state))
