"""E-mail of notifications: each one at most once (claimed by a conditional UPDATE before it is
sent, released if the sending fails so the next run tries again), by Django's mail backend
(settings: console by default, SMTP in production)."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from notifications.models import Notification, NotificationPreference
from notifications.texts import render

logger = logging.getLogger(__name__)

# A notification older than this when the sender first sees it is not mailed: a user who turns
# e-mail on does not receive his whole history.
MAIL_WITHIN = datetime.timedelta(days=2)


def _mail_refused():
    """Notifications whose user turned e-mail off for their kind (no preference row: e-mail on)."""
    return Exists(
        NotificationPreference.objects.filter(user_id=OuterRef("user_id"), kind=OuterRef("kind"), by_email=False)
    )


def mail_pending(*, now=None):
    """Notifications to mail: not yet claimed, recent, to an active user with an address who has not
    turned e-mail off for the kind."""
    now = now or timezone.now()
    return (
        Notification.objects.filter(emailed_at__isnull=True, created_at__gte=now - MAIL_WITHIN, user__is_active=True)
        .exclude(Q(user__email="") | Q(user__email__isnull=True))
        .exclude(_mail_refused())
        .select_related("user")
        .order_by("id")
    )


def _message(notification, connection):
    with translation.override(settings.LANGUAGE_CODE):
        words = render(notification)
    link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
    body = "\n\n".join(part for part in (words.body, link) if part)
    return EmailMessage(subject=words.subject, body=body, to=[notification.user.email], connection=connection)


def mail_send_pending(*, now=None, limit=500):
    """Mail up to `limit` pending notifications; returns how many were sent. Safe to run twice at
    once: a row goes out only from the run whose UPDATE claimed it."""
    sent = 0
    connection = get_connection()
    with connection:
        for notification in mail_pending(now=now)[:limit]:
            claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if not claimed:
                continue
            try:
                _message(notification, connection).send()
            except Exception:  # noqa: BLE001 (any failure of the mail server: released for the next run)
                logger.exception("notification %s: mail not sent", notification.pk)
                Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
                continue
            sent += 1
    return sent
