"""A unit's scorecard: its result on an index in a year and what explains it.

The card is the same for every reader who sees the same of it (units.access.unit_reader_state):
rendered once, it is kept for SHARED_PART_SECONDS under a key of the unit, the request, the
results' "as of" and the state of what else it shows (_card_key), and given to each such reader.
Whether the reader may open the unit is asked first, on every request.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.measures import MEASURES, month_of
from dossiers.selectors import dossier_stats_as_of
from indicators import scorecard as selectors
from indicators.cache import SHARED_PART_SECONDS, shared_part_key
from indicators.models import Direction, ValueUnit
from indicators.selectors import ranking_bands, ranking_state, results_as_of
from reformdash.lib.cache import CSRF_SLOT, cached, with_csrf_token
from reformdash.lib.charts import cached_chart
from units.access import Action, unit_reader_state, visible_unit_or_404
from units.charts import areas_figure, dossier_months_figure, trend_figure
from units.forms import ScorecardForm

# What a reader may do that the card shows something by: the audit trail's section
# (trail_sections.unit_trail). Its links (what-if, the remediation plan, the overdue dossiers) are
# every reader's, each page checking for itself; nothing else of the card asks what he may do.
CARD_ACTIONS = (Action.BROWSE_AUDIT,)


@login_required
def unit_scorecard(request, code):
    """/units/<code>/?index=&year=: 404 for a unit the user may not see, a bad parameter or a
    choice the unit has no result for; without parameters, its first index's latest year."""
    # Before anything kept is given: may this reader open this unit at all.
    unit = visible_unit_or_404(user=request.user, code=code)
    form = ScorecardForm(request.GET)
    if not form.is_valid():
        raise Http404("No such index or year.")
    results = selectors.unit_results_chosen_from(unit=unit)
    result = selectors.chosen_result(
        results=results, index_code=form.cleaned_data["index"], year=form.cleaned_data["year"]
    )
    if result is None:
        if results or any(form.cleaned_data.values()):
            raise Http404("The unit has no result for this index and year.")
        # A new unit (a merger's successor) has no result yet, but its predecessors' history is its own.
        context = {
            "unit": unit,
            "card": None,
            "predecessor_history": selectors.lineage_history(unit=unit, user=request.user),
            "reorganised_on": selectors.reorganised_on(unit=unit),
        }
        return render(request, "units/scorecard.html", context)
    context = {"unit": unit, "index": result.index, "year": result.year, **_card_shown(request, unit, result)}
    return render(request, "units/scorecard.html", context)


def _card_shown(request, unit, chosen):
    """{"card_html", "scripts"} of the unit's card for `chosen` (one of unit_results_chosen_from),
    from the copy the readers who see the same of it share (_card_key) or rendered and kept; with
    "card" and "charts" too when rendered for this request."""
    as_of = results_as_of(index=chosen.index, year=chosen.year)
    if as_of is None:  # nothing recomputed and no result written: nothing to be as of, nothing kept
        card = _card(request, unit, chosen, as_of=None, csrf_token=None)
        return {**card, "card_html": with_csrf_token(request, card["card_html"])}
    rendered = {}

    def render_card():
        rendered.update(_card(request, unit, chosen, as_of=as_of, csrf_token=CSRF_SLOT))
        return {"card_html": rendered["card_html"], "scripts": rendered["scripts"]}

    kept = cached(_card_key(request, unit, chosen, as_of=as_of), render_card, timeout=SHARED_PART_SECONDS)
    return {**rendered, **kept, "card_html": with_csrf_token(request, kept["card_html"])}


def _card_key(request, unit, chosen, *, as_of):
    """The key of a unit's kept card (shared_part_key: the request's query and language): the
    results' "as of" (a recompute moves it), the unit, the state of the rest it shows — the
    assessments' statuses, publications, targets, the units and the audit trail (ranking_state:
    a score, a plan or a unit changed through the application is audited), the dossier statistics
    (dossier_stats_as_of) and the day (the months so far, the heads in office) —, and what of the
    reader shows on it (units.access.unit_reader_state: his sight of the unit's group, whether he
    may browse the audit trail — CARD_ACTIONS)."""
    parts = [
        unit.pk,
        timezone.localdate().isoformat(),
        ranking_state(index=chosen.index, year=chosen.year),
        dossier_stats_as_of(),
        unit_reader_state(user=request.user, unit=unit, actions=CARD_ACTIONS),
    ]
    return shared_part_key("scorecard", request, index_id=chosen.index_id, year=chosen.year, as_of=as_of, parts=parts)


def _card(request, unit, chosen, *, as_of, csrf_token):
    """{"card", "charts", "card_html", "scripts"}: the card read and rendered for this reader
    (units/_scorecard_card.html), with `csrf_token` in its forms instead of his when given."""
    results = selectors.unit_results(unit=unit)
    result = next(result for result in results if result.pk == chosen.pk)
    card = selectors.scorecard(unit=unit, result=result, results=results, user=request.user, as_of=as_of)
    charts = _charts(card)
    context = {"unit": unit, "card": card, "charts": charts}
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    html = render_to_string("units/_scorecard_card.html", context, request=request)
    return {"card": card, "charts": charts, "card_html": str(html), "scripts": bool(charts)}


def _charts(card):
    """The card's figures as chart contexts; a section without data has no chart."""
    unit, result = card.unit, card.result
    names = {"unit": unit.name, "index": result.index.name, "year": result.year}
    charts = {}
    if card.areas:
        charts["areas"] = cached_chart(
            areas_figure,
            areas=card.areas,
            unit_name=unit.name,
            chart_id="scorecard-areas",
            label=_("%(unit)s, %(index)s %(year)d: each area against the group's mean and best") % names,
        )
    if card.history:
        charts["trend"] = cached_chart(
            trend_figure,
            history=card.history,
            unit_id=unit.pk,
            value_label=result.index.name,
            lower_is_better=result.index.direction == Direction.LOWER,
            percent=result.index.value_unit == ValueUnit.PERCENT,
            bands=ranking_bands(index=result.index, year=result.year, kind=unit.kind),
            targets=card.target_values,
            chart_id="scorecard-trend",
            label=_("%(unit)s, %(index)s: value year by year") % names,
        )
    if card.dossier_months:
        charts["dossiers"] = cached_chart(
            dossier_months_figure,
            months=card.dossier_months,
            lower_is_better=[key for key, measure in MEASURES.items() if measure.lower_is_better],
            current_month=month_of(timezone.now()),
            chart_id="scorecard-dossiers",
            label=(
                _("%(unit)s, with the units under it: overdue and online submission rates per month of %(year)d")
                % names
                + (f" ({_('composed from the figures of its predecessors')})" if card.dossiers_composed else "")
            ),
        )
    return charts
