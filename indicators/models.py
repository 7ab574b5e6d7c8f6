import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossiers.measures import DossierMeasure
from reformdash.lib.fields import precise_decimal
from units.models import Unit, UnitKind

YEAR_RANGE_Q = Q(year__gte=1990) & Q(year__lte=2100)


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ValueUnit(models.TextChoices):
    PERCENT = "percent", "%"
    POINTS = "points", _("points")


class Index(models.Model):
    """An index units are scored and ranked on: PAR Index, SIPAS, the 766 index, PCI, …"""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    value_unit = models.CharField(_("value unit"), max_length=8, choices=ValueUnit.choices, default=ValueUnit.PERCENT)
    description = models.TextField(_("description"), blank=True)
    # For an index computed from dossiers (methodology aggregation `dossiers`): which rate it is
    # (dossiers.measures holds what each is; the index's own `direction` ranks it).
    dossier_measure = models.CharField(_("dossier measure"), max_length=32, choices=DossierMeasure.choices, blank=True)

    class Meta:
        verbose_name = _("index")
        verbose_name_plural = _("indices")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name in the page's language, Vietnamese when there is no English one."""
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


# The index a page opens on when the reader names none (rankings, the overview's open group, a
# scorecard): the PAR Index, the province's headline. Without one, the first index by code. Not
# simply the first by code: the 766 index ("dvc766") sorts before "par" (issue 19).
DEFAULT_INDEX_CODE = "par"


def index_default_order(prefix=""):
    """order_by() terms putting the default index first, then the others by code; `prefix`
    reaches the index through a relation ("index__")."""
    default_first = Case(When(**{f"{prefix}code": DEFAULT_INDEX_CODE}, then=Value(0)), default=Value(1))
    return (default_first, f"{prefix}code")


def index_default_key(index):
    """The same order in Python, for indices already read: a sort key."""
    return (index.code != DEFAULT_INDEX_CODE, index.code)


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum of points ÷ applicable maximum")
    WEIGHTED = "weighted", _("Weighted sum of components")
    MEAN = "mean", _("Mean of components")
    PUBLISHED = "published", _("Published value, not computed")
    DOSSIERS = "dossiers", _("Computed from dossier statistics")


class Methodology(models.Model):
    """How an index is scored for one kind of unit in one year: its criteria tree and composite rule."""

    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="methodologies")
    year = models.PositiveSmallIntegerField(_("year"))
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices)
    aggregation = models.CharField(_("aggregation"), max_length=16, choices=Aggregation.choices)
    decision_reference = models.CharField(
        _("decision reference"), max_length=255, blank=True, help_text=_("e.g. Quyết định 876/QĐ-BNV ngày 10/11/2022")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("methodology")
        verbose_name_plural = _("methodologies")
        ordering = ["index", "-year", "unit_kind"]
        constraints = [
            models.UniqueConstraint(fields=["index", "year", "unit_kind"], name="methodology_unique_index_year_kind"),
            models.CheckConstraint(condition=YEAR_RANGE_Q, name="methodology_year_in_range"),
        ]

    def __str__(self):
        return f"{self.index.code} {self.year} · {self.get_unit_kind_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.aggregation == Aggregation.DOSSIERS and self.index_id and not self.index.dossier_measure:
            raise ValidationError(
                {"aggregation": _("The index names no dossier measure, so it cannot be computed from dossiers.")}
            )


class CriterionKind(models.TextChoices):
    SELF_ASSESSED = "self_assessed", _("Self-assessed")
    SURVEY = "survey", _("Survey")


class Criterion(models.Model):
    """An area, criterion or sub-criterion of a methodology, with its maximum points and weight."""

    methodology = models.ForeignKey(
        Methodology, verbose_name=_("methodology"), on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # The same code in two years' methodologies is the same criterion: that is how points lost
    # year after year are found even when the tree is re-issued.
    code = models.CharField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    max_points = precise_decimal(_("maximum points"))
    weight = precise_decimal(_("weight"), null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CriterionKind.choices, default=CriterionKind.SELF_ASSESSED
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["methodology", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["methodology", "code"], name="criterion_unique_code"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="criterion_max_points_not_negative"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0), name="criterion_weight_not_negative"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="criterion_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.methodology_id != self.methodology_id:
            raise ValidationError({"parent": _("The parent criterion belongs to another methodology.")})


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPRAISED = "appraised", _("Appraised")
    PUBLISHED = "published", _("Published")


class Assessment(models.Model):
    """One unit's scores under one methodology (index, year, unit kind), and where they stand."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments")
    methodology = models.ForeignKey(
        Methodology, verbose_name=_("methodology"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # Bumped by every save of the workflow (assessments.workflow): a save names the version it
    # loaded, and a compare-and-swap on it turns a concurrent edit into a conflict, not a lost update.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["methodology", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "methodology"], name="assessment_unique_unit_methodology")
        ]

    def __str__(self):
        return f"{self.unit} · {self.methodology}"


class Score(models.Model):
    """A unit's score on one criterion: what it claimed, what the appraisal council granted.

    Besides the checks below, database triggers (migration 0002) refuse a score above the
    criterion's maximum and a criterion from another methodology than the assessment's.
    """

    # No index of its own: the unique (assessment, criterion) serves every lookup by assessment, and
    # an import rewrites each index of every score it changes.
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    self_score = precise_decimal(_("self-assessed score"), null=True, blank=True)
    final_score = precise_decimal(_("appraised score"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    note = models.TextField(_("note"), blank=True)
    appraisal_reason = models.TextField(_("reason for the appraised score"), blank=True)
    # The assessment version this score last changed in: what a conflicting save shows as
    # "changed since you loaded it".
    changed_in_version = models.PositiveIntegerField(_("changed in version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "criterion__position", "criterion__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_unique_assessment_criterion"),
            models.CheckConstraint(
                condition=Q(self_score__isnull=True) | Q(self_score__gte=0), name="score_self_score_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0), name="score_final_score_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | Q(final_score__isnull=True),
                name="score_not_applicable_has_no_score",
                violation_error_message=_("A criterion marked not applicable cannot have a score."),
            ),
        ]

    def __str__(self):
        return f"{self.assessment.unit} · {self.criterion.code}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        criterion = self.criterion if self.criterion_id else None
        if criterion is not None:
            for field in ("self_score", "final_score"):
                value = getattr(self, field)
                if value is not None and value > criterion.max_points:
                    errors[field] = _("The score is above the criterion's maximum of %(max)s.") % {
                        "max": number_format(criterion.max_points.normalize())
                    }
            if self.assessment_id and criterion.methodology_id != self.assessment.methodology_id:
                errors["criterion"] = _("The criterion belongs to another methodology than the assessment.")
        if errors:
            raise ValidationError(errors)


class Band(models.Model):
    """A classification band (Xuất sắc, Tốt, …; A, B) and its value range for an index, year and unit kind."""

    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.CASCADE, related_name="bands")
    year = models.PositiveSmallIntegerField(_("year"))
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=64)
    # The range is [min_value, max_value): a value equal to a threshold belongs to the band it opens.
    min_value = precise_decimal(_("from (inclusive)"), null=True, blank=True)
    max_value = precise_decimal(_("below (exclusive)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["index", "-year", "unit_kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["index", "year", "unit_kind", "name"], name="band_unique_name"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=False) | Q(max_value__isnull=False),
                name="band_has_a_bound",
                violation_error_message=_("A band needs a lower or an upper bound."),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lt=F("max_value")),
                name="band_min_below_max",
                violation_error_message=_("A band's lower bound must be below its upper bound."),
            ),
            models.CheckConstraint(condition=YEAR_RANGE_Q, name="band_year_in_range"),
        ]

    def __str__(self):
        return self.name


class ResultSource(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    PUBLISHED = "published", _("Published")


class Result(models.Model):
    """A unit's value and rank on an index in a year: computed from scores, or published by a decision.

    Every recompute rewrites a year's rows, so they carry only the indexes that reads use: the
    unique (unit, index, year) serves the lookups by unit, (index, year) those by index, and
    the rank, rewritten by every recompute, is in none (maintaining the others was a tenth of a
    recompute's time from nothing; bench/README.md)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="results", db_index=False
    )
    index = models.ForeignKey(
        Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="results", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Empty only for a published result that gave a rank without its value.
    value = precise_decimal(_("value"), null=True, blank=True)
    points = precise_decimal(_("points"), null=True, blank=True)
    applicable_max = precise_decimal(_("applicable maximum"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ResultSource.choices, default=ResultSource.COMPUTED)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    group_size = models.PositiveIntegerField(_("group size"), null=True, blank=True)
    previous_rank = models.PositiveIntegerField(_("previous year's rank"), null=True, blank=True)
    # The group of the rank, and whether last year's rank was among a comparable group
    # (docs/design.md §4, "Comparable ranks"): all three are written by the recompute's ranking
    # UPDATE (indicators.recompute), never by hand.
    group_parent = models.ForeignKey(
        Unit,
        verbose_name=_("group's parent unit"),
        help_text=_("The parent unit the result was ranked under, as it was when ranked."),
        null=True,
        blank=True,
        # A record of the past, not a link to keep in step: a unit deleted later leaves the id.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    previous_group_size = models.PositiveIntegerField(_("previous year's group size"), null=True, blank=True)
    rank_comparable = models.BooleanField(
        _("comparable with the previous year's rank"),
        null=True,
        blank=True,
        help_text=_("Empty without a rank in both years."),
    )
    band = models.ForeignKey(
        Band, verbose_name=_("band"), null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    # When the rest of the group is not in the system (the province among 63), the published
    # rank is all there is: it is kept here and shown instead of a computed one.
    official_rank = models.PositiveIntegerField(_("official rank"), null=True, blank=True)
    official_group_size = models.PositiveIntegerField(_("official group size"), null=True, blank=True)
    # Set when a publication made this result official (assessments.workflow.methodology_publish).
    publication = models.ForeignKey(
        "Publication",
        verbose_name=_("publication"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results",
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["index", "-year", "rank"]
        indexes = [models.Index(fields=["index", "year"], name="result_index_year")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "index", "year"], name="result_unique_unit_index_year"),
            models.CheckConstraint(condition=YEAR_RANGE_Q, name="result_year_in_range"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(source=ResultSource.PUBLISHED),
                name="result_computed_has_value",
                violation_error_message=_("Only a published result may lack a value."),
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True)
                | (Q(rank__gte=1) & Q(group_size__isnull=False) & Q(group_size__gte=F("rank"))),
                name="result_rank_within_group",
                violation_error_message=_("A rank must be between 1 and the group size."),
            ),
            models.CheckConstraint(
                condition=Q(official_rank__isnull=True)
                | (
                    Q(official_rank__gte=1)
                    & Q(official_group_size__isnull=False)
                    & Q(official_group_size__gte=F("official_rank"))
                ),
                name="result_official_rank_within_group",
                violation_error_message=_("An official rank must be between 1 and the official group size."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.index.code} {self.year}"

    @property
    def shown_rank(self):
        """The official rank when one was published, else the computed one."""
        return self.official_rank or self.rank

    @property
    def shown_group_size(self):
        return self.official_group_size or self.group_size

    @property
    def rank_change(self):
        """Places gained since last year (positive = moved up), or None without both ranks or
        when last year's group is not comparable with this year's (rank_comparable)."""
        if self.previous_rank is None or self.shown_rank is None or not self.rank_comparable:
            return None
        return self.previous_rank - self.shown_rank

    @property
    def rank_not_comparable(self):
        """True when there is last year's rank but among a group not comparable with this year's:
        the pages then show both ranks with their group sizes and no arrow."""
        return self.previous_rank is not None and self.rank_comparable is False


class AssessmentStep(models.Model):
    """One move of an assessment through the workflow: who, when, from where to where, and why."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="steps"
    )
    from_status = models.CharField(_("from status"), max_length=16, choices=AssessmentStatus.choices)
    to_status = models.CharField(_("to status"), max_length=16, choices=AssessmentStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("assessment step")
        verbose_name_plural = _("assessment steps")
        ordering = ["assessment", "at", "pk"]

    def __str__(self):
        return f"{self.assessment} · {self.from_status} → {self.to_status}"


# "Quyết định", "QUYẾT ĐỊNH", "Decision" at the start of a reference, with what follows it (":", ".").
_LEADING_DECISION_WORD = re.compile(r"^(?:quyết\s+định|decision)\b[\s:.]*", re.IGNORECASE)


class Publication(models.Model):
    """A decision publishing a methodology's appraised assessments: their results become official."""

    methodology = models.ForeignKey(
        Methodology, verbose_name=_("methodology"), on_delete=models.PROTECT, related_name="publications"
    )
    number = models.PositiveIntegerField(_("number"))
    published_on = models.DateField(_("published on"))
    published_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    decision_reference = models.CharField(_("decision reference"), max_length=255)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The codes of the group's units the decision was published without (no assessment, not
    # appraised, or a criterion not scored): the administrator chose to publish without them.
    units_left_out = models.JSONField(_("units left out"), default=list, blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["methodology", "number"]
        constraints = [models.UniqueConstraint(fields=["methodology", "number"], name="publication_unique_number")]

    def __str__(self):
        return f"{self.methodology} · {self.decision_reference}"

    @property
    def decision_number(self):
        """The reference without a leading "Quyết định" or "Decision", for the sentences that say
        "theo quyết định …" themselves: a reference typed as "Quyết định 12/QĐ-UBND" read
        "theo quyết định Quyết định 12/QĐ-UBND" on every page. "Quyết định số 12" keeps its "số"."""
        reference = unicodedata.normalize("NFC", self.decision_reference).strip()
        return _LEADING_DECISION_WORD.sub("", reference, count=1) or reference


class ResultRevision(models.Model):
    """A result as one publication made it official: corrections add revisions, earlier ones stay readable."""

    result = models.ForeignKey(Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="revisions")
    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    value = precise_decimal(_("value"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    group_size = models.PositiveIntegerField(_("group size"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("result revision")
        verbose_name_plural = _("result revisions")
        ordering = ["result", "number"]
        constraints = [models.UniqueConstraint(fields=["result", "number"], name="result_revision_unique_number")]

    def __str__(self):
        return f"{self.result} · {self.number}"


class Target(models.Model):
    """What a unit, or every unit of a group, should reach on an index in a year: a value (PAR ≥
    90 %; an overdue rate ≤ 2 %: "at least" or "at most" as the index's direction says) or a rank
    (in the top 20 of its group), or both. Set by administrators.

    A target of a group (a kind of unit under a parent: "the wards of Đà Nẵng"; no parent: every
    unit of the kind) is cascaded to each of its units that has no target of its own: a unit's
    own target wins, then its group's, then its kind's (indicators.targets)."""

    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
        help_text=_("A target of one unit. Leave empty for a target of a group (kind and parent)."),
    )
    unit_kind = models.CharField(
        _("unit kind"),
        max_length=16,
        choices=UnitKind.choices,
        blank=True,
        help_text=_("A target of every unit of this kind (under the parent, if given) without a target of its own."),
    )
    parent = models.ForeignKey(
        Unit,
        verbose_name=_("under"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="group_targets",
        help_text=_("The group's parent unit; empty: every unit of the kind."),
    )
    value = precise_decimal(
        _("value"),
        null=True,
        blank=True,
        help_text=_("At least this value where higher is better, at most where lower is better."),
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True, help_text=_("This rank or better."))
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["index", "-year", "unit_kind", "unit"]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE_Q, name="target_year_in_range"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(rank__isnull=False),
                name="target_has_value_or_rank",
                violation_error_message=_("A target needs a value, a rank or both."),
            ),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1), name="target_rank_positive"),
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(unit_kind="") & Q(parent__isnull=True))
                | (Q(unit__isnull=True) & ~Q(unit_kind="")),
                name="target_of_a_unit_or_a_group",
                violation_error_message=_(
                    "A target is of one unit, or of a group: a kind of unit and, if any, its parent."
                ),
            ),
            models.UniqueConstraint(
                fields=["index", "year", "unit"], condition=Q(unit__isnull=False), name="target_unique_unit"
            ),
            models.UniqueConstraint(
                fields=["index", "year", "unit_kind", "parent"],
                condition=Q(unit__isnull=True, parent__isnull=False),
                name="target_unique_group",
            ),
            models.UniqueConstraint(
                fields=["index", "year", "unit_kind"],
                condition=Q(unit__isnull=True, parent__isnull=True),
                name="target_unique_kind",
            ),
        ]

    def __str__(self):
        whom = self.unit or f"{self.get_unit_kind_display()}{f' · {self.parent}' if self.parent_id else ''}"
        return f"{self.index.code} {self.year} · {whom}"
