"""Reading notifications: a user's inbox, its unread count for the header, his preferences.

What the inbox shows is decided when it is read, not when it was written: only the kinds the user
keeps in his inbox, and only about units he may still see (units.access), so a notification of a
unit he has since lost sight of says nothing of it any more."""

from django.db.models import Q

from notifications.models import Kind, Notification, NotificationPreference
from units.access import unit_visible_q


def inbox(*, user):
    """The user's notifications as the inbox shows them, newest first."""
    hidden_kinds = NotificationPreference.objects.filter(user=user, in_app=False).values("kind")
    return (
        Notification.objects.filter(user=user)
        .exclude(kind__in=hidden_kinds)
        .filter(Q(unit__isnull=True) | unit_visible_q(user=user, field="unit"))
        .order_by("-created_at", "-id")
    )


# The badge says "99+" past this: reading at most this many ids keeps its one query bounded.
UNREAD_SHOWN = 99


def unread_count(*, user):
    """How many of the inbox's notifications are unread, up to UNREAD_SHOWN + 1: one query (the
    header's badge), which reads at most that many ids of the (user, read_at) index."""
    if not user.is_authenticated:
        return 0
    return len(inbox(user=user).filter(read_at__isnull=True).values_list("pk", flat=True)[: UNREAD_SHOWN + 1])


def notification_preferences(*, user):
    """[(kind, label, in_app, by_email)] for every kind, the defaults (both on) where the user chose nothing."""
    chosen = {
        kind: (in_app, by_email)
        for kind, in_app, by_email in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "in_app", "by_email"
        )
    }
    return [(kind, label, *chosen.get(kind, (True, True))) for kind, label in Kind.choices]
