"""The inbox (/notifications/) and the choice of what comes by which way (/notifications/settings/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.forms import PreferencesForm
from notifications.selectors import inbox, notification_preferences
from notifications.services import notification_preferences_save, notifications_mark_read
from notifications.texts import render as words_of

PER_PAGE = 30


@login_required
def inbox_view(request):
    page = Paginator(inbox(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    items = [(notification, words_of(notification)) for notification in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "items": items, "any_unread": any(n.read_at is None for n, _words in items)},
    )


@login_required
@require_POST
def mark_read(request, notification_id):
    """Mark one read; then open what it is about ("then=open") or come back to the inbox. Only a
    notification the inbox shows the user: any other id is a 404, whoever's it is."""
    notification = inbox(user=request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404(_("There is no such notification."))
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if request.POST.get("then") == "open" and _ours(request, notification.url):
        return redirect(notification.url)
    return redirect("notifications_inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications_inbox")


@login_required
def preferences_view(request):
    # Bound on any POST: every box unticked posts no field of the form at all.
    form = PreferencesForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        notification_preferences_save(user=request.user, choices=form.choices())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications_settings")
    return render(request, "notifications/settings.html", {"rows": notification_preferences(user=request.user)})


def _ours(request, url):
    """A path of this site (notifications are written with one; anything else is not followed)."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    )
