"""What the header of every page needs from the settings."""

from django.conf import settings


def public_rankings(request):
    """`public_rankings` for base.html: with settings.PUBLIC_RANKINGS on, anonymous readers are
    offered the rankings too, next to the login link."""
    return {"public_rankings": settings.PUBLIC_RANKINGS}
