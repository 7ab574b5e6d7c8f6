"""The scoring workflow's pages: the worklist, an assessment (self-assessment and appraisal), its
evidence files, and publication.

Who sees what: an assessment is visible to whoever may see its unit (units_visible_to), 404 to
anyone else; what a reader may do on it is assessments.workflow.allowed_actions. A POST of an
action the reader may not do is a 403 page, a refused one (a missing reason, a wrong status) the
page again with the message, and a save from an out-of-date page a conflict showing what changed.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat, floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from assessments import selectors
from assessments.forms import (
    FILES_PER_SAVE,
    CommentForm,
    EvidenceForm,
    PublishForm,
    SheetForm,
    StartForm,
    WorklistForm,
)
from assessments.services import (
    evidence_add,
    evidence_delete,
    evidence_held,
    evidence_hold,
    evidence_too_big_message,
    sheet_save,
)
from assessments.workflow import (
    Action,
    ConflictError,
    allowed_actions,
    assessment_reopen,
    assessment_return,
    assessment_start,
    methodology_publish,
    publish_coverage,
)
from indicators.models import AssessmentStatus, Methodology
from preferences.layout import list_layout
from reformdash.lib.evidence import evidence_response
from reformdash.lib.tables import register_list_layout
from reformdash.lib.uploads import UploadSizeLimit, UploadSizeSkip, body_declared_too_big
from units.access import Action as Access
from units.access import may, sees_all_units
from units.models import Membership, Unit

# The province-wide list's page size is the reader's choice (preferences.layout).
WORKLIST_LAYOUT = register_list_layout("assessment-worklist")


@login_required
def worklist(request):
    """/assessments/: a unit's own assessments and what it may start; the province-wide list
    (appraisers: what waits for them) with filters; for administrators, each methodology's count
    by status with a link to publish."""
    user = request.user
    context = {
        "member_assessments": selectors.member_assessments(user=user),
        "to_start": selectors.methodologies_to_start(user=user),
        "is_member": Membership.objects.filter(user=user).exists(),
    }
    if sees_all_units(user):
        data = request.GET.copy()
        if not data and may(user, Access.APPRAISE):
            data["status"] = AssessmentStatus.SUBMITTED.value  # what waits for an appraiser
        form = WorklistForm(data, years=_years())
        context["form"] = form
        if not form.is_valid():
            return render(request, "assessments/worklist.html", context, status=400)
        rows = selectors.assessments_filtered(user=user, **form.cleaned_data)
        per_page, context["layout"] = list_layout(request, key=WORKLIST_LAYOUT)
        context["page"] = Paginator(rows, per_page).get_page(request.GET.get("page"))
        query = data.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
    if may(user, Access.PUBLISH):
        context["methodologies"] = selectors.methodology_status_counts()
        context["statuses"] = AssessmentStatus.choices
    return render(request, "assessments/worklist.html", context)


def _years():
    return list(Methodology.objects.order_by("-year").values_list("year", flat=True).distinct())


@login_required
@require_POST
def start(request):
    """Start the unit's draft self-assessment under a methodology, then open it."""
    form = StartForm(request.POST)
    if not form.is_valid():
        raise Http404("No such unit or methodology.")
    unit = get_object_or_404(Unit, pk=form.cleaned_data["unit"])
    methodology = get_object_or_404(Methodology, pk=form.cleaned_data["methodology"])
    try:
        assessment = assessment_start(methodology=methodology, unit=unit, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assessment_worklist")
    messages.success(request, _("The self-assessment is open: enter the scores and save."))
    return redirect("assessment_detail", assessment_id=assessment.pk)


def _entering(actions):
    if Action.SELF_SCORES in actions:
        return Action.SELF_SCORES
    if Action.APPRAISAL_SCORES in actions:
        return Action.APPRAISAL_SCORES
    return None


def _page(
    request, assessment, *, status=200, sheet=None, lines=None, errors=(), conflict=None, evidence_errors=(), **forms
):
    """Render the assessment page; `forms` replaces the default (unbound) return, reopen and
    evidence forms, `sheet` the score form (bound after a failed save)."""
    actions = allowed_actions(user=request.user, assessment=assessment)
    lines = lines if lines is not None else selectors.assessment_sheet(assessment=assessment)
    entering = _entering(actions)
    if sheet is None or sheet.entering != entering:
        sheet = SheetForm(lines=lines, entering=entering, version=assessment.version) if entering else None
    unscored_self, unscored_final = selectors.unscored_lines(lines)
    may_edit_evidence = Action.SELF_SCORES in actions
    context = {
        "assessment": assessment,
        "actions": {action.value for action in actions},
        "entering": entering.value if entering else "",
        "rows": _rows(lines, sheet),
        "sheet": sheet,
        "errors": errors,
        # What the page's next step would find not scored: the unit's submission, the appraiser's acceptance.
        "unscored": unscored_self if entering == Action.SELF_SCORES else unscored_final,
        "conflict": conflict,
        "evidence_errors": evidence_errors,
        "evidence_limit": settings.EVIDENCE_MAX_BYTES,
        "steps": selectors.assessment_steps(assessment=assessment),
        "may_edit_evidence": may_edit_evidence,
        "return_form": forms.get("return_form") or CommentForm(initial={"version": assessment.version}),
        "reopen_form": forms.get("reopen_form") or CommentForm(initial={"version": assessment.version}),
        "error_list": sheet.error_list() if sheet is not None and sheet.is_bound else [],
        "progress": _progress(sheet),
    }
    return render(request, "assessments/assessment.html", context, status=status)


def _progress(sheet):
    """The page's running total, as its script (static/js/assessment-sheet.js) redraws it while
    one types: the sentence with its numbers the reader's language's way, and the template it
    fills in (%(scored)s, %(count)s, %(total)s, %(max)s)."""
    if sheet is None:
        return None
    scored, count, total, maximum = sheet.progress()
    template = _("Scored %(scored)s/%(count)s criteria — total %(total)s/%(max)s points")
    return {
        "scored": scored,
        "count": count,
        "template": template,
        "text": template
        % {"scored": scored, "count": count, "total": floatformat(total, 2), "max": floatformat(maximum, -2)},
    }


def _rows(lines, sheet):
    """Each line with its inputs (when the form has them) for the template."""
    rows = []
    for line in lines:
        cid = line.criterion.pk
        row = {"line": line, "fields": {}, "held": getattr(sheet, "kept", {}).get(cid)}
        if sheet is not None and line.is_leaf:
            for key in ("score", "na", "note", "final", "reason", "file"):
                name = f"{key}-{cid}"
                if name in sheet.fields:
                    row["fields"][key] = sheet[name]
        rows.append(row)
    return rows


@csrf_exempt  # checked by _sheet_post once the upload limits are in place, as for evidence_upload
@login_required
def assessment_detail(request, assessment_id):
    """/assessments/<id>/: the criterion tree with the scores; inputs for what the reader may enter
    now, and for the unit evidence files, sent with the scores; Save draft and Submit (the unit),
    Save and Accept (the appraiser).

    Nothing of a post's body is read before the reader is known to enter something here; a body
    declaring more than the files a save may carry is refused unread, and a file passing the limit
    while it streams is skipped, the rest of the post still read, so that its scores come back."""
    assessment = selectors.assessment_visible_or_404(user=request.user, assessment_id=assessment_id)
    if request.method != "POST":
        return _page(request, assessment)
    if _entering(allowed_actions(user=request.user, assessment=assessment)) is None:
        return _forbidden(request, assessment)
    if body_declared_too_big(request, limit=_sheet_body_limit()):
        return _page(request, assessment, status=413, errors=[_sheet_too_big_message()])
    limit = UploadSizeSkip(request, limit=settings.EVIDENCE_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return _sheet_post(request, assessment, limit)


def _sheet_body_limit():
    """What a save of the page may declare: its files, and its other fields (Django's own limit)."""
    return settings.EVIDENCE_MAX_BYTES * FILES_PER_SAVE + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _sheet_too_big_message():
    return _(
        "Nothing was saved: the files chosen are larger than one save may carry (%(count)d files of at most %(limit)s each)."
    ) % {"count": FILES_PER_SAVE, "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}


@csrf_protect
def _sheet_post(request, assessment, limit):
    actions = allowed_actions(user=request.user, assessment=assessment)
    entering = request.POST.get("entering")
    entering = Action(entering) if entering in (Action.SELF_SCORES, Action.APPRAISAL_SCORES) else _entering(actions)
    lines = selectors.assessment_sheet(assessment=assessment)
    sheet = SheetForm(
        request.POST,
        request.FILES,
        lines=lines,
        entering=entering,
        version=assessment.version,
        files_too_big=limit.too_big,
        held=lambda criterion_id, token: evidence_held(
            token=token, assessment=assessment, criterion_id=criterion_id, user=request.user
        ),
    )
    if not sheet.is_valid():
        return _sheet_again(request, assessment, sheet, lines)
    try:
        sheet_save(
            assessment=assessment,
            user=request.user,
            entering=entering,
            scores=sheet.scores(),
            version=sheet.cleaned_data["version"],
            then=sheet.then(),
            confirm_incomplete=sheet.cleaned_data["confirm_incomplete"],
            evidence=sheet.evidence(),
        )
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ConflictError as conflict:
        return _conflict(request, assessment, conflict, sheet=sheet, lines=lines)
    except ValidationError as error:
        sheet.add_service_errors(error)
        return _sheet_again(request, assessment, sheet, lines)
    messages.success(request, _SAVED[sheet.then()])
    return redirect("assessment_detail", assessment_id=assessment.pk)


def _sheet_again(request, assessment, sheet, lines):
    """The page again with the mistakes, what was typed, and the files that passed their checks
    held (evidence_hold), so that the unit need not choose them again."""
    sheet.kept = sheet.held_files()
    for criterion_id, upload in sheet.files_to_hold().items():
        token = evidence_hold(assessment=assessment, criterion_id=criterion_id, upload=upload, user=request.user)
        sheet.kept[criterion_id] = (token, upload.name)
    return _page(request, assessment, status=400, sheet=sheet, lines=lines)


# Lazy: built at import time, translated in the reader's language when shown.
_SAVED = {
    None: gettext_lazy("Saved."),
    Action.SUBMIT: gettext_lazy("Saved and submitted for appraisal."),
    Action.APPRAISE: gettext_lazy("Saved and appraised."),
}


def _forbidden(request, assessment):
    return _page(request, assessment, status=403, errors=[_("You may not do this on this assessment.")])


def _conflict(request, assessment, conflict, *, sheet=None, lines=None, **forms):
    """The page again with what the other person changed, the reader's typed values kept and the
    current version, so that saving again takes them."""
    assessment.refresh_from_db()
    lines = lines if lines is not None else selectors.assessment_sheet(assessment=assessment)
    titles = {line.criterion.pk: line.criterion for line in lines}
    changes = [{**change, "criterion": titles.get(change["criterion_id"])} for change in conflict.changes]
    if sheet is not None:
        data = sheet.data.copy()
        data["version"] = conflict.current_version
        sheet = SheetForm(data, lines=lines, entering=sheet.entering, version=conflict.current_version)
    for name, form in forms.items():
        data = form.data.copy()
        data["version"] = conflict.current_version
        forms[name] = CommentForm(data)
    return _page(
        request,
        assessment,
        status=409,
        sheet=sheet,
        lines=lines,
        errors=[str(conflict)],
        conflict=changes,
        **forms,
    )


def _comment_action(request, assessment_id, *, service, form_name, done):
    assessment = selectors.assessment_visible_or_404(user=request.user, assessment_id=assessment_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, assessment, status=400, **{form_name: form})
    try:
        service(
            assessment=assessment,
            user=request.user,
            version=form.cleaned_data["version"],
            **{"comment" if form_name == "return_form" else "reason": form.cleaned_data["comment"]},
        )
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ConflictError as conflict:
        return _conflict(request, assessment, conflict, **{form_name: form})
    except ValidationError as error:
        form.add_error("comment", error)
        return _page(request, assessment, status=400, **{form_name: form})
    messages.success(request, done)
    return redirect("assessment_detail", assessment_id=assessment.pk)


@login_required
@require_POST
def assessment_return_view(request, assessment_id):
    """An appraiser returns a submitted assessment to the unit, saying what to correct."""
    return _comment_action(
        request,
        assessment_id,
        service=assessment_return,
        form_name="return_form",
        done=_("Returned to the unit."),
    )


@login_required
@require_POST
def assessment_reopen_view(request, assessment_id):
    """An administrator reopens a published assessment for a correction, with the reason."""
    return _comment_action(
        request,
        assessment_id,
        service=assessment_reopen,
        form_name="reopen_form",
        done=_("Reopened: the appraisal council may correct the scores, then publish again."),
    )


@csrf_exempt  # checked by _evidence_upload once the size limit is in place (Django's documented pattern)
@login_required
@require_POST
def evidence_upload(request, assessment_id):
    """Attach an evidence file. Nothing of the body is read before the reader is known to be
    allowed; a body declaring more than the limit is refused unread, and a file that turns out
    larger while it streams is cut off."""
    assessment = selectors.assessment_visible_or_404(user=request.user, assessment_id=assessment_id)
    if Action.SELF_SCORES not in allowed_actions(user=request.user, assessment=assessment):
        return _forbidden(request, assessment)
    if body_declared_too_big(request, limit=settings.EVIDENCE_MAX_BYTES):
        return _evidence_refused(request, assessment)
    limit = UploadSizeLimit(request, limit=settings.EVIDENCE_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return _evidence_upload(request, assessment, limit)


def _evidence_refused(request, assessment):
    return _page(request, assessment, status=413, evidence_errors=[evidence_too_big_message()])


@csrf_protect
def _evidence_upload(request, assessment, limit):
    lines = selectors.assessment_sheet(assessment=assessment)
    form = EvidenceForm(request.POST, request.FILES, criteria=[line.criterion for line in lines if line.is_leaf])
    if limit.exceeded:
        return _evidence_refused(request, assessment)
    if not form.is_valid():
        return _page(request, assessment, status=400, lines=lines, evidence_errors=_messages(form))
    try:
        evidence_add(
            assessment=assessment,
            criterion_id=form.cleaned_data["criterion"],
            upload=form.cleaned_data["file"],
            user=request.user,
        )
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        return _page(request, assessment, status=400, lines=lines, evidence_errors=error.messages)
    messages.success(request, _("The file was attached."))
    return redirect(reverse("assessment_detail", args=[assessment.pk]) + "#evidence")


def _messages(form):
    return [message for errors in form.errors.values() for message in errors]


@login_required
def evidence_download(request, assessment_id, evidence_id):
    """The file, as an attachment with its stored type, to whoever may see the unit; 404 otherwise."""
    assessment = selectors.assessment_visible_or_404(user=request.user, assessment_id=assessment_id)
    evidence = selectors.evidence_of_or_404(assessment=assessment, evidence_id=evidence_id)
    return evidence_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


@login_required
@require_POST
def evidence_remove(request, assessment_id, evidence_id):
    assessment = selectors.assessment_visible_or_404(user=request.user, assessment_id=assessment_id)
    evidence = selectors.evidence_of_or_404(assessment=assessment, evidence_id=evidence_id)
    try:
        evidence_delete(evidence=evidence, user=request.user)
    except PermissionDenied:
        return _forbidden(request, assessment)
    messages.success(request, _("The file was removed."))
    return redirect(reverse("assessment_detail", args=[assessment.pk]) + "#evidence")


@login_required
def publish(request, methodology_id):
    """/assessments/publish/<id>/ (administrators; 404 for anyone else): where the group's units
    stand (publish_coverage), then publish its complete appraised assessments under a decision —
    without the units that have no such result only when the administrator ticks it — and show
    the ranking they made official."""
    if not may(request.user, Access.PUBLISH):
        raise Http404("No such page.")
    methodology = get_object_or_404(Methodology.objects.select_related("index"), pk=methodology_id)
    coverage = publish_coverage(methodology=methodology)
    form = PublishForm(request.POST or None, left_out=len(coverage.left_out))
    if request.method == "POST" and form.is_valid():
        try:
            publication = methodology_publish(
                methodology=methodology,
                user=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Published under %(reference)s: the results are official.")
                % {"reference": publication.decision_reference},
            )
            query = {"index": methodology.index.code, "year": methodology.year, "kind": methodology.unit_kind}
            return redirect(f"{reverse('rankings')}?{urlencode(query)}")
    context = {
        "methodology": methodology,
        "form": form,
        "coverage": coverage,
        "appraised": len(coverage.ready),
        "not_yet": len(coverage.not_appraised),
        "published": len(coverage.published),
        "publications": methodology.publications.select_related("published_by").order_by("-number"),
    }
    return render(request, "assessments/publish.html", context, status=400 if form.errors else 200)
