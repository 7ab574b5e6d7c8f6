"""What the header of every page needs: its links (units.access decides them) and the settings."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from units.access import header_links_of


def header(request):
    """`header_links` for base.html: which of the worklist, import, audit trail and administration
    links the user may follow (units.access.header_links_of); lazy, so a page without the header
    costs nothing. `public_rankings`: with settings.PUBLIC_RANKINGS on, anonymous readers are
    offered the rankings too, next to the login link."""
    return {
        "header_links": SimpleLazyObject(lambda: header_links_of(request)),
        "public_rankings": settings.PUBLIC_RANKINGS,
    }
