"""The dossier pages (rankings by a dossier rate with the monthly trend, a unit's overdue
dossiers, the rules page), and the push endpoint one-stop systems send their dossiers to.

    POST /api/dossiers/batch/
    Authorization: Bearer <the source's token>
    Content-Type: application/json

    {"dossiers": [{"external_id": "…", "unit_code": "…", "received_at": "…", …}, …]}

Each item has the columns of `dossiers.importers.dossiers` (`source` may be left out: it is the token's source).
At most MAX_ITEMS items and MAX_BODY_BYTES bytes; more is refused with 413, before anything is stored.
A source's token writes only the dossiers of the units it serves (dossiers.tokens): an item of
another unit is refused like a bad one, with its index and reason under "unit_code".
Answers: 200 `{"created", "updated", "unchanged"}` when every item was good; 400 with the same counts
and `"errors": [{"index", "external_id", "errors": {column: reason}}]` when some were not — the good
ones are stored all the same; 400 `{"error"}` for a body that is not such a JSON object; 401 without
a valid token of an active source. Sending the same batch again changes nothing (all unchanged).
"""

import datetime
import functools
import json
import unicodedata

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tables2 import LazyPaginator

from dossiers import measures, selectors
from dossiers.charts import monthly_trend_figure
from dossiers.forms import SHOW_LATE, DossierRankingForm, OverdueDossiersForm, defaults
from dossiers.importers.dossiers import dossier_parse, dossiers_write
from dossiers.measures import MEASURES, DossierMeasure, month_of
from dossiers.models import Scope
from dossiers.tables import DossierRankingTable, OverdueDossierTable
from dossiers.tokens import source_for_token, source_unit_ids_served
from preferences.layout import table_layout
from reformdash.lib.charts import cached_chart, chart
from reformdash.lib.export import as_of_text, title_line
from reformdash.lib.links import path_maker
from reformdash.lib.maps import unit_map_figure
from reformdash.lib.paging import paginate_table, query_corrected
from reformdash.lib.tables import table_configure, table_export_response
from units.access import (
    FOREIGN_GROUP_NOTICE,
    Action,
    sees_all_units,
    units_allowed,
    units_visible_to,
    visible_unit_or_404,
)
from units.models import Unit, UnitKind
from units.selectors import first_kind_existing

MAX_ITEMS = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
# The key of a reason that is about the whole item rather than one of its fields.
ITEM = "__all__"


@login_required
def dossier_methodology(request):
    """How the dossier rates are computed: the rules' own docstrings, translated."""
    context = {
        "rules": [(_(function.title), _(function.__doc__)) for function in measures.RULES],
        "shares": [(_(title), _(definition)) for title, definition in measures.SHARES],
    }
    return render(request, "dossiers/methodology.html", context)


@login_required
def dossier_ranking(request):
    """Units ranked by a dossier rate over a month, a quarter or a year (only the rows the user may
    see, with their ranks in the whole group), and the monthly trend of the chosen unit's total."""
    top_unit = selectors.scope_units_visible_to(user=request.user).first()
    form = _ranking_form(request, _ranking_data(request, top_unit))
    if not form.is_valid():
        return render(request, "dossiers/ranking.html", {"form": form}, status=400)
    choice = form.cleaned_data
    if form.notice:  # the links the page builds from the query (sort, pages, export) name the rows shown
        request.GET = query_corrected(request.GET, parent="")
    label = str(DossierMeasure(choice["measure"]).label)
    rows = selectors.dossier_ranking_visible(
        user=request.user,
        months=choice["months"],
        kind=choice["kind"],
        parent=choice["parent"],
        measure=choice["measure"],
    )
    # The group column only when the rows are of several groups.
    parent_ids = {row["parent_id"] for row in rows}
    group_names = None if choice["parent"] or len(parent_ids) < 2 else _visible_names(request.user, parent_ids)
    table = DossierRankingTable(rows, measure=choice["measure"], measure_label=label, group_names=group_names)
    if request.GET.get("export"):
        table_configure(request, table)
        return table_export_response(
            table,
            export=request.GET["export"],
            filename=f"dossiers-{choice['measure']}-{form.period_slug()}",
            sheet_title=_("Dossier rankings"),
            title_lines=functools.partial(_ranking_title, form, label),  # for the XLSX only: it costs a query
        )
    _paginate(request, table)
    table.linkable = _scorecards_open_to(request.user, table.page_unit_ids())
    year = selectors.months_of_year(choice["year"])
    scope_unit = choice["parent"] or selectors.default_scope_unit(user=request.user, months=year)
    context = {
        "form": form,
        "table": table,
        "measure_label": label,
        "scope_unit": scope_unit,
        "trend": scope_unit and _trend_chart(scope_unit, year, choice, label),
        "period_cut": _period_cut(choice),
        "map": _ranking_map(rows, choice, label, period=form.period_label()),
    }
    return render(request, "dossiers/ranking.html", context)


@login_required
def unit_overdue_dossiers(request, code):
    """A unit's dossiers pending past their due date now, or completed late in a period; with the
    units under it unless asked for its own. 404 for a unit the user may not see."""
    unit = visible_unit_or_404(user=request.user, code=code)
    form = OverdueDossiersForm(_with_defaults(request, {"show": "overdue", "scope": Scope.TOTAL.value}))
    if not form.is_valid():
        return render(request, "dossiers/overdue.html", {"form": form, "unit": unit}, status=400)
    choice = form.cleaned_data
    if choice["show"] == SHOW_LATE:
        dossiers = selectors.late_dossiers(unit=unit, user=request.user, months=choice["months"], scope=choice["scope"])
    else:
        dossiers = selectors.overdue_dossiers(unit=unit, user=request.user, scope=choice["scope"])
    table = OverdueDossierTable(dossiers, show_completed=choice["show"] == SHOW_LATE)
    if request.GET.get("export"):
        table_configure(request, table)
        late = choice["show"] == SHOW_LATE
        return table_export_response(
            table,
            export=request.GET["export"],
            filename=f"late-dossiers-{unit.code}-{form.period_slug()}" if late else f"overdue-dossiers-{unit.code}",
            sheet_title=_("Overdue dossiers"),
            title_lines=_overdue_title(unit, form),
        )
    # Counting every overdue dossier of a province on each page would cost more than the page.
    _paginate(request, table, paginator_class=LazyPaginator)
    table.linkable = _scorecards_open_to(request.user, table.page_unit_ids())
    return render(request, "dossiers/overdue.html", {"form": form, "unit": unit, "table": table, "choice": choice})


def _ranking_title(form, measure_label):
    """The dossier ranking's export title: the measure, the period and as of when the statistics
    were computed; the units ranked (under which unit), on their own dossiers."""
    choice = form.cleaned_data
    parent = choice["parent"] and choice["parent"].name
    return [
        title_line(measure_label, form.period_label(), _stats_as_of()),
        title_line(UnitKind(choice["kind"]).label, parent, _("own dossiers")),
    ]


def _overdue_title(unit, form):
    """The overdue list's export title: whose dossiers, which ones (overdue now, or late in a
    period), with or without the units under it; as of now."""
    choice = form.cleaned_data
    if choice["show"] == SHOW_LATE:
        shown = _("Completed late: %(period)s") % {"period": form.period_label()}
    else:
        shown = _("Pending and overdue now")
    scope = _("the unit's own dossiers") if choice["scope"] == Scope.OWN else _("with the units under it")
    return [
        title_line(_("Overdue dossiers of %(unit)s") % {"unit": unit.name}, shown, scope),
        as_of_text(timezone.now()),
    ]


def _stats_as_of():
    as_of = selectors.dossier_stats_as_of()
    return as_of_text(as_of) if as_of else _("no statistics computed yet")


def _scorecards_open_to(user, unit_ids):
    """The ids among `unit_ids` of the units whose scorecard the user may open (VIEW_UNIT, which the
    scorecard asks): the table links their names. One query for the page's units."""
    units = units_allowed(user=user, action=Action.VIEW_UNIT, queryset=Unit.objects.filter(pk__in=unit_ids))
    return set(units.values_list("pk", flat=True))


def _ranking_form(request, data):
    """The ranking's form. A parent the reader may not see — a link shared by someone who sees
    more, or its export link — is no form error: the units of the kind under every parent he sees
    (his own group), with FOREIGN_GROUP_NOTICE; nothing of the named unit is read. For a reader who
    sees every unit, a code of no unit stays a bad parameter."""
    form = DossierRankingForm(data, user=request.user)
    if form.is_valid() or "parent" not in form.errors or not data.get("parent") or sees_all_units(request.user):
        return form
    return DossierRankingForm({**data, "parent": ""}, user=request.user, notice=FOREIGN_GROUP_NOTICE)


def _period_cut(choice):
    """The note of a period cut by a reorganisation (units ended or began inside it), or None."""
    cut = selectors.dossier_ranking_cut(months=choice["months"], kind=choice["kind"], parent=choice["parent"])
    if not cut:
        return None
    return {"cut": cut, "dates": ", ".join(date.strftime("%d/%m/%Y") for date in cut.began_on)}


def _ranking_data(request, top_unit):
    """The ranking a user first sees: the overdue rate of the units of his own level over the
    latest year with statistics; for the province's staff, the level below the province that
    exists at the period's end (its last day, or today): districts until 30/6/2025, communes after."""
    data = _with_defaults(request, {"measure": DossierMeasure.OVERDUE_RATE.value})
    if "kind" not in data:
        data["kind"] = str(_default_kind(top_unit, data.get("year")))
    return data


def _default_kind(top_unit, year):
    if top_unit is not None and top_unit.kind != UnitKind.PROVINCE:
        return top_unit.kind
    try:
        day = min(datetime.date(int(year), 12, 31), timezone.localdate())
    except (TypeError, ValueError, OverflowError):
        return UnitKind.DISTRICT  # a year the form refuses anyway
    return first_kind_existing(kinds=(UnitKind.DISTRICT, UnitKind.COMMUNE), day=day) or UnitKind.DISTRICT


def _with_defaults(request, values):
    """The query string over the defaults: a page opened without parameters shows something."""
    data = {**defaults(latest_month=selectors.latest_dossier_month()), **values}
    data.update(request.GET.dict())
    return data


def _visible_names(user, unit_ids):
    """{id: name} of those units the user may see; a group whose parent he may not see is unnamed."""
    units = units_visible_to(user=user, queryset=Unit.objects.filter(pk__in=unit_ids - {None}))
    return dict(units.values_list("pk", "name"))


def _ranking_map(rows, choice, measure_label, *, period):
    """The map of the rows the reader sees (all of them, whatever the page): a dot per unit with
    coordinates coloured by the rate (dossier rates have no bands), a click opening its scorecard.
    {"chart", "unplaced"} as partials/_map.html takes it."""
    points, unplaced = selectors.dossier_map_points(rows=rows)
    result = {"chart": None, "unplaced": unplaced}
    if not points:
        return result
    scorecard = path_maker("unit_scorecard", "code")
    for point in points:
        point["link"] = scorecard(point.pop("unit_code"))
    label = _("%(measure)s, %(period)s: each unit at its place, coloured by the rate") % {
        "measure": measure_label,
        "period": period,
    }
    result["chart"] = cached_chart(
        unit_map_figure,
        points=points,
        value_label=f"{measure_label} (%)",
        higher_is_better=not MEASURES[choice["measure"]].lower_is_better,
        chart_id="dossier-map",
        label=label,
    )
    return result


def _trend_chart(unit, months, choice, measure_label):
    # Before a reorganisation, the months of a merged unit are its predecessors' counts summed.
    rows = selectors.lineage_monthly_rates(unit=unit, months=months)
    figure = monthly_trend_figure(
        rows=rows,
        measure=choice["measure"],
        measure_label=measure_label,
        highlight=choice["months"],
        lower_is_better=MEASURES[choice["measure"]].lower_is_better,
        current_month=month_of(timezone.now()),
    )
    label = _("%(measure)s per month in %(year)d: %(unit)s, with the units under it") % {
        "measure": measure_label,
        "year": choice["year"],
        "unit": unit.name,
    }
    if any(row["composed"] for row in rows):
        label += f" ({_('composed from the figures of its predecessors')})"
    return chart(figure, chart_id="dossier-trend", label=label)


def _paginate(request, table, **options):
    """Sort the table and page it as the query string asks, at the reader's page size among ours
    whatever it asks (preferences.layout, which also hides the columns he hid: the table cannot be
    fetched whole by asking for one big page); a page that is not a page
    number or lies past the end is a 404."""
    table_configure(request, table)
    try:
        paginate_table(request, table, per_page=table_layout(request, table), **options)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


@csrf_exempt  # authenticated by a token in a header, never by a cookie
@require_POST
def dossier_batch(request):
    """Create or update a batch of the authenticated source's dossiers; per-item errors."""
    source = _authenticated_source(request)
    if source is None:
        response = _error(_("a valid token is required: Authorization: Bearer <token>"), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="reformdash"'
        return response
    body, error = _body(request)
    if error:
        return error
    items = body["dossiers"]
    if len(items) > MAX_ITEMS:
        return _error(
            _("%(count)d dossiers in one batch; send at most %(max)d at a time")
            % {"count": len(items), "max": MAX_ITEMS},
            status=413,
        )

    units_by_code = dict(Unit.objects.filter(code__in=_unit_codes(items)).values_list("code", "pk"))
    served = source_unit_ids_served(source=source, unit_ids=units_by_code.values())
    not_served = None
    errors, dossiers, first_index = [], [], {}
    for index, item in enumerate(items):
        reasons, dossier = _item(item, source=source, units_by_code=units_by_code)
        if dossier is not None and dossier.unit_id not in served:
            # A known unit outside the source's subtrees: refused alone, the batch's others stored.
            not_served = not_served or _not_served(source)
            reasons, dossier = {"unit_code": not_served(item.get("unit_code"))}, None
        if dossier is not None:
            if dossier.external_id in first_index:
                first = first_index[dossier.external_id]
                reasons = {"external_id": _("duplicate of item %(index)d") % {"index": first}}
            else:
                first_index[dossier.external_id] = index
                dossiers.append(dossier)
        if reasons:
            external_id = item.get("external_id") if isinstance(item, dict) else None
            errors.append({"index": index, "external_id": external_id, "errors": reasons})
    counts = dossiers_write(dossiers=dossiers)
    if errors:
        return JsonResponse({**counts, "errors": errors}, status=400)
    return JsonResponse(counts)


def _authenticated_source(request):
    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return source_for_token(token.strip())


def _body(request):
    """(the parsed body, None), or (None, the response refusing it)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = _error(
        _("the body is larger than %(max)d MB; send fewer dossiers at a time") % {"max": MAX_BODY_BYTES // 2**20},
        status=413,
    )
    if declared > MAX_BODY_BYTES:
        return None, too_large
    # Read the stream, not request.body: the body limit is ours, not DATA_UPLOAD_MAX_MEMORY_SIZE's.
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return None, too_large
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return None, _error(_("the body is not valid JSON: %(error)s") % {"error": error})
    if not isinstance(body, dict) or not isinstance(body.get("dossiers"), list):
        return None, _error(_('the body must be a JSON object {"dossiers": [...]}'))
    unknown = sorted(set(body) - {"dossiers"})
    if unknown:
        return None, _error(_("unknown keys in the body: %(keys)s") % {"keys": ", ".join(unknown)})
    return body, None


def _unit_codes(items):
    """The unit codes the items name, as dossier_parse will read them."""
    codes = (item.get("unit_code") for item in items if isinstance(item, dict))
    codes = {unicodedata.normalize("NFC", str(code).strip()) for code in codes if isinstance(code, (str, int))}
    # One item's NUL would make PostgreSQL refuse the lookup of every item's unit: that item is
    # refused on its own (dossier_parse), the others go on.
    return {code for code in codes if "\x00" not in code}


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number")


def _item(item, *, source, units_by_code):
    """({column: reason}, dossier or None) of one item of the batch."""
    if not isinstance(item, dict):
        return {ITEM: _("each dossier must be a JSON object")}, None
    if item.get("source") not in (None, "", source.code):
        return {
            "source": _("this token belongs to source “%(code)s”; it cannot send another source's dossiers")
            % {"code": source.code}
        }, None
    dossier, problems = dossier_parse({**item, "source": source.code}, units_by_code=units_by_code)
    reasons = {}
    for problem in problems:
        column = problem.column or ITEM
        reasons[column] = f"{reasons[column]}; {problem.reason}" if column in reasons else problem.reason
    return reasons, dossier


def _not_served(source):
    """unit code → why the source may not send that unit's dossiers; the source's units read once a batch."""
    roots = [] if source.all_units else list(source.units.order_by("code").values_list("code", flat=True))
    if not roots:
        reason = _("source “%(source)s” serves no unit yet: the administrator names the units it may send") % {
            "source": source.code
        }
        return lambda unit_code: reason
    return lambda unit_code: (
        _(
            "source “%(source)s” may not send the dossiers of unit “%(unit)s”: it serves %(units)s and the units "
            "under them only"
        )
        % {"source": source.code, "unit": unit_code, "units": ", ".join(roots)}
    )


def _error(message, *, status=400):
    return JsonResponse({"error": message}, status=status)
