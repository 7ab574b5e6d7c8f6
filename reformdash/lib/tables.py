"""What every django-tables2 table of ours takes from the request."""

from reformdash.lib.export import ColumnType, export_response


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
