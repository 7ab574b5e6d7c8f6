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


def table_layout(request, table):
    """Hide the optional columns the reader hid in this table and give the page size he chose
    (DEFAULT_PER_PAGE without a choice, for a visitor, or for a size no longer offered); for a
    signed-in reader, set table.layout, the chooser. Call it on the page only: the exports keep
    every column."""
    preference = table_preference(user=request.user, table=table.layout_key)
    per_page = DEFAULT_PER_PAGE
    if preference is not None and preference.per_page in PAGE_SIZES:
        per_page = preference.per_page
    if not request.user.is_authenticated:
        return per_page
    offered = table.optional_columns()
    hidden = set()
    if preference is not None and isinstance(preference.hidden_columns, list):
        hidden = {name for name in preference.hidden_columns if isinstance(name, str)}
    table.hide_columns(hidden)
    query = request.GET.copy()
    for name in (table.prefixed_page_field, "export"):  # a new page size starts at the first page
        query.pop(name, None)
    table.layout = TableLayout(
        action=reverse("table_layout_save", kwargs={"table": table.layout_key}),
        columns=[(name, label, name not in hidden) for name, label in offered],
        required=[str(table.columns[name].header) for name in table.required_columns if name in table.columns],
        page_sizes=PAGE_SIZES,
        per_page=per_page,
        offered=signing.dumps([name for name, _label in offered], salt=offered_salt(table.layout_key)),
        next=f"{request.path}?{query.urlencode()}" if query else request.path,
    )
    return per_page
