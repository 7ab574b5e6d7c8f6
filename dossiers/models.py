from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit


class DossierStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("Postal")


class SourceSystem(models.Model):
    """A one-stop system that sends dossiers; it authenticates with a token of its own."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # SHA-256 of the token: the token itself is shown once, when it is issued, and never stored.
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, db_index=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Untick to revoke its token."))
    # What its token may write (issue 21): the dossiers of `units` and every unit under them, or of
    # any unit for the province's own system. Neither: it writes nothing. Sources registered before
    # this were given all_units by the migration, so none stopped working unseen.
    all_units = models.BooleanField(
        _("every unit"),
        default=False,
        help_text=_("The province's own one-stop system: it may send the dossiers of any unit."),
    )
    units = models.ManyToManyField(
        "units.Unit",
        verbose_name=_("units served"),
        blank=True,
        related_name="+",
        help_text=_("It may send the dossiers of these units and of every unit under them."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Dossier(models.Model):
    """One administrative-procedure dossier (hồ sơ TTHC) as the one-stop system recorded it."""

    source = models.CharField(_("source system"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=64)
    # No index of its own: four below lead with the unit, and an import writes every index.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    procedure_code = models.CharField(_("procedure code"), max_length=64, blank=True)
    procedure_name = models.CharField(_("procedure name"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=DossierStatus.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    fully_online = models.BooleanField(_("fully online"), default=False)
    fee_required = models.BooleanField(_("fee required"), default=False)
    paid_online = models.BooleanField(_("paid online"), default=False)
    supplement_requests = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    supplement_days = models.DecimalField(
        _("days waiting for the citizen"),
        max_digits=7,
        decimal_places=2,
        default=0,
        help_text=_("Time the dossier waited for the citizen to supplement it; it does not count."),
    )
    result_entered = models.BooleanField(_("result entered in the one-stop system"), default=False)
    # Derived when the dossier is written (dossiers.measures), so the monthly statistics compare
    # plain columns and never compute a month or a date difference on every row.
    received_month = models.PositiveIntegerField(_("month received (yyyymm)"))
    completed_month = models.PositiveIntegerField(_("month completed (yyyymm)"), null=True, blank=True)
    effective_completed_at = models.DateTimeField(
        _("completed at, less the citizen's supplement time"), null=True, blank=True
    )
    # What a pending dossier is judged against (dossiers.measures.effective_due).
    effective_due_at = models.DateTimeField(_("due at, plus the citizen's supplement time"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="dossier_unique_source_external_id"),
            models.CheckConstraint(condition=Q(supplement_days__gte=0), name="dossier_supplement_days_not_negative"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=models.F("received_at")),
                name="dossier_completed_after_received",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "received_month"], name="dossier_unit_received_month"),
            models.Index(fields=["unit", "completed_month"], name="dossier_unit_completed_month"),
            models.Index(fields=["unit", "received_at", "completed_at"], name="dossier_unit_open_interval"),
            # The monthly statistics' stock: what is still open (NULL) or completed after a month's end.
            models.Index(fields=["unit", "completed_at"], name="dossier_unit_completed_at"),
        ]

    def __str__(self):
        return f"{self.source}:{self.external_id}"


class Scope(models.TextChoices):
    OWN = "own", _("The unit's own dossiers")
    TOTAL = "total", _("With the units under it")


class DossierMonth(models.Model):
    """A unit's dossier statistics for one month: what came in and finished during it (flows) and
    what was still pending at its end (stock). Written only by the statistics job."""

    # No index of its own: the unique (unit, month, scope) leads with it.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="dossier_months", db_index=False
    )
    month = models.PositiveIntegerField(_("month (yyyymm)"))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    received = models.PositiveIntegerField(_("received"), default=0)
    received_online = models.PositiveIntegerField(_("received online"), default=0)
    received_fully_online = models.PositiveIntegerField(_("received fully online"), default=0)
    received_with_fee = models.PositiveIntegerField(_("received with a fee"), default=0)
    paid_online = models.PositiveIntegerField(_("paid online"), default=0)
    completed_on_time = models.PositiveIntegerField(_("completed on time"), default=0)
    completed_late = models.PositiveIntegerField(_("completed late"), default=0)
    completed_result_entered = models.PositiveIntegerField(_("completed with the result entered"), default=0)
    returned_on_time = models.PositiveIntegerField(_("returned or stopped on time"), default=0)
    returned_late = models.PositiveIntegerField(_("returned or stopped late"), default=0)
    pending_on_time = models.PositiveIntegerField(_("pending on time at month end"), default=0)
    pending_overdue = models.PositiveIntegerField(_("pending overdue at month end"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("monthly dossier statistics")
        verbose_name_plural = _("monthly dossier statistics")
        ordering = ["unit", "-month", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "scope"], name="dossiermonth_unique_unit_month_scope"),
        ]
        indexes = [
            models.Index(fields=["month", "scope"], name="dossiermonth_month_scope"),
            # Every dossier page shows when the statistics were last computed (the latest
            # computed_at): one look into this index, not a scan of every unit-month of the history.
            models.Index(fields=["computed_at"], name="dossiermonth_computed_at"),
        ]

    def __str__(self):
        return f"{self.unit} {self.month} ({self.scope})"


class DossierMonthDirty(models.Model):
    """A unit-month whose own statistics a new or changed dossier made stale; the statistics job
    recomputes it (and its parents' totals) and deletes the row."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="dossiermonthdirty_unique")]

    def __str__(self):
        return f"{self.unit_id} {self.month}"


class DossierAdded(models.Model):
    """A dossier an import created since the statistics job last ran. The job adds what the dossier
    counts in to the stored unit-months (dossiers/stats.py) instead of recounting them, so a day's
    new dossiers cost what they count, not what their months hold. Changed and deleted dossiers
    are marked with DossierMonthDirty instead and recounted."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, primary_key=True, related_name="+")

    def __str__(self):
        return str(self.dossier_id)


class StatsMonth(models.Model):
    """A month the statistics job running now counts (dossiers/stats.py): its yyyymm, its end and
    the moment its pending dossiers are judged at. Filled anew by each job under the statistics
    lock, read by its GROUP BY. A table of its own rather than a temporary one: PostgreSQL's
    parallel workers cannot read another session's temporary table, and the full job's count
    over every dossier is worth two of them (bench/README.md)."""

    month = models.PositiveIntegerField(primary_key=True)
    end_at = models.DateTimeField()
    at = models.DateTimeField(db_column="at_")

    def __str__(self):
        return str(self.month)
