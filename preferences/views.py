"""Saving a reader's choice of a table's columns and page size (the chooser of partials/_table.html)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from preferences.forms import TableLayoutForm
from preferences.services import table_preference_save
from reformdash.lib.tables import LAYOUT_TABLES


@login_required
@require_POST
def table_layout_save(request, table):
    """Remember the reader's choice for the table and go back to it; a choice that cannot be
    (a page size not offered, a column that cannot be hidden) is said, and nothing is saved."""
    if table not in LAYOUT_TABLES:
        raise Http404(_("There is no such table."))
    back = _back(request)
    form = TableLayoutForm(request.POST, table=table)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect(back)
    table_preference_save(
        user=request.user,
        table=table,
        offered=form.cleaned_data["offered"],
        shown=form.cleaned_data["columns"],
        per_page=form.cleaned_data["per_page"],
    )
    messages.success(request, _("Your choice of columns and rows per page is saved for this table."))
    return redirect(back)


def _back(request):
    """The table's page the form came from; the home page for an address that is not ours."""
    url = request.POST.get("next", "")
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"
