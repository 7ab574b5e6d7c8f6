"""What the engine's pages (the scorecard, the chronic losses) show of the remediation plans.

The engine (indicators) sits below this app and may not import it; its templates load these tags
instead, so a page of the engine shows the plans without the engine knowing of them. Each tag
costs one query, for the whole page."""

from django import template

from remediation import selectors

register = template.Library()


@register.simple_tag
def scorecard_plan(unit, index, year):
    """{"plan", "items" ({criterion code: item with its outcome})} of the unit's plan for the
    index and year; the scorecard's unit is one the reader sees already. Whether he may file one
    is the plan page's to say: the card links there either way, and asks nothing more."""
    plan, items = selectors.plan_marks(unit=unit, index=index, year=year)
    return {"plan": plan, "items": items}


@register.filter
def plan_item(marks, code):
    """The item of the criterion coded `code` in scorecard_plan's answer, or None."""
    return marks["items"].get(code)


@register.simple_tag
def chronic_plan_marks(entries, index, year):
    """{(unit code, criterion code): outcome} of the plans naming the chronic losses of `entries`
    (indicators.selectors.chronic_losses_visible: only units the reader may see)."""
    codes = {unit["code"] for entry in entries for unit in entry["units"]}
    return selectors.chronic_marks(index=index, year=year, unit_codes=codes)


@register.simple_tag
def chronic_plan_mark(marks, unit_code, code):
    """The outcome of the plan naming this chronic loss ("recovered", "still_losing", "unknown"), or "" without a plan."""
    return marks.get((unit_code, code), "")


@register.simple_tag
def chronic_planned_count(marks, entry):
    """How many of the entry's units have a plan naming its criterion."""
    return sum(1 for unit in entry["units"] if (unit["code"], entry["code"]) in marks)
