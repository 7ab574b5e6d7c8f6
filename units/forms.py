"""The choice of index and year on a unit's scorecard; a bad parameter makes the form invalid,
which the page answers with a 404, as for a choice the unit has no result for."""

from django import forms
from django.utils.translation import gettext_lazy as _

# The years results may have (indicators.models.YEAR_RANGE_Q).
FIRST_YEAR, LAST_YEAR = 1990, 2100


class ScorecardForm(forms.Form):
    """?index=<index code>&year=<year>, both optional: the card's defaults fill in what is left out."""

    index = forms.SlugField(label=_("Index"), max_length=32, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)

    def clean_index(self):
        return self.cleaned_data["index"] or None
