"""What every django-tables2 table of ours shares: the template, the cells' classes (which the
stylesheet reads: static/css/reformdash.css, "Tables"), and what it takes from the request.

The classes: `num` right-aligns a number; `unit-col` is the unit's column, which stays in view
when a wide table scrolls sideways on a desk; `col-secondary` is a column a phone hides until the
reader opens "Show all columns" (partials/_table.html). The classes are in the column's attrs, so
the exports (as_values) are not touched by them.

A reader may hide a table's optional columns and choose its page size (PAGE_SIZES); the choice is
remembered per user and table by the preferences app, keyed by the table's `layout_key`. The
columns a table is about (`required_columns`: the unit, its value, its rank) cannot be hidden, and
the exports keep every column whatever the reader hid."""

from reformdash.lib.export import ColumnType, export_response

TEMPLATE = "partials/_table.html"


def cell_attrs(*classes):
    """Column attrs giving the header and the cells the same classes: cell_attrs("num", "col-secondary")."""
    names = " ".join(classes)
    return {"th": {"class": names}, "td": {"class": names}}


NUMBER = cell_attrs("num")
UNIT = cell_attrs("unit-col")
SECONDARY = cell_attrs("col-secondary")
SECONDARY_NUMBER = cell_attrs("num", "col-secondary")


def table_attrs(name):
    """The <table>'s attrs: Bootstrap's `table`, ours, and the table's own class."""
    return {"class": f"table {name}"}


# The page sizes a reader may choose; DEFAULT_PER_PAGE without a choice. Bounded: a page of every
# row would be the whole table in one query and one page.
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50

# {layout_key: table class}: the tables whose layout a reader may choose (filled by LayoutMixin),
# and the lists of ours that are no django-tables2 table, their page size alone (register_list_layout).
LAYOUT_TABLES = {}


def register_list_layout(key):
    """Let readers choose the page size of a list that is not a django-tables2 table (the worklist)."""
    LAYOUT_TABLES[key] = None
    return key


class LayoutMixin:
    """Mixed into our django-tables2 tables (before tables.Table): what partials/_table.html asks.

    A table sets `layout_key` (the name its readers' choices are remembered under) and
    `required_columns` (what it cannot show without); `layout` is the chooser the template shows,
    set by the view (preferences.layout.table_layout), None where there is none (exports, visitors)."""

    layout_key = None
    required_columns = ()
    layout = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.layout_key:
            LAYOUT_TABLES[cls.layout_key] = cls

    def optional_columns(self):
        """(name, header) of each column shown by default that the reader may hide: not a
        required one, and not one only the exports write (those are hidden already)."""
        return [
            (column.name, _column_label(column)) for column in self.columns if column.name not in self.required_columns
        ]

    def hide_columns(self, names):
        """Hide the optional columns among `names` (others, gone or required, are ignored): for the
        page only, as_values still writes them."""
        optional = {name for name, _header in self.optional_columns()}
        for name in names:
            if name in optional:
                self.columns.hide(name)

    @property
    def has_secondary_columns(self):
        """Whether a phone hides some of the visible columns (the template then offers to show them)."""
        return any("col-secondary" in (column.attrs["td"].get("class") or "") for column in self.columns)


def _column_label(column):
    """The column's header, with its title where the header is short for it (an area's code)."""
    title = column.attrs["th"].get("title")
    return f"{column.header} · {title}" if title else str(column.header)


def table_configure(request, table):
    """What django_tables2.RequestConfig(request, paginate=False).configure(table) does — the
    request, for the headers' sorting links, and the sort order the query string asks for — but
    keeping only keys that name an orderable column. django-tables2 drops the others too, but
    only after parsing them, and warns about any with a "." in it (a typed or fuzzed URL such as
    ?sort=0..0: a DeprecationWarning in every run of the fuzzing tests)."""
    table.request = request
    field = table.prefixed_order_by_field
    # Each value whole, as RequestConfig passes them: "-rank,code" names no column and is dropped.
    sort = [
        alias
        for alias in request.GET.getlist(field)
        if alias.removeprefix("-") in table.columns.names() and table.columns[alias.removeprefix("-")].orderable
    ]
    if sort:
        table.order_by = sort


def table_export_types(table):
    """The ColumnType of each column table.as_values() writes, in its order (the XLSX exports'
    `types`): the table's `export_types`, {column name: ColumnType}, names its numbers and dates;
    any other column is text. As as_values picks them: every column, shown or not, but those
    excluded from the exports."""
    types = getattr(table, "export_types", {})
    return [
        types.get(column.name, ColumnType.TEXT)
        for column in table.columns.iterall()
        if not column.column.exclude_from_export
    ]


def table_export_response(table, *, export, filename, sheet_title, title_lines=()):
    """Every row of the table (all pages, in its order) with the columns it exports, as the
    download `export` names (reformdash.lib.export.export_response), the XLSX with each column's
    type (table_export_types) and `title_lines` above the header."""
    return export_response(
        table.as_values(),
        export=export,
        filename=filename,
        sheet_title=sheet_title,
        title_lines=title_lines,
        types=table_export_types(table),
    )
