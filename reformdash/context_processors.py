"""What the header of every page needs: its links (units.access decides them) and the settings."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count
from units.access import header_links_of


def header(request):
    """`header_links` for base.html: which of the worklist, import, audit trail and administration
    links the user may follow (units.access.header_links_of); lazy, so a page without the header
    costs nothing. `public_rankings`: with settings.PUBLIC_RANKINGS on, anonymous readers are
    offered the rankings too, next to the login link. `notifications_unread.count`: the unread
    notifications of the user's inbox, one query when the header shows it."""
    return {
        "header_links": SimpleLazyObject(lambda: header_links_of(request)),
        "notifications_unread": SimpleLazyObject(lambda: {"count": _unread(request)}),
        "public_rankings": settings.PUBLIC_RANKINGS,
    }


def _unread(request):
    user = getattr(request, "user", None)
    return unread_count(user=user) if user is not None else 0
