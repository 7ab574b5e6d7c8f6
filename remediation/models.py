"""Remediation plans (kế hoạch khắc phục): what a unit will do about the points it lost in a year.

The article's sharpest complaint is points lost "for many years but not remedied". A plan names,
for a unit, an index and a year, the criteria it lost points on (one item each, with the cause)
and the actions that should win them back (what, who, by when, how far, the evidence). The unit's
head or officers write it, Sở Nội vụ staff review it (units.access decides who), and the next
year's appraised score of each criterion verifies it (remediation.selectors, computed when read).
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.models import YEAR_RANGE_Q, Criterion, Index
from reformdash.lib.evidence import EvidenceStorage
from reformdash.lib.fields import precise_decimal
from units.models import Unit

_EVIDENCE = EvidenceStorage("plans")


def plan_evidence_storage():
    return _EVIDENCE


def plan_evidence_path(instance, filename):
    """<plan id>/<random>.<ext>: the name the user gave is kept in the row, never on disk."""
    return f"{instance.item.plan_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for changes")


# The unit writes its plan in these; once submitted, only the review moves it.
EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Outcome(models.TextChoices):
    """What the next year's appraised score says of a criterion in a plan (remediation.selectors)."""

    RECOVERED = "recovered", _("Recovered")
    STILL_LOSING = "still_losing", _("Still losing")
    UNKNOWN = "unknown", _("Not yet known")


class Plan(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="remediation_plans")
    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="+")
    # The year whose lost points the plan answers; the next year's scores verify it.
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("remediation plan")
        verbose_name_plural = _("remediation plans")
        ordering = ["-year", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "index", "year"], name="plan_unique_unit_index_year"),
            models.CheckConstraint(condition=YEAR_RANGE_Q, name="plan_year_in_range"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.index.code} {self.year}"

    @property
    def editable(self):
        return self.status in EDITABLE_STATUSES


class PlanItem(models.Model):
    """One criterion the plan answers, as it stood when the plan was filed."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="items")
    # The criterion of the plan's year; its code finds the same criterion in the next year's
    # methodology (codes are stable across years: indicators.ledger).
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+")
    points_lost = precise_decimal(_("points lost"))
    # Years running the criterion had lost points when the plan was filed (1: lost this year only).
    streak = models.PositiveSmallIntegerField(_("years running"), default=1)
    cause = models.TextField(_("cause"), blank=True)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "criterion__position", "criterion__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "criterion"], name="planitem_unique_criterion"),
            models.CheckConstraint(condition=Q(points_lost__gte=0), name="planitem_points_lost_not_negative"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.criterion.code}"


class PlanAction(models.Model):
    """One thing the unit will do about an item: what, who, by when, how far, and the evidence."""

    item = models.ForeignKey(PlanItem, verbose_name=_("plan item"), on_delete=models.CASCADE, related_name="actions")
    what = models.CharField(pgettext_lazy("remediation", "action"), max_length=500)
    owner = models.CharField(_("owner"), max_length=255)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    evidence_link = models.URLField(_("evidence (link)"), max_length=500, blank=True)
    # Or a file, checked as a self-assessment's evidence is (reformdash.lib.evidence), served by
    # remediation.views.action_evidence to whoever may see the unit.
    evidence_file = models.FileField(
        _("evidence (file)"), storage=plan_evidence_storage, upload_to=plan_evidence_path, max_length=255, blank=True
    )
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)
    evidence_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["item", "deadline", "pk"]
        indexes = [models.Index(fields=["deadline", "status"], name="planaction_deadline_status")]

    def __str__(self):
        return f"{self.item} · {self.what[:40]}"

    @property
    def overdue(self):
        """Past its deadline and not done (remediation.selectors.overdue_actions asks the same in SQL)."""
        return self.status != ActionStatus.DONE and self.deadline < timezone.localdate()
