"""Reads of the audit trail, always cut down to what the viewer may see."""

from django.utils.translation import gettext as _

from audit.models import AuditEntry
from units.roles import sees_all_units
from units.selectors import units_visible_to


def audit_entries(*, user_viewing, unit=None, criterion=None, actor=None, action=None, since=None, until=None):
    """Entries the viewer may see, newest first: those of units he sees (units_visible_to);
    entries tied to no unit (a methodology import, a band) only for province-wide viewers."""
    entries = AuditEntry.objects.select_related("user", "unit", "criterion")
    if not sees_all_units(user_viewing):
        entries = entries.filter(unit__in=units_visible_to(user=user_viewing))
    if unit is not None:
        entries = entries.filter(unit=unit)
    if criterion is not None:
        entries = entries.filter(criterion=criterion)
    if actor is not None:
        entries = entries.filter(user=actor)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries


def audit_export_rows(entries):
    """The header and one row per entry, for reformdash.lib.export; iterated in chunks so that a
    long trail is never held whole."""
    yield [_("At"), _("User"), _("Action"), _("Object"), _("Unit"), _("Criterion"), _("Changes"), _("Reason"),
           _("Batch"), _("Source")]  # fmt: skip
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.at.strftime("%d/%m/%Y %H:%M:%S"),
            entry.user.get_username() if entry.user else "",
            entry.action,
            f"{entry.object_label}#{entry.object_id}" if entry.object_label else "",
            entry.unit.code if entry.unit else "",
            entry.criterion.code if entry.criterion else "",
            "; ".join(f"{field}: {old} → {new}" for field, (old, new) in entry.changes.items()),
            entry.reason,
            entry.batch,
            entry.get_source_display(),
        ]
