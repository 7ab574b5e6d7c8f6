"""Writing notifications: each at most once per user and key, and never about a unit the user may
not see (units.access decides, as for every page)."""

import dataclasses
from collections import defaultdict

from notifications.models import Notification
from units.access import units_visible_to
from units.models import Unit


@dataclasses.dataclass(frozen=True)
class NewNotification:
    user_id: int
    kind: str
    key: str
    unit_id: int | None = None
    params: dict = dataclasses.field(default_factory=dict)
    url: str = ""


def _visible_rows(rows):
    """The rows whose unit (if any) their user may see: one query per user who has rows about units."""
    from django.contrib.auth import get_user_model

    unit_ids_by_user = defaultdict(set)
    for row in rows:
        if row.unit_id is not None:
            unit_ids_by_user[row.user_id].add(row.unit_id)
    users = get_user_model().objects.in_bulk(list(unit_ids_by_user))
    visible = {}
    for user_id, unit_ids in unit_ids_by_user.items():
        user = users.get(user_id)
        visible[user_id] = (
            set(units_visible_to(user=user, queryset=Unit.objects.filter(id__in=unit_ids)).values_list("id", flat=True))
            if user is not None
            else set()
        )
    return [row for row in rows if row.unit_id is None or row.unit_id in visible[row.user_id]]


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
