"""An import uploaded in the browser: the file, what checking it found, and how writing it went."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import UnitKind


class ImportStorage(FileSystemStorage):
    """Private storage outside the web root, at settings.IMPORT_ROOT read on each use (so a test's
    override applies); it has no URL: nothing serves these files."""

    @property
    def base_location(self):
        return str(settings.IMPORT_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("import files are private and have no URL")


def import_storage():
    return ImportStorage()


class ImportKind(models.TextChoices):
    SCORES = "scores", _("Scores of an index and year")
    RESULTS = "results", _("Published results of an index and year")
    UNITS = "units", _("Units")
    METHODOLOGY = "methodology", _("A methodology's criteria")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    REJECTED = "rejected", _("Rejected: nothing was written")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed: nothing was written")


class ImportPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking every row")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Finished")


PROBLEMS_KEPT = 1000
FINISHED = (ImportStatus.REJECTED, ImportStatus.DONE, ImportStatus.FAILED)
# A background job is working on the run: its page follows the progress.
IN_PROGRESS = (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportRun(models.Model):
    """One uploaded file: checked (a dry run) first, written only once its uploader confirms."""

    kind = models.CharField(_("what"), max_length=16, choices=ImportKind.choices)
    index = models.ForeignKey(
        "indicators.Index", verbose_name=_("index"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    # Only for a methodology import.
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices, blank=True)
    aggregation = models.CharField(_("aggregation"), max_length=16, blank=True)
    # For a methodology computed from dossiers: the DossierMeasure to give its index.
    dossier_measure = models.CharField(_("dossier measure"), max_length=32, blank=True)
    # Only for a units import, and only an administrator's: existing units may get another parent.
    allow_reparent = models.BooleanField(_("moves allowed"), default=False)
    file = models.FileField(_("file"), storage=import_storage, upload_to="%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKED)
    phase = models.CharField(_("phase"), max_length=10, choices=ImportPhase.choices, default=ImportPhase.WAITING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # [{"line": 3, "column": "PAR.1.1", "reason": "…"}], in file order.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    # All problems found; `problems` keeps the first PROBLEMS_KEPT of them.
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    # The importer's counts: {"scores": 120, "changed": 7, …}.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # Work done of the run's total: the check's pass over the rows (while checking), then the
    # write's check pass and write pass.
    progress_done = models.PositiveIntegerField(_("progress"), default=0)
    progress_total = models.PositiveIntegerField(_("progress total"), default=0)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in FINISHED

    @property
    def in_progress(self):
        return self.status in IN_PROGRESS
