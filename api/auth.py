"""Who is asking the JSON API: a logged-in browser session, or a personal API token.

    Authorization: Token <key>

A token is 32 random bytes (`secrets.token_urlsafe`), shown once when it is issued and stored only
as its SHA-256: unguessable from the hash, so the hash needs neither salt nor slow hashing, and it
can be looked up by index. An Authorization header, when sent, decides alone: a bad token is
refused even from a browser that also has a session, so a program never passes by accident.
The one-stop systems' push endpoint has tokens of its own (dossiers.tokens), per source, not per user.
"""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken

SCHEME = "Token"
# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell a token in use from a forgotten one.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def token_new():
    """(token, its hash): the token for the person, once; the hash for the database."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


@transaction.atomic
def api_token_issue(*, user, name, replace=False):
    """(ApiToken, token): a new token for the user; the token is returned once and stored only hashed.

    With `replace`, the user's active token of the same name is revoked first."""
    if replace:
        ApiToken.objects.select_for_update().filter(user=user, name=name, active=True).update(active=False)
    token, hashed = token_new()
    api_token = ApiToken(user=user, name=name, token_hash=hashed)
    api_token.full_clean()
    api_token.save()
    return api_token, token


def api_user(request):
    """(user, None) for a valid session or token; (None, the reason) otherwise."""
    header = request.headers.get("Authorization")
    if header is None:
        if request.user.is_authenticated:
            return request.user, None
        return None, _("log in, or send a personal API token: Authorization: Token <key>")
    scheme, _space, key = header.strip().partition(" ")
    if scheme.lower() != SCHEME.lower() or not key.strip():
        return None, _("the Authorization header must be: Token <key>")
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(key.strip()), active=True, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None, _("the API token is unknown or revoked")
    _mark_used(api_token)
    return api_token.user, None


def _mark_used(api_token):
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
