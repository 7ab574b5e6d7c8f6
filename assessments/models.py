"""Evidence files a unit attaches to the criteria of its self-assessment.

They are kept in a private storage under settings.EVIDENCE_ROOT, outside MEDIA_ROOT and the
static files: no URL serves that directory, only assessments.views.evidence_download, which
checks that the reader may see the unit first.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models import Assessment, Criterion
from reformdash.lib.evidence import EvidenceStorage

_STORAGE = EvidenceStorage()


def evidence_storage():
    return _STORAGE


def evidence_path(instance, filename):
    """<assessment id>/<random>.<ext>: the name the user gave is kept in the row, never on disk."""
    extension = os.path.splitext(filename)[1].lower()
    return f"{instance.assessment_id}/{uuid.uuid4().hex}{extension}"


class EvidenceFile(models.Model):
    """A file attached by a unit as evidence for one criterion of its self-assessment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="evidence_files"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="evidence_files"
    )
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["assessment", "criterion", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name
