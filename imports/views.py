"""Import in the browser: download a score template, upload a file, see every problem, confirm."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imports import selectors, services
from imports.forms import TemplateForm, UploadForm
from indicators.importers.common import ROUNDED
from reformdash.lib.uploads import UploadSizeLimit, body_declared_too_big
from units.access import Action, may

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The importers' counts, by the keys they return, for people.
SUMMARY_LABELS = {
    "scores": _("scores in the file"),
    "results": _("results in the file"),
    "criteria": _("criteria in the file"),
    "changed": _("changed"),
    "assessments created": _("assessments created"),
    "created": _("created"),
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "added": _("added"),
    "removed": _("removed"),
    "methodology created": _("methodology created"),
    "index created": _("index created"),
    "index updated": _("index updated"),
    "moved": _("moved to another parent"),
    ROUNDED: _("values rounded to 6 decimal places"),
}


def importer_only(view):
    """Appraisers and administrators; a 404 for everyone else, logged in or not."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may(request.user, Action.IMPORT):
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return wrapper


def _upload_page(request, *, upload_form, template_form, status=200, upload_errors=()):
    context = {
        "upload_form": upload_form,
        "template_form": template_form,
        "upload_errors": upload_errors,
        "runs": selectors.import_runs_recent(user=request.user),
        "max_mb": f"{settings.IMPORT_MAX_BYTES / 2**20:g}",
        "max_rows": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True),
    }
    return render(request, "imports/upload.html", context, status=status)


@csrf_exempt  # checked by _upload_post once the size limit is in place (Django's documented pattern)
@login_required
@importer_only
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """/imports/: the upload form (POST stores the file, sends its check and shows its run), the template
    form, recent runs.

    Nothing of a POST's body is read before the uploader is known to be allowed; a body declaring
    more than the limit is refused unread, and a file that turns out larger while it streams is cut off."""
    if request.method == "POST":
        if body_declared_too_big(request, limit=settings.IMPORT_MAX_BYTES):
            return _too_big(request)
        limit = UploadSizeLimit(request, limit=settings.IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, limit)
        return _upload_post(request, limit)
    return _upload_page(request, upload_form=UploadForm(user=request.user), template_form=TemplateForm())


def _too_big(request):
    message = _("The file is larger than the %(limit)s that can be imported.") % {
        "limit": filesizeformat(settings.IMPORT_MAX_BYTES)
    }
    return _upload_page(
        request,
        upload_form=UploadForm(user=request.user),
        template_form=TemplateForm(),
        status=413,
        upload_errors=[message],
    )


@csrf_protect
def _upload_post(request, limit):
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if limit.exceeded:
        return _too_big(request)
    if form.is_valid():
        data = form.cleaned_data
        run = services.import_run_check(
            user=request.user,
            kind=data["kind"],
            upload=data["file"],
            index=data["index"],
            year=data["year"],
            unit_kind=data["unit_kind"],
            aggregation=data["aggregation"],
            dossier_measure=data["dossier_measure"],
            allow_reparent=data.get("allow_reparent", False),
        )
        return redirect("import_run", run_id=run.pk)
    return _upload_page(request, upload_form=form, template_form=TemplateForm(), status=400)


@importer_only
@require_GET
def import_template(request):
    """/imports/template/?index=&year=&kind=: the XLSX score template of that methodology."""
    form = TemplateForm(request.GET)
    if not form.is_valid():
        return _upload_page(request, upload_form=UploadForm(user=request.user), template_form=form, status=400)
    methodology = form.cleaned_data["methodology"]
    response = HttpResponse(selectors.score_template_xlsx(methodology=methodology), content_type=XLSX_TYPE)
    filename = f"scores-{methodology.index.code}-{methodology.year}-{methodology.unit_kind}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def import_run(request, run_id):
    """/imports/<id>/: the run's problems, or what it would change and a Confirm button, or its progress."""
    run = selectors.import_run_visible_or_404(user=request.user, run_id=run_id)
    # The moves of a units import are listed apart, each with who gains and loses sight of it.
    summary = [(SUMMARY_LABELS.get(key, key), value) for key, value in run.summary.items() if key != "moves"]
    context = {
        "run": run,
        "summary": summary,
        "moves": run.summary.get("moves", []),
        "more_problems": run.problem_count - len(run.problems),
        "may_confirm": run.user_id == request.user.pk and may(request.user, Action.IMPORT),
    }
    return render(request, "imports/run.html", context)


@importer_only
@require_POST
def import_confirm(request, run_id):
    """POST /imports/<id>/confirm/: the uploader writes the checked file (now, or by a job)."""
    run = selectors.import_run_visible_or_404(user=request.user, run_id=run_id)
    if run.user_id != request.user.pk:
        raise Http404("Only the uploader confirms an import.")
    services.import_run_confirm(run=run, user=request.user)
    return redirect("import_run", run_id=run.pk)


@require_GET
def import_progress(request, run_id):
    """/imports/<id>/progress.json: what the progress bar polls."""
    run = selectors.import_run_visible_or_404(user=request.user, run_id=run_id)
    return JsonResponse(selectors.import_run_progress(run=run))
