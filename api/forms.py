"""The query parameters of each endpoint, checked: each `clean_*` returns a domain value (an Index,
a Unit), and every problem is reported per parameter, never raised as a 500."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.selectors import group_parents_visible_to
from indicators.models import Index
from reformdash.lib.paging import MAX_OFFSET
from units.models import UnitKind
from units.validators import unknown_unit_reason

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
# The years the models accept (YEAR_RANGE_Q): anything else cannot have data.
FIRST_YEAR, LAST_YEAR = 1990, 2100


class Params(forms.Form):
    """No parameters; subclasses add theirs. A parameter no endpoint takes is an error too, so that a
    typo (`?yaer=2023`) is told rather than silently answered with everything."""

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user

    def errors_by_param(self):
        """{parameter: reason}, one string each."""
        errors = {name: " ".join(messages) for name, messages in self.errors.items()}
        for name in self.data:
            if name not in self.fields:
                errors[name] = _("unknown parameter")
        return errors

    def is_valid(self):
        return super().is_valid() and not self.errors_by_param()


def _year(required):
    return forms.IntegerField(required=required, min_value=FIRST_YEAR, max_value=LAST_YEAR)


def _kind(required):
    return forms.ChoiceField(required=required, choices=UnitKind.choices)


class IndexParam(forms.Form):
    index = forms.CharField(error_messages={"required": gettext_lazy("an index code is required, e.g. par")})

    def clean_index(self):
        code = self.cleaned_data["index"]
        index = Index.objects.filter(code=code).first()
        if index is None:
            raise forms.ValidationError(_("unknown index “%(code)s”") % {"code": code})
        return index


class ParentParam(forms.Form):
    parent = forms.CharField(required=False)

    def clean_parent(self):
        """The unit whose children are asked for: one the user sees, or the parent of one (the group
        of his own unit). Any other code is unknown, whether or not it exists."""
        code = self.cleaned_data["parent"]
        if not code:
            return None
        parent = group_parents_visible_to(user=self.user).filter(code=code).first()
        if parent is None:
            raise forms.ValidationError(unknown_unit_reason(code))
        return parent


class UnitsParams(ParentParam, Params):
    year = _year(required=False)
    kind = _kind(required=False)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)
    # Bounded like every page of the site (reformdash.lib.paging): past it, a 400, not a database overflow.
    offset = forms.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET)

    def clean_limit(self):
        return self.cleaned_data["limit"] or DEFAULT_LIMIT

    def clean_offset(self):
        return self.cleaned_data["offset"] or 0


class RankingParams(IndexParam, ParentParam, Params):
    year = _year(required=True)
    kind = _kind(required=True)


class ScorecardParams(IndexParam, Params):
    year = _year(required=True)
