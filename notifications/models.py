"""What the product tells a user, in his inbox and by e-mail (issue 20 item 3).

One table is both the inbox and the log that makes every message go out exactly once: a
Notification is unique per user and key, the key naming what it is about (an assessment step, a
week's digest, an alert on a unit and month), so a job that runs twice, or two workers that run at
once, insert it once (INSERT … ON CONFLICT DO NOTHING) and e-mail it once (`emailed_at` is claimed
by a conditional UPDATE before the mail is sent).

The text is not stored: a kind and its parameters are, put into words in the reader's language
when he reads it (notifications.texts), as audit reasons are — a job runs with no reader's language.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # The workflow of an assessment (assessments.workflow): who must act next, or whose unit moved.
    SUBMITTED = "submitted", _("An assessment was submitted for appraisal")
    RETURNED = "returned", _("An assessment was returned for changes")
    APPRAISED = "appraised", _("An assessment was appraised")
    PUBLISHED = "published", _("Results were published")
    # The weekly digest of what the user may see.
    DIGEST = "digest", _("Weekly digest")
    # Threshold alerts.
    RATE_ABOVE_TARGET = "rate_above_target", _("A unit's monthly rate missed its target")
    ACTION_OVERDUE = "action_overdue", _("A remediation action is past its deadline")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What it is about, unique per user: "step:1234", "digest:2026-W49", "rate:45:overdue:2026-11",
    # "action:77:2026-12-01". The exactly-once rule is this key (the unique constraint below).
    key = models.CharField(_("key"), max_length=200)
    # The unit it speaks of, when it speaks of one: the inbox shows it only while the user may
    # still see the unit (units.access), whatever was true when it was written.
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    # The parameters of the kind's text (notifications.texts), JSON-serialisable values only.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Where to go from it: a path of this site ("/units/xa-1/?index=par&year=2025").
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set when the e-mail is claimed for sending; None while not sent (or not to be sent).
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_user_and_key")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.user} · {self.key}"


class NotificationPreference(models.Model):
    """How a user wants one kind: in his inbox, by e-mail, both or neither. No row: the kind's
    default: both on (notifications.selectors.notification_preferences, notifications.mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    in_app = models.BooleanField(_("in the inbox"), default=True)
    by_email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_notification_preference_per_kind")]

    def __str__(self):
        return f"{self.user} · {self.kind}"
