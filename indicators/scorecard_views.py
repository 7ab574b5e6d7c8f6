"""A unit's scorecard: its result on an index in a year and what explains it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.measures import MEASURES, month_of
from indicators import scorecard as selectors
from indicators.models import Direction, ValueUnit
from indicators.selectors import ranking_bands
from reformdash.lib.charts import cached_chart
from units.access import visible_unit_or_404
from units.charts import areas_figure, dossier_months_figure, trend_figure
from units.forms import ScorecardForm


@login_required
def unit_scorecard(request, code):
    """/units/<code>/?index=&year=: 404 for a unit the user may not see, a bad parameter or a
    choice the unit has no result for; without parameters, its first index's latest year."""
    unit = visible_unit_or_404(user=request.user, code=code)
    form = ScorecardForm(request.GET)
    if not form.is_valid():
        raise Http404("No such index or year.")
    results = selectors.unit_results(unit=unit)
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
    card = selectors.scorecard(unit=unit, result=result, results=results, user=request.user)
    return render(request, "units/scorecard.html", {"unit": unit, "card": card, "charts": _charts(card)})


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
