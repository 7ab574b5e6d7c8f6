"""A table shown the way its reader chose (reformdash.lib.tables.LayoutMixin): his optional columns
hidden, his page size, and the chooser partials/_table.html offers him to change them."""

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from preferences.selectors import table_preference
from reformdash.lib.tables import DEFAULT_PER_PAGE, PAGE_SIZES


def offered_salt(key):
    # Per table: a list of columns signed for the rankings is refused by the overdue list's form.
    return f"preferences.table-layout:{key}"


@dataclass(frozen=True)
class TableLayout:
    """What the chooser shows: each optional column (name, label, shown), the columns always shown,
    the page sizes and the one in use, where to post it and where to come back to. `offered` is
    the optional columns' names, signed: what the form may choose among (preferences.forms)."""

    action: str
    columns: list
    required: list
    page_sizes: tuple
    per_page: int
    offered: str
    next: str
    # Written in the form instead of the reader's CSRF token: a placeholder the view replaces with
    # it, in a page section kept for several readers (indicators.views._ranking_section_shown).
    csrf_token: str = ""


_UNREAD = object()


def table_layout(request, table, *, preference=_UNREAD):
    """Hide the optional columns the reader hid in this table and give the page size he chose
    (DEFAULT_PER_PAGE without a choice, for a visitor, or for a size no longer offered); for a
    signed-in reader, set table.layout, the chooser. Call it on the page only: the exports keep
    every column. `preference`: the reader's TablePreference of the table (or None) when the
    caller has read it already."""
    if preference is _UNREAD:
        preference = table_preference(user=request.user, table=table.layout_key)
    hidden = set()
    if preference is not None and isinstance(preference.hidden_columns, list):
        hidden = {name for name in preference.hidden_columns if isinstance(name, str)}
    offered = table.optional_columns()
    if request.user.is_authenticated:
        table.hide_columns(hidden)
        table.layout = _layout(
            request,
            key=table.layout_key,
            preference=preference,
            page_field=table.prefixed_page_field,
            columns=[(name, label, name not in hidden) for name, label in offered],
            required=[str(table.columns[name].header) for name in table.required_columns if name in table.columns],
        )
    return _per_page(preference)


def list_layout(request, *, key, page_field="page"):
    """For a list that is not a django-tables2 table (the worklist): (the page size the reader
    chose, the chooser of the page size alone, or None for a visitor). `key` is registered in
    reformdash.lib.tables.LAYOUT_TABLES by the list's app."""
    preference = table_preference(user=request.user, table=key)
    if not request.user.is_authenticated:
        return _per_page(preference), None
    layout = _layout(request, key=key, preference=preference, page_field=page_field, columns=[], required=[])
    return _per_page(preference), layout


def _per_page(preference):
    if preference is not None and preference.per_page in PAGE_SIZES:
        return preference.per_page
    return DEFAULT_PER_PAGE


def _layout(request, *, key, preference, page_field, columns, required):
    query = request.GET.copy()
    for name in (page_field, "export"):  # a new page size starts at the first page
        query.pop(name, None)
    return TableLayout(
        action=reverse("table_layout_save", kwargs={"table": key}),
        columns=columns,
        required=required,
        page_sizes=PAGE_SIZES,
        per_page=_per_page(preference),
        offered=signing.dumps([name for name, _label, _shown in columns], salt=offered_salt(key)),
        next=f"{request.path}?{query.urlencode()}" if query else request.path,
    )
