"""The address a request came from, believing X-Forwarded-For only as far as our own proxies."""

import ipaddress

from django.conf import settings


def client_address(request):
    """REMOTE_ADDR; behind TRUSTED_PROXIES proxies, the address our outermost proxy appended.

    Each proxy appends the address it saw to X-Forwarded-For, so only the last TRUSTED_PROXIES
    entries are ours: anything to their left came from the client and may be invented. Counting
    from the right, a client that sends `X-Forwarded-For: 1.2.3.4` neither hides behind 1.2.3.4 nor
    gets 1.2.3.4 locked out."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: every entry was written by one of ours; the leftmost is the
    # furthest any of them saw.
    candidate = entries[-proxies] if len(entries) >= proxies else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
