"""The filters of the dossier pages. Each form's cleaned data are domain values: `months` (the
period as consecutive yyyymm months), units, a measure; a bad parameter is a form error."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers import measures
from dossiers.measures import DossierMeasure
from dossiers.models import Scope
from dossiers.selectors import months_of_quarter, months_of_year, scope_units_visible_to
from reformdash.lib.vietnamese import VietnameseModelChoiceField
from units.models import UnitKind

FIRST_YEAR = 2000
PERIOD_MONTH, PERIOD_QUARTER, PERIOD_YEAR = "month", "quarter", "year"
RANKED_KINDS = [(kind.value, kind.label) for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT, UnitKind.COMMUNE)]
SHOW_OVERDUE, SHOW_LATE = "overdue", "late"


def defaults(*, latest_month, now=None):
    """The period the pages open on: the year, quarter and month of the latest statistics
    (of the current month when there are none)."""
    latest_month = latest_month or measures.month_of(now or timezone.now())
    year, month = divmod(latest_month, 100)
    return {"period": PERIOD_YEAR, "year": year, "month": month, "quarter": (month - 1) // 3 + 1}


class PeriodForm(forms.Form):
    """A month, a quarter or a year; cleaned_data["months"] holds its months, up to the current one."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(PERIOD_MONTH, _("Month")), (PERIOD_QUARTER, _("Quarter")), (PERIOD_YEAR, _("Year"))],
    )
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, required=False, empty_value=None, choices=[(q, q) for q in range(1, 5)]
    )
    month = forms.TypedChoiceField(
        label=_("Month"), coerce=int, required=False, empty_value=None, choices=[(m, f"{m:02d}") for m in range(1, 13)]
    )

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localtime(self.now).year:
            raise forms.ValidationError(_("There are no statistics of a year to come."))
        return year

    def clean(self):
        data = super().clean()
        period, year = data.get("period"), data.get("year")
        if period is None or year is None:
            return data
        if period == PERIOD_MONTH:
            data["months"] = self._months_of_month(year, data.get("month"))
        elif period == PERIOD_QUARTER:
            data["months"] = self._months_of_quarter(year, data.get("quarter"))
        else:
            data["months"] = months_of_year(year, now=self.now)
        return data

    def period_label(self):
        """The cleaned period in words: "Quarter 2/2024"."""
        data = self.cleaned_data
        if data["period"] == PERIOD_MONTH:
            return _("Month %(month)02d/%(year)d") % data
        if data["period"] == PERIOD_QUARTER:
            return _("Quarter %(quarter)d/%(year)d") % data
        return _("Year %(year)d") % data

    def period_slug(self):
        """The cleaned period for a file name: 2024, 2024-q2, 2024-05."""
        data = self.cleaned_data
        if data["period"] == PERIOD_MONTH:
            return f"{data['year']}-{data['month']:02d}"
        if data["period"] == PERIOD_QUARTER:
            return f"{data['year']}-q{data['quarter']}"
        return str(data["year"])

    def _months_of_month(self, year, month):
        if month is None:
            raise forms.ValidationError({"month": _("Choose a month.")})
        if year * 100 + month > measures.month_of(self.now):
            raise forms.ValidationError({"month": _("There are no statistics of a month to come.")})
        return [year * 100 + month]

    def _months_of_quarter(self, year, quarter):
        if quarter is None:
            raise forms.ValidationError({"quarter": _("Choose a quarter.")})
        months = months_of_quarter(year, quarter, now=self.now)
        if not months:
            raise forms.ValidationError({"quarter": _("There are no statistics of a quarter to come.")})
        return months


class DossierRankingForm(PeriodForm):
    """What the ranking page ranks (a measure, a kind of unit, optionally under one unit) and over
    which period; the unit chosen is also the scope of the monthly chart."""

    measure = forms.ChoiceField(label=_("Measure"), choices=DossierMeasure.choices)
    kind = forms.ChoiceField(label=_("Units"), choices=RANKED_KINDS)
    # Highest level first, then in Vietnamese alphabetical order (Đ between D and E).
    parent = VietnameseModelChoiceField(
        sort_first=lambda unit: unit.depth,
        label=_("Under"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("(all)"),
        help_text=_("Rank the units under it; the chart shows its total with the units under it."),
    )

    field_order = ["measure", "kind", "parent", "period", "year", "quarter", "month"]

    def __init__(self, *args, user, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Why the group shown is not the one the link named (dossiers.views.dossier_ranking), or None.
        self.notice = notice
        # Only units the user may see can be chosen: another unit's code is an invalid choice.
        self.fields["parent"].queryset = scope_units_visible_to(user=user)


class OverdueDossiersForm(PeriodForm):
    """Which of a unit's dossiers to list: overdue now, or completed late in a period; its own or
    with the units under it."""

    show = forms.ChoiceField(
        label=_("Show"),
        choices=[(SHOW_OVERDUE, _("Pending and overdue now")), (SHOW_LATE, _("Completed late in the period"))],
    )
    scope = forms.ChoiceField(label=_("Dossiers"), choices=Scope.choices)

    field_order = ["show", "scope", "period", "year", "quarter", "month"]
