"""The tokens one-stop systems push dossiers with: issued once, stored only as a SHA-256 hash.

A token is 32 random bytes (`secrets.token_urlsafe`), so its hash needs no salt nor slow hashing:
nobody can guess it from the hash, and looking the hash up by index leaks nothing useful about it.
Issuing a new token replaces the old one; unticking the source's `active` revokes it.

A token writes only the dossiers of the units its source serves (issue 21): the subtrees under the
source's `units`, or every unit when `all_units` is ticked (the province's own system).
"""

import hashlib
import secrets

from dossiers.models import SourceSystem
from units.access import units_in_subtrees
from units.models import Unit


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


def source_unit_ids_served(*, source, unit_ids):
    """The ids among `unit_ids` whose dossiers the source may send: all of them for an all-units
    source, else those in the subtrees under its units (none if it names no unit)."""
    candidates = Unit.objects.filter(pk__in=unit_ids)
    if source.all_units:
        return set(candidates.values_list("pk", flat=True))
    return set(units_in_subtrees(roots=source.units.all(), queryset=candidates).values_list("pk", flat=True))


def source_scope_set(*, source, all_units, units=()):
    """What the source's token may write from now on: every unit, or the subtrees under `units`."""
    source.all_units = all_units
    source.save(update_fields=["all_units"])
    source.units.set([] if all_units else units)
