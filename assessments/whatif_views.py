"""/assessments/what-if/<unit code>/?index=&year=: what the unit's value, band and rank would be
with other scores (or another dossier rate), and the fewest points to the next band or a chosen
rank. Computed by indicators.whatif through the recompute, nothing saved."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from assessments.forms import WhatIfRateForm, WhatIfScoresForm, final_field, na_field
from assessments.selectors import assessment_sheet
from indicators.models import Aggregation, Assessment, Methodology, Result
from indicators.scorecard import group_figures_withheld
from indicators.whatif import current_scores, supports_what_if, what_if_rate, what_if_scores
from units.access import visible_unit_or_404
from units.forms import ScorecardForm


@login_required
def unit_what_if(request, code):
    """404 for a unit the reader may not see, a bad or missing index/year, a published index (a
    decision's, nothing to compute) or a scored index the unit has no assessment of."""
    unit = visible_unit_or_404(user=request.user, code=code)
    choice = ScorecardForm(request.GET)
    if not choice.is_valid() or not choice.cleaned_data["index"] or not choice.cleaned_data["year"]:
        raise Http404("Give an index and a year.")
    methodology = (
        Methodology.objects.select_related("index")
        .filter(index__code=choice.cleaned_data["index"], year=choice.cleaned_data["year"], unit_kind=unit.kind)
        .first()
    )
    if not supports_what_if(methodology):
        raise Http404("No computed index for this unit, index and year.")
    current = Result.objects.filter(unit=unit, index=methodology.index, year=methodology.year).first()
    # The rank of a what-if says how many units of the group are above a value: a reader of part
    # of a small group would learn their figures from it, as from the group's mean (the scorecard's rule).
    ranks_withheld = group_figures_withheld(unit=unit, methodology=methodology, user=request.user)
    data = request.POST if request.method == "POST" else None
    if methodology.aggregation == Aggregation.DOSSIERS:
        form = WhatIfRateForm(data, initial={"rate": current.value if current else None})
        lines = []
    else:
        assessment = (
            Assessment.objects.filter(unit=unit, methodology=methodology)
            .select_related("unit", "methodology__index")
            .first()
        )
        if assessment is None:
            raise Http404("The unit has no assessment for this index and year.")
        lines = assessment_sheet(assessment=assessment)
        form = WhatIfScoresForm(data, lines=lines, start=current_scores(assessment=assessment))
    answer = None
    if data is not None and form.is_valid():
        rank = None if ranks_withheld else form.cleaned_data["rank"]
        if methodology.aggregation == Aggregation.DOSSIERS:
            answer = what_if_rate(unit=unit, methodology=methodology, rate=form.cleaned_data["rate"], rank=rank)
        else:
            answer = what_if_scores(assessment=assessment, scores=form.scores(), rank=rank)
    if ranks_withheld:
        form.fields.pop("rank", None)
    context = {
        "unit": unit,
        "methodology": methodology,
        "index": methodology.index,
        "current": current,
        "form": form,
        "rows": _rows(lines, form),
        "answer": answer,
        "ranks_withheld": ranks_withheld,
    }
    return render(request, "assessments/what_if.html", context, status=200 if answer or data is None else 400)


def _rows(lines, form):
    """The sheet's lines with each leaf's two inputs (score, not applicable), areas as headings."""
    if not isinstance(form, WhatIfScoresForm):
        return []
    return [
        {
            "line": line,
            "score": form[final_field(line.criterion.pk)] if line.is_leaf else None,
            "na": form[na_field(line.criterion.pk)] if line.is_leaf else None,
        }
        for line in lines
    ]
