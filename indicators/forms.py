"""The filters of the rankings and chronic-losses pages: GET forms, so that a page's URL is its
permalink. Cleaned data are domain values: an Index, a year, a UnitKind, a parent Unit or None."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Index
from indicators.selectors import RANKED_KINDS, first_ranking_group, latest_ranking_year
from units.models import Unit, UnitKind

# Parameters naming something that does not exist (for this reader) make the page "not found";
# any other bad parameter is a bad request.
NOT_FOUND_FIELDS = ("index", "parent")


class GroupForm(forms.Form):
    """An index, a year and a group of units: one kind, under one parent or under any."""

    index = forms.ModelChoiceField(
        label=_("Index"), queryset=Index.objects.all(), to_field_name="code", empty_label=None
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    kind = forms.TypedChoiceField(
        label=_("Units"), choices=[(kind.value, kind.label) for kind in RANKED_KINDS], coerce=UnitKind
    )
    parent = forms.ModelChoiceField(
        label=_("Under"), queryset=Unit.objects.none(), to_field_name="code", required=False, empty_label=_("(all)")
    )

    def __init__(self, data, *, years, parents, **kwargs):
        super().__init__(data, **kwargs)
        # With no result at all yet, the current year is still a valid question (with no answer).
        years = years or [timezone.localdate().year]
        self.fields["year"].choices = [(year, str(year)) for year in years]
        # Only a unit the reader may see can be chosen: any other code is "not found".
        self.fields["parent"].queryset = parents

    def not_found(self):
        """True when the form names an index or a unit that does not exist for this reader."""
        return any(name in self.errors and self.data.get(name) for name in NOT_FOUND_FIELDS)

    def query(self):
        """The cleaned choice as query parameters: every filter spelled out, so a link made of it
        keeps meaning the same ranking when a later year arrives."""
        data = self.cleaned_data
        return {
            "index": data["index"].code,
            "year": data["year"],
            "kind": data["kind"].value,
            "parent": data["parent"].code if data["parent"] else "",
        }


class RankingForm(GroupForm):
    """The rankings page's filters: a group, and a search on the units' names and codes."""

    q = forms.CharField(label=_("Unit name or code"), max_length=100, required=False)

    def query(self):
        query = super().query()
        if self.cleaned_data["q"]:
            query["q"] = self.cleaned_data["q"]
        return query


def with_defaults(query, *, readable, parents):
    """The query string with what it leaves out filled in: the first index, its latest year with
    results the reader may read, and that year's first group. A page opened without parameters
    shows a ranking; a parameter that is there is left for the form to judge."""
    data = query.dict()
    if "index" not in data:
        first = Index.objects.order_by("code").values_list("code", flat=True).first()
        data["index"] = first or ""
    index = Index.objects.filter(code=data["index"]).first()
    if index is None:
        return data
    if "year" not in data:
        data["year"] = latest_ranking_year(index=index, readable=readable) or timezone.localdate().year
    if "kind" not in data:
        try:
            year = int(data["year"])
        except (TypeError, ValueError):
            return data
        group = first_ranking_group(index=index, year=year, readable=readable, parents=parents)
        data["kind"], data["parent"] = group or (UnitKind.DEPARTMENT.value, "")
    return data
