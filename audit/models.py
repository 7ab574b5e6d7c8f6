"""The audit trail: who changed what, when, from what to what, and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.reasons import reason_text


class AuditSource(models.TextChoices):
    WEB = "web", _("Web page")
    ADMIN = "admin", _("Administration")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    COMMAND = "command", _("Command line")


class AuditEntry(models.Model):
    """One change. Written only by audit.services, inside the transaction of the change it records,
    so a rolled-back change leaves no entry."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # The user, unit and criterion carry no foreign key constraint in the database (db_constraint):
    # PostgreSQL checks a deferred constraint row by row at the commit, and an import's 100,000
    # entries spent 0.8 s of its 3 s of PostgreSQL CPU there (issue 22). The entries are written by
    # audit.services alone, with ids of rows just read or written; a user, unit or criterion deleted
    # through Django still leaves its entries with NULL (on_delete runs in Django, not the database).
    # Nullable: imports run from the command line have no user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("user"),
    )
    # Indexed in Meta, not by db_index: that adds a LIKE index (varchar_pattern_ops) on PostgreSQL,
    # and nothing searches the trail by a prefix of an action or batch.
    action = models.CharField(_("action"), max_length=40)
    object_label = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Kept (SET_NULL) when a unit or criterion is deleted would lose the context; PROTECT would block
    # deleting them at all, so the trail keeps the ids in object_id and changes instead. No index of
    # their own: the (unit, at) and (criterion, at) indexes below serve every lookup by either.
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
        verbose_name=_("unit"),
    )
    criterion = models.ForeignKey(
        "indicators.Criterion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
        verbose_name=_("criterion"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # A person's words, as written (an appraiser's reason, a decision's reference).
    reason = models.TextField(_("reason"), blank=True)
    # A reason our own code gives, put into words when read, in the reader's language (audit.reasons).
    reason_code = models.CharField(_("reason code"), max_length=60, blank=True)
    reason_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    batch = models.CharField(_("batch"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AuditSource.choices, default=AuditSource.WEB)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        # Every entry of an import writes each index: 11 indexes were 4.0–4.8 s of 100,000 entries,
        # these 7 2.8–3.0 s (issue 22, the score import's audit on PostgreSQL).
        indexes = [
            models.Index(fields=["unit", "at"]),
            models.Index(fields=["criterion", "at"]),
            models.Index(fields=["action"], name="audit_entry_action"),
            models.Index(fields=["batch"], name="audit_entry_batch"),
        ]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_label}#{self.object_id}"

    @property
    def reason_shown(self):
        """The reason in the reader's language: the person's words and our code's (audit.reasons)."""
        return reason_text(self.reason, self.reason_code, self.reason_params)
