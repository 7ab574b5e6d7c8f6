"""Page numbers and offsets from a query string, checked before they reach the database.

`?page=9223372036854775807` or `?offset=99999999999999999999` would otherwise become an OFFSET
past the database's 64-bit integers: an OverflowError on SQLite, an out-of-range error on
PostgreSQL, a 500 for anyone who edits the address. Every paginator and the API's paging go through
here, so the bound is the same everywhere (issue 21).
"""

from django.core.paginator import EmptyPage, PageNotAnInteger

# Far past any table of this project, far below 2**63: an offset up to it plus a page of rows (and
# django-tables2's look-ahead row) still fits a signed 64-bit integer.
MAX_OFFSET = 2**53


def page_number(value, *, per_page):
    """The page `value` (a query-string value, or None for the first) asks for, as an int.

    Raises PageNotAnInteger for what is not a whole number and EmptyPage for a page before the
    first or whose rows start past MAX_OFFSET, as Django's Paginator does for a page past the end:
    callers answer both with a 404."""
    if value in (None, ""):
        return 1
    try:
        number = int(str(value).strip())
    except ValueError as error:
        raise PageNotAnInteger(str(error)) from error
    if number < 1 or (number - 1) * per_page > MAX_OFFSET:
        raise EmptyPage(number)
    return number


def paginate_table(request, table, *, per_page, **options):
    """table.paginate() at the page the query string asks for (the table's own page field), with
    the page size ours whatever the query says. Raises InvalidPage as page_number does."""
    page = page_number(request.GET.get(table.prefixed_page_field), per_page=per_page)
    table.paginate(page=page, per_page=per_page, **options)


def query_corrected(query, **values):
    """A copy of `query` (a QueryDict) with `values` set and the page number dropped: the query of
    a page whose filters were corrected (a shared link naming a group the reader may not see), so
    that the links the page builds from the query (sort, pages, exports) name what it shows."""
    query = query.copy()
    query.pop("page", None)
    for key, value in values.items():
        query[key] = value
    return query
