"""Writing notifications: each at most once per user and key, and never about a unit the user may
not see (units.access decides, as for every page)."""

import dataclasses

from django.utils import timezone

from notifications.models import Notification, NotificationPreference
from units.access import visible_pairs


@dataclasses.dataclass(frozen=True)
class NewNotification:
    user_id: int
    kind: str
    key: str
    unit_id: int | None = None
    params: dict = dataclasses.field(default_factory=dict)
    url: str = ""


def _visible_rows(rows):
    """The rows whose unit (if any) their user may see: units.access.visible_pairs, in a few
    queries for every user at once."""
    seen = visible_pairs(pairs={(row.user_id, row.unit_id) for row in rows if row.unit_id is not None})
    return [row for row in rows if row.unit_id is None or (row.user_id, row.unit_id) in seen]


def notify_many(rows):
    """Insert the notifications that are new (by user and key) and about units their users may see;
    the rest are dropped silently. Returns how many rows were offered after the access check —
    not how many were new: ON CONFLICT DO NOTHING does not say (Notification.key is the log)."""
    rows = _visible_rows(list(rows))
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=row.user_id, kind=row.kind, key=row.key, unit_id=row.unit_id, params=row.params, url=row.url
            )
            for row in rows
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(rows)


def notifications_mark_read(*, user, ids=None):
    """Mark the user's unread notifications read: those of `ids`, or all of them. Returns how many;
    another user's ids are left alone (the view has answered 404 to them already)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notification_preferences_save(*, user, choices):
    """choices: {kind: (in_app, by_email)}; one INSERT … ON CONFLICT UPDATE for them all."""
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, in_app=in_app, by_email=by_email)
            for kind, (in_app, by_email) in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["in_app", "by_email"],
    )
