from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A unit of background work, recorded in the same transaction as the change that needs it.

    The row, not the broker message, is the truth: a message lost while Redis was down is sent
    again by the periodic sweep, and a burst of changes finds the pending row for its key and
    adds nothing (one pending job per kind and key).
    """

    kind = models.CharField(_("kind"), max_length=64)
    # What coalesces: "par:2023" for a recompute of the PAR results of 2023.
    key = models.CharField(_("key"), max_length=128)
    arguments = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_changed = models.PositiveIntegerField(_("rows changed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(status="pending"), name="job_one_pending_per_kind_key"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} ({self.get_status_display()})"
