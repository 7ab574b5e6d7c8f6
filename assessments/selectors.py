"""Reads of the scoring workflow's pages: the worklists, the assessment sheet and its history."""

import dataclasses

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404

from assessments.models import EvidenceFile
from indicators.models import Assessment, AssessmentStatus, AssessmentStep, Criterion, CriterionKind, Methodology
from units.access import Action as Access
from units.access import units_allowed, units_visible_to
from units.models import Membership


def assessment_visible_or_404(*, user, assessment_id):
    """The assessment if the user may see its unit (units_visible_to); 404 otherwise."""
    assessment = (
        Assessment.objects.select_related("unit", "methodology__index")
        .filter(pk=assessment_id, unit__in=units_visible_to(user=user))
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def _with_last_step(queryset):
    last = AssessmentStep.objects.filter(assessment=OuterRef("pk")).order_by("-at", "-pk")
    return queryset.annotate(
        last_step_at=Subquery(last.values("at")[:1]),
        last_step_to=Subquery(last.values("to_status")[:1]),
        last_step_by=Subquery(last.values("user__username")[:1]),
    )


def member_assessments(*, user):
    """The assessments of the units the user is a member of: those units exactly, not those under them."""
    units = Membership.objects.filter(user=user).values("unit_id")
    queryset = Assessment.objects.filter(unit_id__in=units).select_related("unit", "methodology__index")
    return _with_last_step(queryset).order_by("-methodology__year", "methodology__index__code", "unit__name")


def methodologies_to_start(*, user):
    """[(unit, methodology)] the user may start a self-assessment for: the methodologies of his
    units' kinds (for years the unit existed) that have self-assessed criteria and no assessment of
    the unit yet. The user's officer or head units only; a handful, so one query per unit."""
    self_assessed = Criterion.objects.filter(
        methodology=OuterRef("pk"), kind=CriterionKind.SELF_ASSESSED, children__isnull=True
    )
    units = units_allowed(user=user, action=Access.ENTER_SELF_ASSESSMENT).order_by("name")
    pairs = []
    for unit in units:
        methodologies = (
            Methodology.objects.filter(unit_kind=unit.kind)
            .filter(Exists(self_assessed))
            .exclude(assessments__unit=unit)
            .select_related("index")
            .order_by("-year", "index__code")
        )
        pairs.extend((unit, m) for m in methodologies if _valid_in(unit, m.year))
    return pairs


def _valid_in(unit, year):
    """As units.selectors.valid_in_year_q, on a unit already loaded."""
    return (unit.valid_from is None or unit.valid_from.year <= year) and (
        unit.valid_to is None or unit.valid_to.year >= year
    )


def assessments_filtered(*, user, year=None, index=None, status=None):
    """Every assessment the user may see, optionally of one year, index and status."""
    queryset = Assessment.objects.filter(unit__in=units_visible_to(user=user)).select_related(
        "unit", "methodology__index"
    )
    if year:
        queryset = queryset.filter(methodology__year=year)
    if index is not None:
        queryset = queryset.filter(methodology__index=index)
    if status:
        queryset = queryset.filter(status=status)
    return _with_last_step(queryset).order_by("-methodology__year", "methodology__index__code", "unit__name")


def methodology_status_counts():
    """Every methodology with assessments, with how many are in each status (one query)."""
    counts = {
        f"n_{status}": Count("assessments", filter=Q(assessments__status=status)) for status in AssessmentStatus.values
    }
    return (
        Methodology.objects.select_related("index")
        .annotate(n_total=Count("assessments"), **counts)
        .filter(n_total__gt=0)
        .order_by("-year", "index__code", "unit_kind")
    )


@dataclasses.dataclass
class SheetLine:
    """One line of the assessment page: an area (a heading) or a leaf criterion (a score)."""

    criterion: Criterion
    depth: int
    is_leaf: bool
    score: object = None  # the Score, or None when nothing was entered
    files: list = dataclasses.field(default_factory=list)


def assessment_sheet(*, assessment):
    """The year's criterion tree for the assessment, depth first, with the scores and evidence files
    of each leaf: three queries whatever the size of the tree."""
    criteria = list(Criterion.objects.filter(methodology_id=assessment.methodology_id).order_by("position", "code"))
    children = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)
    scores = {score.criterion_id: score for score in assessment.scores.all()}
    files = {}
    for evidence in EvidenceFile.objects.filter(assessment=assessment).order_by("uploaded_at", "pk"):
        files.setdefault(evidence.criterion_id, []).append(evidence)
    lines = []
    stack = [(criterion, 0) for criterion in reversed(children.get(None, []))]
    seen = set()
    while stack:
        criterion, depth = stack.pop()
        if criterion.pk in seen:  # a cycle in bad data must not loop forever
            continue
        seen.add(criterion.pk)
        below = children.get(criterion.pk, [])
        lines.append(
            SheetLine(
                criterion=criterion,
                depth=depth,
                is_leaf=not below,
                score=scores.get(criterion.pk),
                files=files.get(criterion.pk, []),
            )
        )
        stack.extend((child, depth + 1) for child in reversed(below))
    return lines


def unscored_lines(lines):
    """(self, final): the codes of the sheet's leaf criteria not scored at each stage, as
    assessments.workflow's completeness rule reads them, from the lines already loaded.

    self: self-assessed criteria with neither a self score nor a not applicable mark; final:
    criteria that accepting the page as it stands would leave without an appraised score — none
    entered, no self score to start the input with (SheetForm), and not marked not applicable
    with its reason."""
    unscored_self, unscored_final = [], []
    for line in lines:
        criterion, score = line.criterion, line.score
        if not line.is_leaf or criterion.max_points <= 0:
            continue
        not_applicable = score is not None and score.not_applicable
        if criterion.kind == CriterionKind.SELF_ASSESSED and not (
            not_applicable or (score is not None and score.self_score is not None)
        ):
            unscored_self.append(criterion.code)
        has_value = score is not None and (score.final_score is not None or score.self_score is not None)
        if not ((not_applicable and score.note) or has_value):
            unscored_final.append(criterion.code)
    return unscored_self, unscored_final


def assessment_steps(*, assessment):
    return assessment.steps.select_related("user").order_by("at", "pk")


def evidence_of_or_404(*, assessment, evidence_id):
    evidence = EvidenceFile.objects.filter(assessment=assessment, pk=evidence_id).first()
    if evidence is None:
        raise Http404("No such evidence file.")
    return evidence
