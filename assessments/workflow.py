"""The scoring workflow: self-assessment, appraisal, publication and reopening (issue 6).

    draft → submitted → (returned → submitted …) → appraised → published → (reopen) → appraised

A unit's officers and head enter self scores while the assessment is a draft or returned, and
submit it; appraisers set final scores on a submitted assessment, return it or accept it; an
administrator publishes a methodology's appraised assessments and reopens a published one with
a reason. Every service runs in one transaction, records an AssessmentStep for a move, writes
the audit trail and asks for the results to be recomputed when final scores change.

No lost updates: a save names the assessment version the user loaded, and a compare-and-swap
UPDATE … WHERE version = loaded either takes it or raises ConflictError with the scores changed
since, so the page can show them; nothing is overwritten silently.
"""

import dataclasses
import enum
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.signals import steps_recorded
from audit.services import audit_record, audit_record_many, new_batch
from indicators.models import (
    Assessment,
    AssessmentStatus,
    AssessmentStep,
    Criterion,
    CriterionKind,
    Publication,
    Result,
    ResultRevision,
    Score,
)
from indicators.recompute import results_recompute
from indicators.services import results_recompute_request
from reformdash.lib.fields import STORED_QUANTUM
from units.access import Action as Access
from units.access import may
from units.selectors import units_valid_in, units_valid_on, year_bounds

S = AssessmentStatus


class Action(enum.StrEnum):
    SELF_SCORES = "self_scores"
    SUBMIT = "submit"
    APPRAISAL_SCORES = "appraisal_scores"
    RETURN = "return"
    APPRAISE = "appraise"
    PUBLISH = "publish"
    REOPEN = "reopen"


# Who (by role) may do what, and from which statuses.
UNIT_ACTIONS = {Action.SELF_SCORES, Action.SUBMIT}
APPRAISER_ACTIONS = {Action.APPRAISAL_SCORES, Action.RETURN, Action.APPRAISE}
ADMIN_ACTIONS = {Action.PUBLISH, Action.REOPEN}
FROM_STATUSES = {
    Action.SELF_SCORES: {S.DRAFT, S.RETURNED},
    Action.SUBMIT: {S.DRAFT, S.RETURNED},
    # Also once appraised, until published: that is how the council corrects a reopened assessment.
    Action.APPRAISAL_SCORES: {S.SUBMITTED, S.APPRAISED},
    Action.RETURN: {S.SUBMITTED},
    Action.APPRAISE: {S.SUBMITTED},
    Action.PUBLISH: {S.APPRAISED},
    Action.REOPEN: {S.PUBLISHED},
}
TO_STATUS = {
    Action.SUBMIT: S.SUBMITTED,
    Action.RETURN: S.RETURNED,
    Action.APPRAISE: S.APPRAISED,
    Action.PUBLISH: S.PUBLISHED,
    Action.REOPEN: S.APPRAISED,
}
AUDIT_ACTION = {
    Action.SUBMIT: "assessment.submit",
    Action.RETURN: "assessment.return",
    Action.APPRAISE: "assessment.appraise",
    Action.PUBLISH: "assessment.publish",
    Action.REOPEN: "assessment.reopen",
}


class ConflictError(Exception):
    """Someone else saved the assessment since the user loaded it.

    `changes` lists the scores changed since the loaded version, as dicts (criterion_id,
    criterion_code, self_score, final_score, not_applicable, note, appraisal_reason);
    `current_version` is the version to load again."""

    def __init__(self, *, current_version, changes):
        self.current_version = current_version
        self.changes = changes
        super().__init__(
            _(
                "Someone else saved this assessment after you opened it. Nothing was saved: review their changes and save again."
            )
        )


def _roles(user, assessment):
    """The workflow roles the user holds for this assessment (units.access decides each)."""
    roles = set()
    if may(user, Access.PUBLISH):
        roles.add("admin")
    if may(user, Access.APPRAISE):
        roles.add("appraiser")
    if may(user, Access.ENTER_SELF_ASSESSMENT, assessment.unit_id):
        roles.add("unit")
    return roles


def _actions_of(roles):
    actions = set()
    if "unit" in roles:
        actions |= UNIT_ACTIONS
    if "appraiser" in roles:
        actions |= APPRAISER_ACTIONS
    if "admin" in roles:
        actions |= ADMIN_ACTIONS
    return actions


def allowed_actions(*, user, assessment):
    """The actions the user may take on the assessment now, as a frozenset of Action."""
    return frozenset(
        action for action in _actions_of(_roles(user, assessment)) if assessment.status in FROM_STATUSES[action]
    )


def _check(*, user, assessment, action):
    if action not in _actions_of(_roles(user, assessment)):
        raise PermissionDenied(_("You may not do this on this assessment."))
    if assessment.status not in FROM_STATUSES[action]:
        raise ValidationError(
            _("This cannot be done on an assessment that is %(status)s.")
            % {"status": assessment.get_status_display().lower()},
            code="invalid_transition",
        )


def assessment_for_update(*, assessment_id, user, action, version=None):
    """The assessment, checked for the user and action, after taking its version.

    A compare-and-swap UPDATE bumps the version only when it is still the loaded one (when
    `version` is given) and the status still allows the action; the row stays locked until
    the transaction ends. Raises PermissionDenied, ValidationError or ConflictError."""
    assessment = Assessment.objects.select_related("methodology").get(pk=assessment_id)
    _check(user=user, assessment=assessment, action=action)
    swap = Assessment.objects.filter(pk=assessment_id, status__in=FROM_STATUSES[action])
    if version is not None:
        swap = swap.filter(version=version)
    if not swap.update(version=F("version") + 1, updated_at=timezone.now()):
        assessment.refresh_from_db()
        _check(user=user, assessment=assessment, action=action)
        raise ConflictError(current_version=assessment.version, changes=_changes_since(assessment, version))
    assessment.refresh_from_db()
    return assessment


def _changes_since(assessment, version):
    scores = Score.objects.filter(assessment=assessment, changed_in_version__gt=version or 0).select_related(
        "criterion"
    )
    return [
        {
            "criterion_id": s.criterion_id,
            "criterion_code": s.criterion.code,
            "self_score": s.self_score,
            "final_score": s.final_score,
            "not_applicable": s.not_applicable,
            "note": s.note,
            "appraisal_reason": s.appraisal_reason,
        }
        for s in scores.order_by("criterion__position", "criterion__code")
    ]


def _decimal(value, criterion):
    """(the score as the column holds it, or None; the error message, or None)."""
    if value is None or value == "":
        return None, None
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, _("%(code)s: the score is not a number.") % {"code": criterion.code}
    if not value.is_finite() or value < 0:
        return None, _("%(code)s: the score cannot be negative.") % {"code": criterion.code}
    if value > criterion.max_points:
        return None, _("%(code)s: the score is above the criterion's maximum of %(max)s.") % {
            "code": criterion.code,
            "max": number_format(criterion.max_points.normalize()),
        }
    # As the column holds it, so that comparing with the stored value finds real changes only.
    return value.quantize(STORED_QUANTUM), None


def checked_score(value, criterion):
    """(the score as the column holds it, or None; the error message, or None): the score rule of
    every line, for a form that checks scores it does not save (the what-if)."""
    return _decimal(value, criterion)


# The rules of one line, in one place: the save services below apply them, and the page's form
# asks them too, so that every mistake of a page is shown at once, beside the input it concerns.
# Each returns (the cleaned values, [(the input it concerns, message)]); the inputs are "score",
# "not_applicable" and "note" for a self score, "final" and "reason" for an appraised one.


def self_line_check(*, criterion, value, not_applicable, note):
    """A unit's line: a score between 0 and the maximum, or not applicable with the reason in the note."""
    value, error = _decimal(value, criterion)
    problems = [("score", error)] if error else []
    note = (note or "").strip()
    if not_applicable and value is not None:
        problems.append(
            ("score", _("%(code)s: a criterion marked not applicable has no score.") % {"code": criterion.code})
        )
    if not_applicable and not note:
        problems.append(("note", _("%(code)s: say why the criterion is not applicable.") % {"code": criterion.code}))
    return (value, bool(not_applicable), note), problems


def appraisal_line_check(*, criterion, value, reason, score):
    """An appraiser's line, against the unit's Score (or None): a final score between 0 and the
    maximum, none on a line not applicable, and a reason when it differs from the self score."""
    value, error = _decimal(value, criterion)
    problems = [("final", error)] if error else []
    reason = (reason or "").strip()
    if score is not None and score.not_applicable and value is not None:
        problems.append(
            ("final", _("%(code)s: a criterion marked not applicable has no score.") % {"code": criterion.code})
        )
    self_score = score.self_score if score is not None else None
    # A survey criterion has no self score to differ from: the council enters the survey's result.
    # A score that is no number cannot be said to differ: its own error is enough.
    if not error and criterion.kind == CriterionKind.SELF_ASSESSED and value != self_score and not reason:
        problems.append(
            (
                "reason",
                _("%(code)s: give a reason for an appraised score that differs from the self-assessed one.")
                % {"code": criterion.code},
            )
        )
    return (value, reason), problems


def _leaf_criteria(assessment, criterion_ids):
    """The methodology's leaf criteria among the ids; any other id is an error."""
    criteria = Criterion.objects.filter(methodology_id=assessment.methodology_id, pk__in=criterion_ids).annotate(
        n_children=Count("children")
    )
    found = {c.pk: c for c in criteria}
    if set(criterion_ids) - set(found) or any(c.n_children for c in found.values()):
        raise ValidationError(
            _("Scores can only be entered on the criteria of this methodology that have no sub-criteria.")
        )
    return found


def _diff(score, fields):
    """{field: [old, new]} of what differs, decimals as strings (the audit trail's JSON)."""

    def shown(value):
        return str(value) if isinstance(value, Decimal) else value

    changes = {}
    for field, new in fields.items():
        old = getattr(score, field) if score is not None else None
        if field == "not_applicable" and score is None:
            old = False
        if field in ("note", "appraisal_reason") and score is None:
            old = ""
        if old != new:
            changes[field] = [shown(old), shown(new)]
    return changes


def _write_scores(*, assessment, user, rows, audit_action, batch):
    """rows: {criterion_id: (criterion, {field: value}, reason)}. Writes what changed, in bulk."""
    existing = {s.criterion_id: s for s in Score.objects.filter(assessment=assessment, criterion_id__in=list(rows))}
    to_create, to_update, entries = [], [], []
    changed_fields = set()
    now = timezone.now()
    for criterion_id, (criterion, fields, reason) in rows.items():
        score = existing.get(criterion_id)
        changes = _diff(score, fields)
        if not changes:
            continue
        if score is None:
            score = Score(assessment=assessment, criterion=criterion)
            to_create.append(score)
        else:
            to_update.append(score)
        for field, value in fields.items():
            setattr(score, field, value)
        score.changed_in_version = assessment.version
        score.updated_at = now
        changed_fields |= set(changes)
        action = audit_action(fields) if callable(audit_action) else audit_action
        entries.append(
            (
                score,
                {
                    "action": action,
                    "user": user,
                    "unit": assessment.unit,
                    "criterion": criterion,
                    "changes": changes,
                    "reason": reason,
                    "batch": batch,
                },
            )
        )
    if to_update:
        Score.objects.bulk_update(to_update, [*changed_fields, "changed_in_version", "updated_at"])
    if to_create:
        Score.objects.bulk_create(to_create)
    if entries:
        # After bulk_create, so that new scores have their ids.
        audit_record_many([{**entry, "obj": score} for score, entry in entries])
    return len(entries)


@transaction.atomic
def self_scores_save(*, assessment, user, scores, version):
    """scores: {criterion_id: (value or None, not_applicable, note)}. Returns the number of scores changed.

    A criterion marked not applicable has no score and needs a reason in its note."""
    assessment = assessment_for_update(
        assessment_id=assessment.pk, user=user, action=Action.SELF_SCORES, version=version
    )
    criteria = _leaf_criteria(assessment, list(scores))
    errors, rows = [], {}
    for criterion_id, (value, not_applicable, note) in scores.items():
        criterion = criteria[criterion_id]
        (value, not_applicable, note), problems = self_line_check(
            criterion=criterion, value=value, not_applicable=not_applicable, note=note
        )
        errors.extend(message for _input, message in problems)
        fields = {"self_score": value, "not_applicable": not_applicable, "note": note}
        if not_applicable:
            # A returned assessment may carry an appraised score: not applicable has none.
            fields["final_score"] = None
        rows[criterion_id] = (criterion, fields, note if not_applicable else "")
    if errors:
        raise ValidationError(errors)
    return _write_scores(
        assessment=assessment,
        user=user,
        rows=rows,
        audit_action=lambda fields: "score.not_applicable" if fields["not_applicable"] else "score.self",
        batch=new_batch(),
    )


@transaction.atomic
def appraisal_scores_save(*, assessment, user, scores, version):
    """scores: {criterion_id: (final value, reason)}: a final score that differs from the self
    score of a self-assessed criterion needs a reason. Returns the number of scores changed."""
    assessment = assessment_for_update(
        assessment_id=assessment.pk, user=user, action=Action.APPRAISAL_SCORES, version=version
    )
    criteria = _leaf_criteria(assessment, list(scores))
    current = {s.criterion_id: s for s in Score.objects.filter(assessment=assessment, criterion_id__in=list(scores))}
    errors, rows = [], {}
    for criterion_id, (value, reason) in scores.items():
        criterion = criteria[criterion_id]
        (value, reason), problems = appraisal_line_check(
            criterion=criterion, value=value, reason=reason, score=current.get(criterion_id)
        )
        errors.extend(message for _input, message in problems)
        rows[criterion_id] = (criterion, {"final_score": value, "appraisal_reason": reason}, reason)
    if errors:
        raise ValidationError(errors)
    changed = _write_scores(assessment=assessment, user=user, rows=rows, audit_action="score.final", batch=new_batch())
    if changed:
        results_recompute_request(index_id=assessment.methodology.index_id, year=assessment.methodology.year)
    return changed


# Completeness (issue 17): an applicable leaf criterion is one with no sub-criteria and a maximum
# above 0. A self-assessment is complete when each self-assessed one has a self score or is marked
# not applicable; an appraisal when each one has a final score or is marked not applicable with
# its reason. Nothing incomplete becomes official: a blank is "not scored", never 0.


def _applicable_leaves(methodology_id):
    return Criterion.objects.filter(methodology_id=methodology_id, children__isnull=True, max_points__gt=0)


def _self_scored_q():
    return Q(self_score__isnull=False) | Q(not_applicable=True)


def _final_scored_q():
    # Not applicable counts only with its reason (the self-save asks for one; data loaded otherwise may lack it).
    return Q(final_score__isnull=False) | (Q(not_applicable=True) & ~Q(note=""))


def unscored_self_criteria(*, assessment):
    """The codes of the self-assessed leaf criteria the unit has neither scored nor marked not applicable."""
    scored = Score.objects.filter(assessment_id=assessment.pk, criterion_id=OuterRef("pk")).filter(_self_scored_q())
    return list(
        _applicable_leaves(assessment.methodology_id)
        .filter(kind=CriterionKind.SELF_ASSESSED)
        .exclude(Exists(scored))
        .order_by("position", "code")
        .values_list("code", flat=True)
    )


def unscored_final_criteria(*, assessment):
    """The codes of the leaf criteria (self-assessed and survey) with neither a final score nor a
    not applicable mark with its reason: what keeps the assessment from being appraised or published."""
    scored = Score.objects.filter(assessment_id=assessment.pk, criterion_id=OuterRef("pk")).filter(_final_scored_q())
    return list(
        _applicable_leaves(assessment.methodology_id)
        .exclude(Exists(scored))
        .order_by("position", "code")
        .values_list("code", flat=True)
    )


def assessment_incomplete():
    """An Exists on Assessment: some applicable leaf criterion has no final score (unscored_final_criteria), in SQL."""
    scored = Score.objects.filter(assessment_id=OuterRef(OuterRef("pk")), criterion_id=OuterRef("pk")).filter(
        _final_scored_q()
    )
    unscored = Criterion.objects.filter(
        methodology_id=OuterRef("methodology_id"), children__isnull=True, max_points__gt=0
    ).exclude(Exists(scored))
    return Exists(unscored)


def _codes(codes):
    return ", ".join(codes)


def _move(*, assessment, user, action, comment="", batch=None):
    """Record the step of an assessment already taken by assessment_for_update."""
    from_status = assessment.status
    assessment.status = TO_STATUS[action]
    Assessment.objects.filter(pk=assessment.pk).update(status=assessment.status)
    AssessmentStep.objects.create(
        assessment=assessment, from_status=from_status, to_status=assessment.status, user=user, comment=comment
    )
    audit_record(
        action=AUDIT_ACTION[action],
        user=user,
        obj=assessment,
        unit=assessment.unit,
        changes={"status": [from_status, assessment.status]},
        reason=comment,
        batch=batch or new_batch(),
    )
    steps_recorded.send(sender=AssessmentStep)
    return assessment


def _transition(*, assessment, user, action, version, comment=""):
    assessment = assessment_for_update(assessment_id=assessment.pk, user=user, action=action, version=version)
    return _move(assessment=assessment, user=user, action=action, comment=comment)


def unconfirmed_submission(unscored):
    """The refusal of a submission, not confirmed, while the criteria coded `unscored` are not
    scored: assessment_submit's, and the page's when it names them with its other mistakes."""
    return ValidationError(
        _(
            "Criteria not scored yet (%(count)d): %(codes)s. Score them, or tick "
            "“Submit with criteria not scored” and submit again."
        ),
        code="incomplete",
        params={"count": len(unscored), "codes": _codes(unscored)},
    )


@transaction.atomic
def assessment_submit(*, assessment, user, version=None, confirm_incomplete=False):
    """Submit the self-assessment for appraisal. While a self-assessed criterion has neither a score
    nor a not applicable mark, the unit must confirm it submits so (`confirm_incomplete`): the
    ValidationError (code "incomplete", params codes and count) lists them, and a confirmed
    submission records them in the step's comment and the audit trail."""
    assessment = assessment_for_update(assessment_id=assessment.pk, user=user, action=Action.SUBMIT, version=version)
    unscored = unscored_self_criteria(assessment=assessment)
    comment = ""
    if unscored and not confirm_incomplete:
        raise unconfirmed_submission(unscored)
    if unscored:
        comment = _("Submitted with criteria not scored (%(count)d): %(codes)s.") % {
            "count": len(unscored),
            "codes": _codes(unscored),
        }
    return _move(assessment=assessment, user=user, action=Action.SUBMIT, comment=comment)


@transaction.atomic
def assessment_return(*, assessment, user, comment, version=None):
    if not (comment or "").strip():
        raise ValidationError(_("Say what the unit has to correct."), code="comment_required")
    return _transition(assessment=assessment, user=user, action=Action.RETURN, version=version, comment=comment.strip())


@transaction.atomic
def assessment_appraise(*, assessment, user, version=None, comment=""):
    """Accept a submitted assessment: only when every applicable leaf criterion has a final score
    or is not applicable with its reason (unscored_final_criteria); ValidationError (code
    "incomplete") listing the criteria otherwise."""
    assessment = assessment_for_update(assessment_id=assessment.pk, user=user, action=Action.APPRAISE, version=version)
    unscored = unscored_final_criteria(assessment=assessment)
    if unscored:
        raise ValidationError(
            _(
                "The assessment cannot be accepted while criteria have no appraised score, or are "
                "not applicable without a reason (%(count)d): %(codes)s."
            ),
            code="incomplete",
            params={"count": len(unscored), "codes": _codes(unscored)},
        )
    return _move(assessment=assessment, user=user, action=Action.APPRAISE, comment=comment)


@transaction.atomic
def assessment_reopen(*, assessment, user, reason, version=None):
    """Reopen a published assessment for a correction: its earlier published results stay as revisions."""
    if not (reason or "").strip():
        raise ValidationError(_("Give the reason for reopening a published assessment."), code="reason_required")
    return _transition(assessment=assessment, user=user, action=Action.REOPEN, version=version, comment=reason.strip())


@dataclasses.dataclass
class Coverage:
    """Where the units of a methodology's group stand before a publication: the units of its kind
    existing on the last day of its year (the group its ranking forms), and any other unit with an
    assessment under it."""

    no_assessment: list  # units
    not_appraised: list  # assessments: draft, submitted or returned
    incomplete: list  # appraised assessments with a criterion not scored (a reopened one corrected so)
    ready: list  # appraised and complete: what a publication publishes
    published: list

    @property
    def left_out(self):
        """The codes of the units a publication now leaves without an official result."""
        return sorted(
            [unit.code for unit in self.no_assessment]
            + [assessment.unit.code for assessment in (*self.not_appraised, *self.incomplete)]
        )


def publish_coverage(*, methodology):
    """The Coverage of the methodology's group: two queries, whatever its size."""
    assessments = list(
        Assessment.objects.filter(methodology=methodology)
        .select_related("unit")
        .annotate(incomplete=assessment_incomplete())
        .order_by("unit__code")
    )
    assessed = [assessment.unit_id for assessment in assessments]
    no_assessment = list(
        # The group a year's ranking forms: the units of its last day. One that ended during it (a
        # department merged on 1/7/2025) has no result of that year to leave out; its successor has.
        units_valid_on(day=year_bounds(methodology.year)[1])
        .filter(kind=methodology.unit_kind)
        .exclude(pk__in=assessed)
        .order_by("code")
    )
    appraised = [a for a in assessments if a.status == S.APPRAISED]
    return Coverage(
        no_assessment=no_assessment,
        not_appraised=[a for a in assessments if a.status in (S.DRAFT, S.SUBMITTED, S.RETURNED)],
        incomplete=[a for a in appraised if a.incomplete],
        ready=[a for a in appraised if not a.incomplete],
        published=[a for a in assessments if a.status == S.PUBLISHED],
    )


# How many unit codes a step's comment and the audit trail's reason name; the publication keeps them all.
CODES_NAMED = 20


def _named(codes):
    named = _codes(codes[:CODES_NAMED])
    return named + ", …" if len(codes) > CODES_NAMED else named


@transaction.atomic
def methodology_publish(*, methodology, user, decision_reference, published_on, publish_partial=False):
    """Publish every complete appraised assessment of the methodology; their results become official.

    While some unit of the group has no assessment, one not appraised yet, or an appraised one
    with a criterion not scored (publish_coverage), the administrator must choose to publish
    without them (`publish_partial`): ValidationError (code "partial") otherwise. The choice is
    recorded: the units left out on the Publication, and in each step's comment and audit reason.

    The results are recomputed here, inside the transaction, so that what is snapshotted as
    the published revision is what the scores give; the job is still recorded so the rest of
    the index and year (other unit kinds) follows. Returns the Publication."""
    if not may(user, Access.PUBLISH):
        raise PermissionDenied(_("Only an administrator may publish results."))
    if not (decision_reference or "").strip():
        raise ValidationError(_("Give the reference of the publishing decision."), code="decision_required")
    if published_on is None:
        raise ValidationError(_("Give the date of the publishing decision."), code="date_required")
    # Lock the appraised assessments first: what is counted below is what is published.
    list(Assessment.objects.select_for_update().filter(methodology=methodology, status=S.APPRAISED).values("pk"))
    coverage = publish_coverage(methodology=methodology)
    ids = [assessment.pk for assessment in coverage.ready]
    if not ids:
        raise ValidationError(
            _("No appraised assessment of this methodology with every criterion scored is waiting to be published."),
            code="nothing",
        )
    left_out = coverage.left_out
    if left_out and not publish_partial:
        raise ValidationError(
            _(
                "Units of the group without a complete appraised result (%(count)d): %(codes)s. To publish "
                "the others now, tick the box to publish while these units have no appraised result."
            ),
            code="partial",
            params={"count": len(left_out), "codes": _named(left_out)},
        )
    batch = new_batch()
    number = (methodology.publications.aggregate(n=Max("number"))["n"] or 0) + 1
    publication = Publication.objects.create(
        methodology=methodology,
        number=number,
        published_on=published_on,
        decision_reference=decision_reference.strip(),
        published_by=user,
        units_left_out=left_out,
    )
    comment = publication.decision_reference
    if left_out:
        comment += " · " + _(
            "Published without the units that have no complete appraised result (%(count)d): %(codes)s."
        ) % {"count": len(left_out), "codes": _named(left_out)}
    _publish_assessments(ids=ids, user=user, comment=comment, publication=publication, batch=batch)
    results_recompute_request(index_id=methodology.index_id, year=methodology.year)
    results_recompute(index_id=methodology.index_id, year=methodology.year)
    _snapshot(publication=publication, user=user, batch=batch)
    return publication


def _publish_assessments(*, ids, user, comment, publication, batch):
    """The published move of many assessments at once: one UPDATE, one insert of steps, one of audit entries.
    The audit's reason is the decision's reference as written, and the units left out as our
    code's reason, put into words in the reader's language (audit.reasons)."""
    left_out = publication.units_left_out
    reason = {"reason": publication.decision_reference}
    if left_out:
        reason |= {
            "reason_code": "assessments.published_without",
            "reason_params": {"count": len(left_out), "codes": _named(left_out)},
        }
    Assessment.objects.filter(pk__in=ids).update(
        status=S.PUBLISHED, version=F("version") + 1, updated_at=timezone.now()
    )
    assessments = list(Assessment.objects.select_related("unit").filter(pk__in=ids))
    AssessmentStep.objects.bulk_create(
        AssessmentStep(assessment=a, from_status=S.APPRAISED, to_status=S.PUBLISHED, user=user, comment=comment)
        for a in assessments
    )
    steps_recorded.send(sender=AssessmentStep)
    audit_record_many(
        {
            "action": AUDIT_ACTION[Action.PUBLISH],
            "user": user,
            "obj": a,
            "unit": a.unit,
            "changes": {"status": [S.APPRAISED.value, S.PUBLISHED.value]},
            **reason,
            "batch": batch,
        }
        for a in assessments
    )


def _snapshot(*, publication, user, batch):
    """Keep a new revision of every published result of the methodology that is new or differs
    from its last revision (a correction of one unit can move the others' ranks), and mark
    those results official under this publication."""
    methodology = publication.methodology
    units = Assessment.objects.filter(methodology=methodology, status=S.PUBLISHED).values("unit_id")
    last_revision = ResultRevision.objects.filter(result=OuterRef("pk")).order_by("-number")
    last_reopen = AssessmentStep.objects.filter(
        assessment__unit_id=OuterRef("unit_id"),
        assessment__methodology=methodology,
        to_status=S.APPRAISED,
        from_status=S.PUBLISHED,
        # Only a reopening since the last revision explains this one.
        at__gt=OuterRef("last_published_at"),
    ).order_by("-at", "-pk")
    results = (
        Result.objects.select_related("unit")
        .filter(index_id=methodology.index_id, year=methodology.year, unit_id__in=units)
        .annotate(
            last_number=Subquery(last_revision.values("number")[:1]),
            last_value=Subquery(last_revision.values("value")[:1]),
            last_rank=Subquery(last_revision.values("rank")[:1]),
            last_group_size=Subquery(last_revision.values("group_size")[:1]),
            last_published_at=Subquery(last_revision.values("published_at")[:1]),
        )
        .annotate(reopen_reason=Subquery(last_reopen.values("comment")[:1]))
    )
    revisions, entries = [], []
    for result in results:
        now = (result.value, result.rank, result.group_size)
        if result.last_number is not None and now == (result.last_value, result.last_rank, result.last_group_size):
            continue
        revisions.append(
            ResultRevision(
                result=result,
                publication=publication,
                number=(result.last_number or 0) + 1,
                value=result.value,
                rank=result.rank,
                group_size=result.group_size,
                published_at=publication.published_at,
                reason=result.reopen_reason or "",
            )
        )
        entries.append(
            {
                "action": "result.published",
                "user": user,
                "obj": result,
                "unit": result.unit,
                "changes": {
                    field: [None if old is None else str(old), None if new is None else str(new)]
                    for field, old, new in zip(
                        ("value", "rank", "group_size"),
                        (result.last_value, result.last_rank, result.last_group_size),
                        now,
                        strict=True,
                    )
                    if old != new
                },
                "reason": publication.decision_reference,
                "batch": batch,
            }
        )
    ResultRevision.objects.bulk_create(revisions)
    Result.objects.filter(pk__in=[r.result_id for r in revisions]).update(publication=publication)
    if entries:
        audit_record_many(entries)


def result_revisions(result):
    """The published revisions of a result, oldest first, with their publication."""
    return result.revisions.select_related("publication").order_by("number")


@transaction.atomic
def assessment_start(*, methodology, unit, user):
    """Open the unit's draft self-assessment under the methodology; the one already open, if any.

    Only the unit's own officers and head start it, only under a methodology for the unit's kind
    that has self-assessed criteria, and only for a year in which the unit existed."""
    if not may(user, Access.ENTER_SELF_ASSESSMENT, unit):
        raise PermissionDenied(_("Only the unit's officers and head may start its self-assessment."))
    if methodology.unit_kind != unit.kind:
        raise ValidationError(_("This methodology is for another kind of unit."), code="wrong_kind")
    if not Criterion.objects.filter(
        methodology=methodology, kind=CriterionKind.SELF_ASSESSED, children__isnull=True
    ).exists():
        raise ValidationError(_("This methodology has no criteria to self-assess."), code="no_criteria")
    if not units_valid_in(year=methodology.year, queryset=type(unit).objects.filter(pk=unit.pk)).exists():
        raise ValidationError(_("The unit did not exist in %(year)d.") % {"year": methodology.year}, code="not_valid")
    assessment, created = Assessment.objects.get_or_create(unit=unit, methodology=methodology)
    if created:
        audit_record(
            action="assessment.start",
            user=user,
            obj=assessment,
            unit=unit,
            changes={"status": [None, assessment.status]},
            batch=new_batch(),
        )
    return assessment
