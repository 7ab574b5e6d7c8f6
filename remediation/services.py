"""Writes of the remediation plans: file a plan, write its causes and actions, follow the actions,
submit it, review it. Each checks who may (units.access), refuses what is wrong with a
ValidationError that says so, and records itself in the audit trail as scores do."""

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, changed_values, new_batch
from indicators.models import Criterion
from reformdash.lib.evidence import evidence_type
from remediation.models import EDITABLE_STATUSES, ActionStatus, Plan, PlanAction, PlanItem, PlanStatus
from remediation.selectors import plannable_losses
from units.access import Action, may

ACTION_FIELDS = ("what", "owner", "deadline", "status", "evidence_link")
# What the trail records of an action: its fields and the name of its evidence file.
AUDITED_FIELDS = (*ACTION_FIELDS, "evidence_name")


def _may_edit(*, user, unit):
    if not may(user, Action.EDIT_PLAN, unit):
        raise PermissionDenied(_("Only the unit's head and officers may write its remediation plans."))


def _may_write_content(*, user, plan):
    _may_edit(user=user, unit=plan.unit_id)
    if plan.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("The plan is %(status)s: it can be changed only as a draft or after it is returned.")
            % {"status": plan.get_status_display().lower()},
            code="not_editable",
        )


def _plan_for_update(plan):
    return Plan.objects.select_for_update().select_related("unit", "index").get(pk=plan.pk)


@transaction.atomic
def plan_create(*, unit, index, year, criterion_codes, user):
    """A draft plan of the unit for the index and year, one item per chosen criterion the unit
    lost points on that year, each with the points lost and the years running."""
    _may_edit(user=user, unit=unit)
    if Plan.objects.filter(unit=unit, index=index, year=year).exists():
        raise ValidationError(_("The unit already has a plan for this index and year."), code="exists")
    losses = {row["code"]: row for row in plannable_losses(unit=unit, index=index, year=year)}
    codes = list(dict.fromkeys(criterion_codes))
    if not codes:
        raise ValidationError(_("Choose at least one criterion the unit lost points on."), code="no_criteria")
    unknown = [code for code in codes if code not in losses]
    if unknown:
        raise ValidationError(
            _("The unit lost no points on these criteria in %(year)d: %(codes)s.")
            % {"year": year, "codes": ", ".join(unknown)},
            code="not_lost",
        )
    criteria = {
        criterion.code: criterion
        for criterion in Criterion.objects.filter(
            methodology__index=index, methodology__year=year, methodology__unit_kind=unit.kind, code__in=codes
        )
    }
    plan = Plan.objects.create(unit=unit, index=index, year=year, created_by=user)
    batch = new_batch()
    audit_record(action="plan.create", user=user, obj=plan, unit=unit, changes={"year": (None, year)}, batch=batch)
    for code in codes:
        item = PlanItem.objects.create(
            plan=plan, criterion=criteria[code], points_lost=losses[code]["lost"], streak=losses[code]["streak"] or 1
        )
        audit_record(
            action="plan.item",
            user=user,
            obj=item,
            unit=unit,
            criterion=item.criterion,
            changes={"points_lost": (None, item.points_lost)},
            batch=batch,
        )
    return plan


@transaction.atomic
def plan_item_cause_save(*, item, cause, user):
    """The cause the unit gives for the loss of an item."""
    plan = _plan_for_update(item.plan)
    _may_write_content(user=user, plan=plan)
    item = PlanItem.objects.select_related("criterion").get(pk=item.pk)
    cause = (cause or "").strip()
    if item.cause == cause:
        return item
    old, item.cause = item.cause, cause
    item.save(update_fields=["cause"])
    audit_record(
        action="plan.cause",
        user=user,
        obj=item,
        unit=plan.unit,
        criterion=item.criterion,
        changes={"cause": (old, cause)},
    )
    return item


def _action_values(action):
    return {field: getattr(action, field) for field in AUDITED_FIELDS}


def _stored_evidence(action, upload):
    """Store an upload (checked by the form with reformdash.lib.evidence.evidence_type, or here)
    as the action's evidence file. Returns (old file name, new file name): the caller deletes the
    new one if its write fails, and the old one once the write commits."""
    content_type = getattr(upload, "checked_content_type", None) or evidence_type(upload=upload)
    old = action.evidence_file.name or ""
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()[-255:] or "file"
    action.evidence_file.save(name, upload, save=False)
    action.evidence_name, action.evidence_content_type = name, content_type
    return old, action.evidence_file.name


def _save_with_evidence(action, upload, write):
    """Run `write` (which saves the action and records it) with the upload stored first, if any;
    a failed write leaves no file behind, a committed one removes the file it replaced."""
    if not upload:
        return write()
    old, new = _stored_evidence(action, upload)
    storage = action.evidence_file.storage
    try:
        result = write()
    except BaseException:
        storage.delete(new)
        raise
    if old:
        transaction.on_commit(lambda: storage.delete(old))
    return result


@transaction.atomic
def plan_action_add(
    *, item, what, owner, deadline, evidence_link="", status=ActionStatus.PLANNED, evidence_upload=None, user
):
    """A new action on an item, while the plan is a draft or returned; `evidence_upload` a file."""
    plan = _plan_for_update(item.plan)
    _may_write_content(user=user, plan=plan)
    action = PlanAction(
        item=item, what=what.strip(), owner=owner.strip(), deadline=deadline, status=status, evidence_link=evidence_link
    )
    action.full_clean()

    def write():
        action.save()
        audit_record(
            action="plan.action_add",
            user=user,
            obj=action,
            unit=plan.unit,
            criterion=item.criterion_id,
            changes=changed_values(None, _action_values(action), AUDITED_FIELDS),
        )
        return action

    return _save_with_evidence(action, evidence_upload, write)


@transaction.atomic
def plan_action_update(*, action, user, evidence_upload=None, **values):
    """Change an action. Its status and evidence (a link, a file) are followed at any time (that is
    the plan's point); what, who and by when only while the plan is a draft or returned."""
    action = PlanAction.objects.select_related("item__plan").get(pk=action.pk)
    plan = _plan_for_update(action.item.plan)
    _may_edit(user=user, unit=plan.unit_id)
    old = _action_values(action)
    changes = changed_values(old, {**old, **values}, ACTION_FIELDS)
    if not changes and not evidence_upload:
        return action
    if set(changes) - {"status", "evidence_link"}:
        _may_write_content(user=user, plan=plan)
    for field, (_old, new) in changes.items():
        setattr(action, field, new.strip() if isinstance(new, str) else new)
    action.full_clean()

    def write():
        action.save()
        audit_record(
            action="plan.action_change",
            user=user,
            obj=action,
            unit=plan.unit,
            criterion=action.item.criterion_id,
            changes=changed_values(old, _action_values(action), AUDITED_FIELDS),
        )
        return action

    return _save_with_evidence(action, evidence_upload, write)


def plan_problems(plan):
    """What keeps the plan from being submitted, as sentences: an item without a cause or without
    an action."""
    problems = []
    for item in plan.items.select_related("criterion").prefetch_related("actions"):
        if not item.cause.strip():
            problems.append(_("Criterion %(code)s has no cause.") % {"code": item.criterion.code})
        if not item.actions.all():
            problems.append(_("Criterion %(code)s has no action.") % {"code": item.criterion.code})
    return problems


def _move(*, plan, user, to_status, reason="", audit_action):
    from_status = plan.status
    plan.status = to_status
    plan.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        action=audit_action,
        user=user,
        obj=plan,
        unit=plan.unit,
        changes={"status": (from_status, to_status)},
        reason=reason,
    )
    return plan


@transaction.atomic
def plan_submit(*, plan, user):
    """Send a draft or returned plan to Sở Nội vụ for review, once every item has a cause and an action."""
    plan = _plan_for_update(plan)
    _may_write_content(user=user, plan=plan)
    problems = plan_problems(plan)
    if problems:
        raise ValidationError(problems, code="incomplete")
    return _move(plan=plan, user=user, to_status=PlanStatus.SUBMITTED, audit_action="plan.submit")


@transaction.atomic
def plan_review(*, plan, user, accept, reason=""):
    """Sở Nội vụ's review of a submitted plan: accepted, or returned to the unit with the reason."""
    if not may(user, Action.REVIEW_PLAN):
        raise PermissionDenied(_("Only the Department of Home Affairs staff review remediation plans."))
    plan = _plan_for_update(plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be reviewed."), code="not_submitted")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError(_("Say why the plan is returned: the unit reads it."), code="no_reason")
    plan.return_reason = "" if accept else reason
    plan.reviewed_by, plan.reviewed_at = user, timezone.now()
    return _move(
        plan=plan,
        user=user,
        to_status=PlanStatus.ACCEPTED if accept else PlanStatus.RETURNED,
        reason=reason,
        audit_action="plan.accept" if accept else "plan.return",
    )
