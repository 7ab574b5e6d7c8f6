"""The tokens one-stop systems push dossiers with: issued once, stored only as a SHA-256 hash.

A token is 32 random bytes (`secrets.token_urlsafe`), so its hash needs no salt nor slow hashing:
nobody can guess it from the hash, and looking the hash up by index leaks nothing useful about it.
Issuing a new token replaces the old one; unticking the source's `active` revokes it.
"""

import hashlib
import secrets

from dossiers.models import SourceSystem


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def source_token_issue(*, source):
    """A new token for the source, replacing the one it had; returned once, stored only hashed."""
    token = secrets.token_urlsafe(32)
    source.token_hash = token_hash(token)
    source.save(update_fields=["token_hash"])
    return token


def source_for_token(token):
    """The active source the token belongs to, or None."""
    if not token:
        return None
    return SourceSystem.objects.filter(token_hash=token_hash(token), active=True).first()
