from django import template

from indicators.models import AssessmentStatus

register = template.Library()


@register.filter
def status_label(value):
    """The translated name of an assessment status stored as its value."""
    try:
        return AssessmentStatus(value).label
    except ValueError:
        return value or "—"
