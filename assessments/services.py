"""Writes of the scoring pages: evidence files, and a page's scores saved together with a move.

The workflow itself (who may do what, the statuses, the versions) is assessments.workflow:
these services call it and add nothing to its rules."""

import os
import time
import uuid

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import EvidenceFile, evidence_storage
from assessments.workflow import (
    Action,
    allowed_actions,
    appraisal_scores_save,
    assessment_appraise,
    assessment_submit,
    self_scores_save,
)
from audit.services import audit_record, new_batch
from indicators.models import Assessment, Criterion
from reformdash.lib.evidence import EVIDENCE_TYPES, evidence_too_big_message, evidence_type  # noqa: F401 (their home before)


def _may_edit_evidence(*, user, assessment):
    if Action.SELF_SCORES not in allowed_actions(user=user, assessment=assessment):
        raise PermissionDenied(_("Only the unit's officers and head may change its evidence, before it is submitted."))


def _original_name(name):
    # A browser may send a path; only the last part is the file's name.
    name = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    return name[-255:]


@transaction.atomic
def evidence_add(*, assessment, criterion_id, upload, user):
    """Attach an uploaded file to a leaf criterion of the assessment, while the unit may edit it."""
    assessment = Assessment.objects.select_for_update().select_related("unit").get(pk=assessment.pk)
    _may_edit_evidence(user=user, assessment=assessment)
    criterion = Criterion.objects.filter(
        methodology_id=assessment.methodology_id, pk=criterion_id, children__isnull=True
    ).first()
    if criterion is None:
        raise ValidationError(_("Choose a criterion of this assessment."), code="criterion")
    content_type = evidence_type(upload=upload)
    evidence = EvidenceFile(
        assessment=assessment,
        criterion=criterion,
        original_name=_original_name(upload.name),
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(evidence.original_name, upload, save=False)
    stored = evidence.file.name
    try:
        evidence.save()
        audit_record(
            action="evidence.add",
            user=user,
            obj=evidence,
            unit=assessment.unit,
            criterion=criterion,
            changes={"file": [None, evidence.original_name]},
            batch=new_batch(),
        )
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    return evidence


# A file checked on a page that came back for other mistakes is held until the page is saved, so
# that the unit need not choose it again: under held/ of the evidence storage, named in the page by
# a signed token that is good for this user, assessment and criterion, for a day.
HELD_DIR = "held"
HELD_MAX_AGE = 24 * 3600
_HELD_SALT = "assessments.evidence_held"


def evidence_hold(*, assessment, criterion_id, upload, user):
    """Hold an upload already checked (evidence_type); returns the token that evidence_held takes.
    Held files older than HELD_MAX_AGE (pages never saved again) are removed on the way."""
    storage = evidence_storage()
    _held_sweep(storage)
    name = storage.save(f"{HELD_DIR}/{uuid.uuid4().hex}", upload)
    payload = {"n": name, "o": _original_name(upload.name), "a": assessment.pk, "c": criterion_id, "u": user.pk}
    return signing.dumps(payload, salt=_HELD_SALT)


def evidence_held(*, token, assessment, criterion_id, user):
    """The held upload the token names, as a File with the name the user gave it; None when the
    token is not one of evidence_hold for this user, assessment and criterion, is too old, or its
    file is gone."""
    try:
        payload = signing.loads(token, salt=_HELD_SALT, max_age=HELD_MAX_AGE)
    except signing.BadSignature:
        return None
    if (payload.get("a"), payload.get("c"), payload.get("u")) != (assessment.pk, criterion_id, user.pk):
        return None
    storage, name = evidence_storage(), payload["n"]
    if not storage.exists(name):
        return None
    upload = File(storage.open(name, "rb"), name=payload["o"])
    upload.held_name = name
    upload.held_token = token
    return upload


def _held_sweep(storage):
    try:
        names = storage.listdir(HELD_DIR)[1]
    except FileNotFoundError:
        return
    too_old = time.time() - HELD_MAX_AGE
    for name in names:
        path = f"{HELD_DIR}/{name}"
        if storage.get_modified_time(path).timestamp() < too_old:
            storage.delete(path)


@transaction.atomic
def evidence_delete(*, evidence, user):
    """Remove an evidence file, while the unit may edit its assessment; the file goes once committed."""
    assessment = Assessment.objects.select_for_update().select_related("unit").get(pk=evidence.assessment_id)
    _may_edit_evidence(user=user, assessment=assessment)
    audit_record(
        action="evidence.delete",
        user=user,
        obj=evidence,
        unit=assessment.unit,
        criterion=evidence.criterion_id,
        changes={"file": [evidence.original_name, None]},
        batch=new_batch(),
    )
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def sheet_save(*, assessment, user, entering, scores, version, then=None, confirm_incomplete=False, evidence=None):
    """Save the scores of the assessment page, attach the evidence files chosen on it
    (`evidence`: {criterion id: upload}, the unit's only) and, with `then` (Action.SUBMIT or
    Action.APPRAISE), move the assessment on, in the same transaction: all happen or none.

    `entering` is what the page offered: Action.SELF_SCORES or Action.APPRAISAL_SCORES. The
    workflow's services decide who may, check the status and the version, and raise
    ConflictError, ValidationError or PermissionDenied. `confirm_incomplete` is the unit's choice to
    submit with criteria not scored (assessment_submit)."""
    if entering == Action.SELF_SCORES:
        changed = self_scores_save(assessment=assessment, user=user, scores=scores, version=version)
    elif entering == Action.APPRAISAL_SCORES:
        changed = appraisal_scores_save(assessment=assessment, user=user, scores=scores, version=version)
    else:
        raise ValueError(f"sheet_save cannot enter {entering}")
    added = []
    try:
        # Before a submission, which ends the unit's right to change its evidence.
        for criterion_id, upload in (evidence or {}).items():
            added.append(evidence_add(assessment=assessment, criterion_id=criterion_id, upload=upload, user=user))
            if getattr(upload, "held_name", None):
                upload.close()
                transaction.on_commit(lambda name=upload.held_name: evidence_storage().delete(name))
        # The save above took this version and holds the row: the move needs no version of its own.
        if then == Action.SUBMIT:
            assessment_submit(assessment=assessment, user=user, confirm_incomplete=confirm_incomplete)
        elif then == Action.APPRAISE:
            assessment_appraise(assessment=assessment, user=user)
        elif then is not None:
            raise ValueError(f"sheet_save cannot {then}")
    except BaseException:
        # The transaction forgets the files' rows; their stored bytes must go too.
        for stored in added:
            stored.file.storage.delete(stored.file.name)
        raise
    return changed
