"""Admin helpers shared by the apps."""

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property


class ReadOnlyAdminMixin:
    """For rows only a service writes (dossiers from the one-stop systems, the workflow's history,
    the audit trail): an edit in the admin would skip what the service derives and records, so
    the admin may read and search them, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EstimatedCountPaginator(Paginator):
    """The admin's paginator for tables that grow with history (dossiers: 100 million in ten
    years). The admin counts the whole list on every page it shows; unfiltered, that is a scan of
    the whole table (bench/README.md, "Ten years of dossiers"). On PostgreSQL an unfiltered list
    of more than ESTIMATE_ABOVE rows is counted from the planner's estimate (pg_class.reltuples,
    as of the last ANALYZE); a filtered list, a smaller table, or SQLite are counted exactly."""

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [connection.ops.quote_name(self.object_list.model._meta.db_table)],
                )
                row = cursor.fetchone()
            if row is not None and row[0] > self.ESTIMATE_ABOVE:
                return row[0]
        return super().count
