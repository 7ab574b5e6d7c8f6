"""/audit/: the audit trail, filtered, paged and exported (?export=csv|xlsx).

Who opens it: administrators, staff and appraisers see every entry; a unit's head or officer the
entries of the units he sees (trail.selectors.audit_entries cuts them down); anyone else is refused.
A unit, a criterion or a user's trail is this page with its filter set."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tables2 import LazyPaginator

from preferences.layout import table_layout
from reformdash.lib.export import ColumnType, as_of_text, export_response, title_line
from reformdash.lib.paging import paginate_table
from trail.forms import AuditFilterForm
from trail.selectors import audit_entries, audit_export_rows
from trail.tables import AuditTable
from units.access import Action, may


@login_required
def audit_trail(request):
    """The entries the user may see that match the filters, newest first, a page at a time."""
    if not may(request.user, Action.BROWSE_AUDIT):
        raise PermissionDenied(
            _("Only administrators, staff, appraisers and the heads and officers of a unit may read the audit trail.")
        )
    form = AuditFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "trail/trail.html", {"form": form}, status=404 if form.not_found() else 400)
    entries = audit_entries(user_viewing=request.user, **form.filters())
    export = request.GET.get("export")
    if export:
        return _export(entries, export, form=form)
    table = AuditTable(entries, query=form.query())
    try:
        # The reader's page size among ours, his hidden columns hidden (preferences.layout).
        paginate_table(request, table, per_page=table_layout(request, table), paginator_class=LazyPaginator)
    except InvalidPage as error:
        raise Http404(str(error)) from error
    query = form.query()
    path = reverse("audit_trail")
    context = {
        "form": form,
        "table": table,
        "filtered": bool(query),
        "export_csv": f"{path}?{urlencode({**query, 'export': 'csv'})}",
        "export_xlsx": f"{path}?{urlencode({**query, 'export': 'xlsx'})}",
    }
    return render(request, "trail/trail.html", context)


def _export(entries, export, *, form):
    """Every entry that matches (all pages), each cell safe in a spreadsheet; the XLSX says above
    its header when it was taken and with which filters."""
    now = timezone.localtime()
    filters = "; ".join(f"{form.fields[name].label}: {value}" for name, value in form.query().items())
    return export_response(
        audit_export_rows(entries),
        export=export,
        filename=f"audit-{now:%Y%m%d-%H%M%S}",
        sheet_title=_("Audit trail"),
        title_lines=[title_line(_("Audit trail"), as_of_text(now)), filters or _("every entry you may read")],
        types=[ColumnType.DATETIME],  # the time; the rest is text
    )
