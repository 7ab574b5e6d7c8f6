"""The filters of the rankings and chronic-losses pages: GET forms, so that a page's URL is its
permalink. Cleaned data are domain values: an Index, a year, a UnitKind, a parent Unit or None."""

import datetime
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.models import Index, index_default_key
from indicators.selectors import (
    RANKED_KINDS,
    first_ranking_group,
    latest_ranking_year,
    ranking_parents,
    results_readable_q,
    units_state,
)
from reformdash.lib.cache import cached
from reformdash.lib.vietnamese import VietnameseModelChoiceField, options_html
from units.access import FOREIGN_GROUP_NOTICE, sees_all_units, visible_units_key
from units.models import Unit, UnitKind

# Parameters naming something that does not exist (for this reader) make the page "not found";
# any other bad parameter is a bad request.
NOT_FOUND_FIELDS = ("index", "parent")


class _IndexChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that finds the chosen index among those the form read for its options
    (`known`, by code), when given: the drop-down, its `required` check and the choice were a
    query each on every page, for a table of a few rows."""

    known = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.known[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class GroupForm(forms.Form):
    """An index, a year and a group of units: one kind, under one parent or under any."""

    index = _IndexChoiceField(label=_("Index"), queryset=Index.objects.all(), to_field_name="code", empty_label=None)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    kind = forms.TypedChoiceField(
        label=_("Units"), choices=[(kind.value, kind.label) for kind in RANKED_KINDS], coerce=UnitKind
    )
    # The parents in Vietnamese alphabetical order (Đ between D and E), not by code point.
    parent = VietnameseModelChoiceField(
        label=_("Under"), queryset=Unit.objects.none(), to_field_name="code", required=False, empty_label=_("(all)")
    )

    def __init__(self, data, *, years, parents, notice=None, parent_options_key=None, indexes=None, **kwargs):
        super().__init__(data, **kwargs)
        # Every index, read once (group_form reads them for its defaults too): the options and the choice.
        indexes = list(Index.objects.all()) if indexes is None else indexes
        self.fields["index"].known = {index.code: index for index in indexes}
        self.fields["index"].choices = [(index.code, str(index)) for index in indexes]
        # Why the group shown is not the one the link named (group_form), or None.
        self.notice = notice
        # With no result at all yet, the current year is still a valid question (with no answer).
        years = years or [timezone.localdate().year]
        self.fields["year"].choices = [(year, str(year)) for year in years]
        # Only a unit the reader may see, with units of the chosen kind under it, can be chosen.
        self.fields["parent"].queryset = parents
        if parent_options_key is not None:
            # The options, the same for every reader who sees the same units: written once
            # (_parent_options_key), read when the form is drawn (the overview never draws it).
            # Choosing one is still checked against `parents`.
            field = self.fields["parent"]
            key = functools.cache(parent_options_key)  # one units_state query however it is drawn

            @functools.cache  # once for the form, however often it is drawn
            def options():
                return cached(key(), lambda: _options(field), timeout=PARENT_OPTIONS_SECONDS)

            field.choices = lambda: [("", field.empty_label), *options()]
            # Drawn from the options written once, under the same key: escaping 725 names was ~10 ms
            # of every such page.
            field.widget.options_html = functools.cache(
                lambda: cached(f"{key()}:html", lambda: options_html(field.choices), timeout=PARENT_OPTIONS_SECONDS)
            )

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


def with_defaults(query, *, readable, parents, indexes):
    """The query string with what it leaves out filled in: the default index (PAR, else the first
    by code: indicators.models.index_default_key), its latest year with
    results the reader may read, and that year's first group. A page opened without parameters
    shows a ranking; a parameter that is there is left for the form to judge. `indexes`: every
    index (a list); `parents()`: the parents the reader may name (asked only for a default group)."""
    data = query.dict()
    if "index" not in data:
        data["index"] = min(indexes, key=index_default_key).code if indexes else ""
    index = _index(data, indexes=indexes)
    if index is None:
        return data
    if "year" not in data:
        data["year"] = latest_ranking_year(index=index, readable=readable) or timezone.localdate().year
    if "kind" not in data:
        try:
            year = int(data["year"])
        except (TypeError, ValueError):
            return data
        group = first_ranking_group(index=index, year=year, readable=readable, parents=parents())
        data["kind"], data["parent"] = group or (UnitKind.DEPARTMENT.value, "")
    return data


def group_form(query, form_class, *, user, public, years):
    """The page's filter form over the query string (with_defaults filling in what it leaves
    out), its parent choices the reader's parents of units of the chosen kind in the chosen year.

    A parent that is not among them is not a form error. A parent the reader sees (with no unit of
    that kind under it) gives the first group of that kind he may read. A parent he may not see —
    a link shared by someone who sees more — gives his own group (the first of that kind he may
    read, else his first) with FOREIGN_GROUP_NOTICE as the form's `notice`; nothing of the named
    group is read. A code of no unit at all, for a reader who sees every parent (administrators,
    staff, public rankings), stays the form's "not found"; for anyone else it is told as a unit he
    may not see, so that he learns nothing of which units exist."""
    readable = results_readable_q(user=user, public=public)

    # The parents of any ranked kind, built only when asked: for a query without its kind or
    # group, or with a parent that is not one of its kind's (every page built it: ~0.4 ms).
    @functools.cache
    def parents():
        return ranking_parents(user=user, public=public)

    indexes = list(Index.objects.all())  # a few rows: once for the defaults, the options and the choice
    data = with_defaults(query, readable=readable, parents=parents, indexes=indexes)
    form = form_class(
        data,
        years=years,
        indexes=indexes,
        parents=_parents_of_group(data, user=user, public=public, parents=parents),
        parent_options_key=_parent_options_key(data, user=user, public=public),
    )
    code, (kind, year) = data.get("parent"), _kind_and_year(data)
    if (
        form.is_valid()
        or "parent" not in form.errors
        or not code
        or kind is None
        or _index(data, indexes=indexes) is None
    ):
        return form
    seen = parents().filter(code=code).exists()
    if not seen and (public or sees_all_units(user)):
        return form
    group = first_ranking_group(
        index=_index(data, indexes=indexes), year=year, readable=readable, parents=parents(), kind=kind
    )
    data["kind"], data["parent"] = group or (kind.value, "")
    return form_class(
        data,
        years=years,
        indexes=indexes,
        parents=_parents_of_group(data, user=user, public=public, parents=parents),
        notice=None if seen else FOREIGN_GROUP_NOTICE,
        parent_options_key=_parent_options_key(data, user=user, public=public),
    )


def _index(data, *, indexes):
    """The index the query names, among `indexes`, or None."""
    code = data.get("index", "")
    return next((index for index in indexes if index.code == code), None)


def _kind_and_year(data):
    """(UnitKind, year) the query names, or (None, None) where either is not one — a year no date
    can have (0, 10000) is none: the parents of its units are looked up by its dates."""
    try:
        kind, year = UnitKind(data.get("kind")), int(data.get("year"))
    except (TypeError, ValueError):
        return None, None
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return None, None
    return kind, year


def _parents_of_group(data, *, user, public, parents):
    """The parent choices for the query's kind and year (`parents()`, of any ranked kind, when the
    query's kind or year is not one: the form refuses it anyway)."""
    kind, year = _kind_and_year(data)
    if kind is None:
        return parents()
    return ranking_parents(user=user, public=public, kind=kind, year=year)


# The "Under" options are kept this long beyond the units' state in their key (units_state):
# what it does not follow (a unit renamed outside the audit) shows within it.
PARENT_OPTIONS_SECONDS = 60


def _parent_options_key(data, *, user, public):
    """A function of nothing making the cache key of the query's "Under" options (called when they
    are drawn), or None for a query of no kind. The options are the parents of the kind's units
    in the year that the reader may see (ranking_parents): keyed by the kind, the year, the
    language, the units' state and who reads — "public" for public rankings, else what decides
    which units he sees (units.access.visible_units_key: every unit for staff, the same 725
    parents nationally in 2025; the units he sees for a head, whose own list was a query of
    20–30 ms on every page of the national database)."""
    kind, year = _kind_and_year(data)
    if kind is None:
        return None

    def key():
        reader = "public" if public else visible_units_key(user=user)
        return ":".join(["ranking-parents", kind.value, str(year), get_language(), reader, *units_state()])

    return key


def _options(field):
    """[(code, name)] of the field's parents (its queryset), in its order, without its empty choice."""
    choices = iter(field.iterator(field))
    if field.empty_label is not None:
        next(choices)
    return [(str(value), str(label)) for value, label in choices]
