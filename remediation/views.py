"""The remediation pages: a unit's plan for an index and year (filed, written, followed,
submitted, reviewed on one page) and the province's coverage.

Who sees what: a plan is visible to whoever may see its unit (units.access.visible_unit_or_404),
404 to anyone else, whatever the address names (the plan, an item, an action); writing it is
Action.EDIT_PLAN on the unit and reviewing it Action.REVIEW_PLAN, else 403. A refused write (a
missing cause, a plan not editable) shows the page again with what is wrong."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from indicators.models import Index
from indicators.selectors import ranking_years
from reformdash.lib.evidence import evidence_response, evidence_too_big_message
from reformdash.lib.export import title_line
from reformdash.lib.paging import paginate_table
from reformdash.lib.tables import table_configure, table_export_response
from reformdash.lib.uploads import UploadSizeLimit, body_declared_too_big
from remediation import selectors, services
from remediation.forms import ActionForm, CauseForm, CoverageForm, PlanCreateForm, ReviewForm
from remediation.models import Plan, PlanAction, PlanItem, PlanStatus
from remediation.tables import CoverageByCriterionTable, CoverageByUnitTable, OverdueActionTable, UnplannedLossTable
from units.access import Action, may, visible_unit_or_404
from units.forms import FIRST_YEAR, LAST_YEAR


def _plan_page(request, *, unit, index, year, status=200, **forms):
    plan = selectors.plan_for(unit=unit, index=index, year=year)
    may_edit = may(request.user, Action.EDIT_PLAN, unit)
    context = {
        "unit": unit,
        "index": index,
        "year": year,
        "plan": plan,
        "may_edit": may_edit,
        "may_review": plan is not None
        and plan.status == PlanStatus.SUBMITTED
        and may(request.user, Action.REVIEW_PLAN),
        "problems": services.plan_problems(plan) if plan is not None and plan.editable else [],
        "review_form": forms.get("review_form") or ReviewForm(),
        "errors": forms.get("errors", []),
    }
    if plan is not None and may_edit:
        _attach_forms(plan, added=forms.get("action_form"), added_to=forms.get("form_item"))
    if plan is None and may_edit:
        losses = selectors.plannable_losses(unit=unit, index=index, year=year)
        context["create_form"] = forms.get("create_form") or PlanCreateForm(losses=losses)
    return render(request, "remediation/plan.html", context, status=status)


def _attach_forms(plan, *, added=None, added_to=None):
    """Each item's cause and new-action forms and each action's own, with ids of their own (one
    page holds them all); the refused new action kept in its item's form with its errors."""
    for item in plan.items.all():
        item.cause_form = CauseForm(initial={"cause": item.cause}, auto_id=f"id_item{item.pk}_%s")
        item.add_form = (
            added if added is not None and added_to == item.pk else ActionForm(auto_id=f"id_new{item.pk}_%s")
        )
        for action in item.actions.all():
            action.form = ActionForm(instance=action, auto_id=f"id_action{action.pk}_%s")


def _unit_and_index(request, code, index, year):
    unit = visible_unit_or_404(user=request.user, code=code)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such year.")
    return unit, get_object_or_404(Index, code=index)


def _plan_url(plan):
    return redirect("remediation_plan", code=plan.unit.code, index=plan.index.code, year=plan.year)


@login_required
def plan_page(request, code, index, year):
    """GET: the unit's plan (or, to its head and officers, the form filing one). POST: file it."""
    unit, index = _unit_and_index(request, code, index, year)
    if request.method != "POST":
        return _plan_page(request, unit=unit, index=index, year=year)
    if not may(request.user, Action.EDIT_PLAN, unit):
        raise PermissionDenied
    losses = selectors.plannable_losses(unit=unit, index=index, year=year)
    form = PlanCreateForm(request.POST, losses=losses)
    if not form.is_valid():
        return _plan_page(request, unit=unit, index=index, year=year, create_form=form, status=400)
    try:
        plan = services.plan_create(
            unit=unit, index=index, year=year, criterion_codes=form.cleaned_data["criteria"], user=request.user
        )
    except ValidationError as error:
        return _plan_page(request, unit=unit, index=index, year=year, errors=error.messages, status=400)
    messages.success(request, _("The plan is filed as a draft: write the cause and the actions of each criterion."))
    return _plan_url(plan)


def _visible_plan(request, *, item_id=None, action_id=None):
    """The plan of the item or action the address names, 404 when its unit is not one the user may
    see. Looked up by the row's own key first: an id past the database's integers then finds
    nothing (Django's range check), where a lookup across a relation would overflow."""
    if item_id is not None:
        plan_id = PlanItem.objects.filter(pk=item_id).values_list("plan_id", flat=True).first()
    else:
        plan_id = PlanAction.objects.filter(pk=action_id).values_list("item__plan_id", flat=True).first()
    plan = Plan.objects.filter(pk=plan_id).select_related("unit", "index").first() if plan_id else None
    if plan is None:
        raise Http404("No such plan.")
    visible_unit_or_404(user=request.user, code=plan.unit.code)
    return plan


def _form_messages(form):
    return [message for messages_ in form.errors.values() for message in messages_]


def _refused(request, plan, error, status=400, **forms):
    return _plan_page(
        request, unit=plan.unit, index=plan.index, year=plan.year, errors=error.messages, status=status, **forms
    )


@login_required
@require_POST
def item_cause(request, item_id):
    plan = _visible_plan(request, item_id=item_id)
    item = get_object_or_404(PlanItem, pk=item_id)
    form = CauseForm(request.POST)
    if not form.is_valid():
        return _refused(request, plan, ValidationError(_form_messages(form)))
    try:
        services.plan_item_cause_save(item=item, cause=form.cleaned_data["cause"], user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _plan_url(plan)


def _upload_guarded(plan_key):
    """A view taking an evidence file, its plan found by `plan_key(kwargs)` (_visible_plan's
    keywords): the plan must be one the reader sees (404) and may write (403) before anything of
    the body is read; a body declaring more than the limit is refused unread (413), and a file
    turning out larger while it streams is cut off. The CSRF check runs once the size limit is in place, as
    assessments.views.evidence_upload does (Django's documented pattern)."""

    def decorate(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @login_required
        @require_POST
        @functools.wraps(view)
        def guarded(request, **kwargs):
            plan = _visible_plan(request, **plan_key(kwargs))
            if not may(request.user, Action.EDIT_PLAN, plan.unit):
                raise PermissionDenied
            if body_declared_too_big(request, limit=settings.EVIDENCE_MAX_BYTES):
                return _refused(request, plan, ValidationError(evidence_too_big_message()), status=413)
            request.upload_limit = UploadSizeLimit(request, limit=settings.EVIDENCE_MAX_BYTES)
            request.upload_handlers.insert(0, request.upload_limit)
            return protected(request, plan=plan, **kwargs)

        return guarded

    return decorate


def _action_form(request, plan, **kwargs):
    """The posted action form, or the page refusing it (as its 413 when the file was cut off)."""
    form = ActionForm(request.POST, request.FILES, **kwargs)
    if request.upload_limit.exceeded:
        return None, _refused(request, plan, ValidationError(evidence_too_big_message()), status=413)
    return form, None


@_upload_guarded(lambda kwargs: {"item_id": kwargs["item_id"]})
def action_add(request, item_id, plan):
    item = get_object_or_404(PlanItem, pk=item_id)
    form, refused = _action_form(request, plan, auto_id=f"id_new{item.pk}_%s")
    if refused:
        return refused
    if not form.is_valid():
        return _plan_page(
            request, unit=plan.unit, index=plan.index, year=plan.year, action_form=form, form_item=item.pk, status=400
        )
    try:
        services.plan_action_add(item=item, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _plan_url(plan)


@_upload_guarded(lambda kwargs: {"action_id": kwargs["action_id"]})
def action_update(request, action_id, plan):
    action = get_object_or_404(PlanAction, pk=action_id)
    form, refused = _action_form(request, plan, instance=PlanAction.objects.get(pk=action_id))
    if refused:
        return refused
    if not form.is_valid():
        return _refused(request, plan, ValidationError(_form_messages(form)))
    try:
        services.plan_action_update(action=action, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _refused(request, plan, error)
    return _plan_url(plan)


@login_required
def action_evidence(request, action_id):
    """The action's evidence file, as an attachment with its checked type, to whoever may see the
    unit; 404 otherwise (assessments.views.evidence_download does the same for a self-assessment's)."""
    _visible_plan(request, action_id=action_id)
    action = get_object_or_404(PlanAction, pk=action_id)
    if not action.evidence_file:
        raise Http404("The action has no evidence file.")
    return evidence_response(
        action.evidence_file, filename=action.evidence_name, content_type=action.evidence_content_type
    )


@login_required
@require_POST
def plan_submit(request, code, index, year):
    unit, index = _unit_and_index(request, code, index, year)
    plan = get_object_or_404(Plan, unit=unit, index=index, year=year)
    try:
        services.plan_submit(plan=plan, user=request.user)
    except ValidationError as error:
        return _refused(request, plan, error)
    messages.success(request, _("The plan is submitted to the Department of Home Affairs for review."))
    return _plan_url(plan)


@login_required
@require_POST
def plan_review(request, code, index, year):
    unit, index = _unit_and_index(request, code, index, year)
    plan = get_object_or_404(Plan, unit=unit, index=index, year=year)
    if not may(request.user, Action.REVIEW_PLAN):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, unit=unit, index=index, year=year, review_form=form, status=400)
    try:
        services.plan_review(
            plan=plan,
            user=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return _refused(request, plan, error, review_form=form)
    return _plan_url(plan)


# --- the province's coverage ------------------------------------------------------------------

EXPORTS = {
    "units": (CoverageByUnitTable, "by_unit", _("Remediation by unit")),
    "criteria": (CoverageByCriterionTable, "by_criterion", _("Remediation by criterion")),
    "missing": (UnplannedLossTable, "without_plan", _("Chronic losses without a plan")),
    "overdue": (OverdueActionTable, "overdue", _("Actions overdue")),
}
PER_PAGE = 50


@login_required
def coverage(request):
    """Chronic losses without a plan and actions overdue, by unit and by criterion, for an index
    and year: the units the user may see only, on the page and in the exports."""
    years = sorted(set(ranking_years()) | set(Plan.objects.values_list("year", flat=True)), reverse=True)
    form = CoverageForm(request.GET, years=years)
    if not form.is_valid():
        return render(request, "remediation/coverage.html", {"form": form}, status=400)
    index = form.cleaned_data["index"] or form.fields["index"].queryset.first()
    # Without a year asked for: the latest with a plan of a unit the reader sees, else the latest with results.
    year = form.cleaned_data["year"] or selectors.latest_plan_year(user=request.user, index=index)
    year = year or (years[0] if years else None)
    if index is None or year is None:
        return render(request, "remediation/coverage.html", {"form": form})
    found = selectors.coverage(user=request.user, index=index, year=year)
    tables = {
        "units": CoverageByUnitTable(found["by_unit"], index=index, year=year, prefix="u-"),
        "criteria": CoverageByCriterionTable(found["by_criterion"], prefix="c-"),
        "missing": UnplannedLossTable(
            [loss for loss in found["losses"] if not loss["planned"]], index=index, year=year, prefix="m-"
        ),
        "overdue": OverdueActionTable(found["overdue"], prefix="o-"),
    }
    export = request.GET.get("export")
    if export:
        name = request.GET.get("table")
        if name not in EXPORTS:
            raise Http404("No such table.")
        table = tables[name]
        table_configure(request, table)
        return table_export_response(
            table,
            export=export,
            filename=f"remediation-{EXPORTS[name][1]}-{index.code}-{year}",
            sheet_title=EXPORTS[name][2],
            title_lines=[title_line(EXPORTS[name][2], index.name, year)],
        )
    for table in tables.values():
        # A province has thousands of chronic losses: each table a page at a time, as exported whole.
        table_configure(request, table)
        try:
            paginate_table(request, table, per_page=PER_PAGE)
        except InvalidPage as error:
            raise Http404("No such page.") from error
    context = {"form": form, "index": index, "year": year, "tables": tables}
    return render(request, "remediation/coverage.html", context)
