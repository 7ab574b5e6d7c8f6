"""The overview, the rankings (page, CSV and XLSX exports, chart) and the chronic losses.

Who reads what: results of the units the user may see (units.access.units_visible_to); with
settings.PUBLIC_RANKINGS on, the rankings of published results also to anyone, logged in or not.
"""

import dataclasses
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import InvalidPage
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django_tables2 import LazyPaginator

from dossiers.charts import month_label
from dossiers.measures import Projection, month_of
from dossiers.selectors import overdue_counts
from indicators import selectors
from indicators.cache import SHARED_PART_SECONDS, results_cached, shared_part_key
from indicators.charts import group_position_figure, ranking_figure, trend_against_mean_figure
from indicators.forms import GroupForm, RankingForm, group_form
from indicators.models import AssessmentStatus, Direction, ValueUnit
from indicators.tables import RankingTable, area_title
from indicators.targets import early_warnings, group_target, heading_below_count
from preferences.layout import table_layout
from preferences.selectors import table_preference
from reformdash.lib.cache import CSRF_SLOT, cached, with_csrf_token
from reformdash.lib.charts import band_legend, cached_chart
from reformdash.lib.export import ColumnType, as_of_text, export_response, title_line
from reformdash.lib.links import path_maker
from reformdash.lib.maps import unit_map_figure
from reformdash.lib.numbers import in_unit
from reformdash.lib.paging import paginate_table, query_corrected
from reformdash.lib.tables import table_configure, table_export_response
from units.access import sees_all_units, units_visible_to, visible_units_key
from units.models import Membership, Unit


@login_required
def home(request):
    """The landing page: where the province stands nationally, the best and the worst unit of each
    group in the latest year, when the results were last computed, and which units this user sees."""
    extremes = selectors.group_extremes(user=request.user)
    memberships = list(Membership.objects.filter(user=request.user).select_related("unit").order_by("unit__name"))
    main_group = _main_group(request)
    as_of = selectors.results_as_of()
    context = {
        "worklist": _worklist(request.user, memberships, as_of=as_of),
        "trend": _trend(request.user),
        "heat_map": _heat_map(request, main_group),
        "losses": _losses(request.user, main_group),
        "standing": selectors.national_standing(user=request.user),
        "extremes": extremes,
        "extremes_by_index": _extremes_by_index(extremes),
        "as_of": as_of,
        "memberships": memberships,
        "sees_all_units": sees_all_units(request.user),
        "visible_unit_count": units_visible_to(user=request.user).count(),
    }
    return render(request, "indicators/home.html", context)


# The overview's count of units heading below their target is the early warning's whole
# projection (0.5–1.6 s for a staff reader of 3,321 communes): kept per reader until the results
# change (the dossier statistics recompute them) or this long has passed, for a target an
# administrator edited. The early warning page itself always computes.
HEADING_BELOW_SECONDS = 300


def _heading_below(user, *, as_of):
    today = timezone.localdate()
    key = f"heading-below:{user.pk}:{today.year}:{today.month}:{as_of.isoformat() if as_of else '-'}"
    return cached(key, lambda: heading_below_count(user=user, year=today.year), timeout=HEADING_BELOW_SECONDS)


def _worklist(user, memberships, *, as_of):
    """The overview's first line: what waits for the reader, each count a link to the page that
    lists it — the assessments worklist (filtered by status where it has the filter) and each of
    his units' overdue dossiers now. Only what his role has (indicators.selectors.worklist_counts)."""
    counts = selectors.worklist_counts(user=user)
    worklist_url = reverse("assessment_worklist")
    labels = {
        "self_assess": (_("to self-assess"), worklist_url),
        "appraise": (_("submitted, to appraise"), f"{worklist_url}?status={AssessmentStatus.SUBMITTED.value}"),
        "publish": (_("appraised, to publish"), f"{worklist_url}?status={AssessmentStatus.APPRAISED.value}"),
    }
    items = [
        {"count": counts[key], "label": label, "url": url} for key, (label, url) in labels.items() if key in counts
    ]
    heading_below = _heading_below(user, as_of=as_of)
    if heading_below:
        items.append(
            {"count": heading_below, "label": _("heading below their target"), "url": reverse("early_warning")}
        )
    units = list({membership.unit_id: membership.unit for membership in memberships}.values())
    overdue = overdue_counts(units=units, user=user)
    for unit in units:
        items.append(
            {
                "count": overdue[unit.pk],
                "label": _("overdue dossiers now: %(unit)s") % {"unit": unit.name},
                "url": reverse("unit_overdue_dossiers", kwargs={"code": unit.code}),
            }
        )
    return items


@login_required
def early_warning(request):
    """/targets/warnings/: the units of the reader's heading below their target this year, or short
    of it so far, on the rates computed from dossiers, with the year-end projection
    (indicators.targets.early_warnings); ?export=csv or xlsx downloads the same rows."""
    year = timezone.localdate().year
    current = month_of(timezone.now())
    warnings = early_warnings(user=request.user, year=year, current=current)
    projection = Projection.of(year=year, current=current)
    if "export" in request.GET:
        return _early_warning_export(warnings, export=request.GET["export"], year=year)
    context = {
        "year": year,
        "through": timezone.localdate(),
        "current_month": month_label(current),
        "projection": projection,
        "last_ended": month_label(projection.last_ended) if projection else "",
        "recent_first": month_label(projection.recent_first) if projection else "",
        "warnings": warnings,
        "heading_below": sum(warning.heading_below for warning in warnings),
        "shows_on_time": any(warning.on_time_so_far is not None for warning in warnings),
    }
    return render(request, "indicators/early_warning.html", context)


def _early_warning_export(warnings, *, export, year):
    """The warnings page's rows as a download: the same rows the reader sees, nothing else."""
    header = [
        _("Index"),
        _("Unit code"),
        _("Unit"),
        _("So far this year, month to date (%)"),
        _("Projected year end (%)"),
        _("Target value"),
        _("Target rank"),
        _("Rank"),
        _("Group size"),
        _("Heading below target"),
        _("Shortfall"),
        _("On-time rate so far (%)"),
        _("On-time rate projected (%)"),
    ]

    def rows():
        yield header
        for warning in warnings:
            result = warning.result
            yield [
                result.index.name,
                result.unit.code,
                result.unit.name,
                result.value,
                warning.projected,
                result.target_value,
                result.target_rank,
                result.rank,
                result.group_size,
                _("yes") if warning.heading_below else _("no"),
                warning.shortfall,
                warning.on_time_so_far,
                warning.on_time_projected,
            ]

    types = [ColumnType.TEXT] * 3 + [ColumnType.PERCENT] * 3 + [ColumnType.INTEGER] * 3
    types += [ColumnType.TEXT, ColumnType.POINTS, ColumnType.PERCENT, ColumnType.PERCENT]
    return export_response(
        rows(),
        export=export,
        filename=f"early-warnings-{year}",
        sheet_title=_("Heading below target"),
        title_lines=[title_line(_("Heading below target"), year), as_of_text(timezone.now())],
        types=types,
    )


def _main_group(request):
    """The reader's main group: the group the rankings page opens on for him (indicators.forms.
    group_form without parameters: PAR's latest year, his first group), as (form, {index, year,
    kind, parent}); None without one. The heat map and the biggest losses are of this group."""
    form = group_form(QueryDict(), GroupForm, user=request.user, public=False, years=selectors.ranking_years())
    if not form.is_valid():
        return None
    choice = form.cleaned_data
    return form, {key: choice[key] for key in ("index", "year", "kind", "parent")}


def _heat_map(request, main_group):
    """The areas × units of the reader's main group (_main_group), its area shares from
    indicators.selectors.area_heat_map; None without one."""
    if main_group is None:
        return None
    form, group = main_group
    choice = form.cleaned_data
    heat_map = selectors.area_heat_map(**group, user=request.user)
    if heat_map is None or not heat_map["rows"]:
        return None
    heat_map["titles"] = [(area.code, area_title(area)) for area in heat_map["areas"]]
    if heat_map["bands"]:
        legend = [(min(position, 4), band_legend(band)) for position, band in enumerate(heat_map["bands"])]
    else:
        legend = [(0, "≥ 80 %"), (2, "50 – < 80 %"), (4, "< 50 %")]
    return {
        **heat_map,
        **group,
        "legend": legend,
        "rankings_url": f"{reverse('rankings')}?{urlencode(form.query())}",
        "scorecard_query": urlencode({"index": choice["index"].code, "year": choice["year"]}),
    }


def _trend(user):
    """The overview's trend (indicators.selectors.overview_trend): a chart per index of the
    province against the national mean, or of the reader's own unit against its group's mean
    when the province is not his to see; each with the link to the unit's scorecard on it. None
    without a unit; {"unit", "province", "charts": []} when neither it nor a predecessor has a result."""
    trend = selectors.overview_trend(user=user)
    if trend is None:
        return None
    unit = trend["unit"]
    scorecard_url = reverse("unit_scorecard", kwargs={"code": unit.code})
    mean_label = _("National mean") if trend["province"] else _("Group mean")
    caption_mean = _("the national mean") if trend["province"] else _("the mean of its group")
    charts = []
    for entry in trend["indices"]:
        index = entry["index"]
        names = {"unit": unit.name, "index": index.name, "mean": caption_mean}
        own = next((line for line in entry["series"] if not line["predecessor"]), None)
        charts.append(
            {
                **entry,
                "withheld": _withheld_notes(entry["withheld"]),
                # The unit's own card for the index when it has a result; else the card without
                # parameters, which shows its predecessors' history.
                "url": f"{scorecard_url}?{urlencode({'index': index.code})}" if own else scorecard_url,
                "chart": cached_chart(
                    trend_against_mean_figure,
                    series=entry["series"],
                    means=entry["means"],
                    # The index is named above the chart: a long name would not fit a phone's axis.
                    value_label=_("Value"),
                    mean_label=mean_label,
                    lower_is_better=index.direction == Direction.LOWER,
                    percent=index.value_unit == ValueUnit.PERCENT,
                    chart_id=f"trend-{index.code}",
                    label=_("%(unit)s, %(index)s: value year by year, and %(mean)s") % names,
                ),
            }
        )
    provisional = any(
        point["provisional"]
        for chart in charts
        for line in [*chart["series"], *chart["means"]]
        for point in line["points"]
    )
    # A new unit (a merger's successor) may have no result of its own yet: the lines are its predecessors'.
    own_results = any(not line["predecessor"] for entry in trend["indices"] for line in entry["series"])
    return {
        **trend,
        "charts": charts,
        "scorecard_url": scorecard_url,
        "provisional": provisional,
        "own_results": own_results,
    }


def _withheld_notes(withheld):
    """The years whose group mean is withheld, one note per reason and figures: "2022, 2023: only
    2 of the 63 results…" rather than a line per year."""
    notes = {}
    for entry in withheld:  # a few years
        key = (entry["reason"], entry["size"], entry["of"]) if entry["reason"] == "incomplete" else (entry["reason"],)
        notes.setdefault(key, {**entry, "years": []})["years"].append(str(entry["year"]))
    return [{**note, "year": ", ".join(note["years"])} for note in notes.values()]


def _losses(user, main_group):
    """The criteria on which the reader's main group (_main_group) loses the most points, counted
    over the units he may see (indicators.selectors.biggest_losses_visible), each linked to the
    group's chronic losses — or, for a reader of one unit of it, to that unit's lost points on
    its scorecard. None without a group."""
    if main_group is None:
        return None
    form, group = main_group
    entries = selectors.biggest_losses_visible(**group, user=user)
    query = urlencode(form.query())
    url = f"{reverse('chronic_losses')}?{query}"
    own = None
    if entries:
        own = selectors.single_visible_unit(year=group["year"], kind=group["kind"], parent=group["parent"], user=user)
    if own is not None:
        card = reverse("unit_scorecard", kwargs={"code": own.code})
        url = f"{card}?{urlencode({'index': group['index'].code, 'year': group['year']})}#lost-points"
    return {**group, "entries": entries, "url": url, "own": own, "chronic_years": settings.CHRONIC_LOSS_YEARS}


def _extremes_by_index(extremes):
    """group_extremes per index (in its order): the groups the reader sees whole, named best and
    worst, apart from those he sees part of, his place in each with the group's figures."""
    by_index = []
    for entry in extremes:
        if not by_index or by_index[-1]["index"] != entry["index"]:
            by_index.append({"index": entry["index"], "year": entry["year"], "whole": [], "partial": [], "count": 0})
        by_index[-1]["partial" if entry["partial"] else "whole"].append(entry)
        by_index[-1]["count"] += 1
    return by_index


def rankings(request):
    """One group's ranking on an index in a year: table (sorted, searched, paged), chart, exports
    of exactly the rows and columns shown (?export=csv|xlsx), and a permalink."""
    public = settings.PUBLIC_RANKINGS
    if not request.user.is_authenticated and not public:
        return redirect_to_login(request.get_full_path())
    form = _group_form(request, RankingForm, public=public)
    if not form.is_valid():
        return render(request, "indicators/rankings.html", {"form": form}, status=404 if form.not_found() else 400)
    choice = form.cleaned_data
    group = {key: choice[key] for key in ("index", "year", "kind", "parent")}
    if request.GET.get("export") or request.GET.get("part") in RANKING_PARTS:
        rows = selectors.ranking_rows(**group, user=request.user, public=public, search=choice["q"])
        group_names = None
        if choice["parent"] is None:  # every parent's units: which group each is in, if several
            group_names = selectors.ranking_group_names(rows=rows, user=request.user, public=public)
        table = _ranking_table(request, rows, choice, group_names=group_names)
        if request.GET.get("export"):
            return _export(table, request.GET["export"], rows=rows, choice=choice)
        return _ranking_part(request, request.GET["part"], table, choice, public=public)
    as_of = selectors.results_as_of(index=choice["index"], year=choice["year"])
    section = _ranking_section_shown(request, form, choice, public=public, as_of=as_of)
    return render(request, "indicators/rankings.html", {"form": form, "choice": choice, "section": section})


# The rankings page's section (the table, the group's figures, chart and map) kept for the readers
# who see the same units, keyed by the results' "as of", what they see (units.access.visible_units_key)
# and the rest of what it shows (_section_key), for SHARED_PART_SECONDS: what no key follows — a
# row edited by hand in the database — shows within them.


def _ranking_section_shown(request, form, choice, *, public, as_of):
    """{"html", "filters_html", "scripts"} of the page's group section and of its filter form's
    fields, from the cache shared by the readers who see the same units as this one (every unit:
    staff; the same memberships' units: the officers of one unit), else rendered for him and kept
    for them. A visitor without an account gets them rendered each time."""
    preference = table_preference(user=request.user, table=RankingTable.layout_key)
    if as_of is None or not request.user.is_authenticated:
        return _ranking_section(
            request, form, choice, public=public, as_of=as_of, preference=preference, csrf_token=None
        )
    key = _section_key(request, form, choice, public=public, as_of=as_of, preference=preference)
    section = cached(
        key,
        lambda: _ranking_section(
            request, form, choice, public=public, as_of=as_of, preference=preference, csrf_token=CSRF_SLOT
        ),
        timeout=SHARED_PART_SECONDS,
    )
    return {
        **section,
        "html": with_csrf_token(request, section["html"]),
        "filters_html": mark_safe(section["filters_html"]),
    }


def _section_key(request, form, choice, *, public, as_of, preference):
    """The cache key of a section (shared_part_key: the request's query, language and host): the
    results' "as of" (a recompute moves it), what else of the group's state shows on it
    (selectors.ranking_state: its assessments' statuses, its publications, its targets, the
    units), what the reader sees (visible_units_key: on the section, his rows, his places among
    the group's figures, the scorecards he may open and the groups he may name depend on nothing
    else of him), and the reader's columns and page size. The filter form kept with it shows
    besides the years that have results (the year's choices) and why the group shown is not the
    one the link named (the form's notice: the query is then corrected to the group shown, the
    same as a link to that group, which has none)."""
    state = selectors.ranking_state(index=choice["index"], year=choice["year"])
    parts = [
        visible_units_key(user=request.user),
        public,
        preference and (preference.hidden_columns, preference.per_page),
        state,
        form.fields["year"].choices,
        str(form.notice or ""),
    ]
    # Named for what is kept: a copy of another shape (before the filters were kept with it) is never read.
    return shared_part_key(
        "rankings-section-filters", request, index_id=choice["index"].pk, year=choice["year"], as_of=as_of, parts=parts
    )


def _ranking_section(request, form, choice, *, public, as_of, preference, csrf_token):
    """The page's group section as {"html", "filters_html", "scripts"}
    (indicators/_rankings_section.html, and the filter form's fields: indicators/_filters.html, a
    GET form without a token), with `csrf_token` in its form instead of the reader's when given (a
    shared copy). The filters are drawn here, kept with the section, so that a page from the cache
    does not draw the "Under" list (725 parents for a national reader) nor read what keys it."""
    group = {key: choice[key] for key in ("index", "year", "kind", "parent")}
    rows = selectors.ranking_rows(**group, user=request.user, public=public, search=choice["q"])
    group_names = None
    if choice["parent"] is None:  # every parent's units: which group each is in, if several
        group_names = selectors.ranking_group_names(rows=rows, user=request.user, public=public)
    table = _ranking_table(request, rows, choice, group_names=group_names)
    _paginate(request, table, as_of=as_of, preference=preference)
    if choice["parent"] is not None:
        table.group_members = selectors.ranking_group_members(
            year=choice["year"], kind=choice["kind"], parent=choice["parent"]
        )
    group_rows, figures = _group_rows_and_figures(
        request, choice, public=public, as_of=as_of, rows=None if choice["q"] else rows
    )
    official, publication = selectors.ranking_publication(rows=group_rows)
    context = {
        "table": table,
        "choice": choice,
        "figures": figures,
        "own_places": _own_places(figures, index=choice["index"]),
        "official": official,
        "publication": publication,
        "as_of": as_of,
        "year_cut": _year_cut(choice),
        **_links(request, form),
    }
    if csrf_token is not None and table.layout is not None:
        table.layout = dataclasses.replace(table.layout, csrf_token=csrf_token)
    if figures is not None and figures.size > settings.RANKING_CHARTS_INLINE_UNITS:
        # Drawn when asked: ?part=chart and ?part=map, read by static/js/charts.js.
        query = request.GET.copy()
        context["on_demand"] = {part: f"{request.path}?{_with_part(query, part)}" for part in RANKING_PARTS}
    else:
        context["chart"] = _ranking_chart(
            group_rows, table, figures=figures, kind=choice["kind"], parent=choice["parent"]
        )
        context["map"] = _ranking_map(group_rows, table, kind=choice["kind"])
    scripts = bool(context.get("on_demand") or context.get("chart") or (context.get("map") or {}).get("chart"))
    html = render_to_string("indicators/_rankings_section.html", context, request=request)
    filters_html = render_to_string("indicators/_filters.html", {"form": form}, request=request)
    return {"html": str(html), "filters_html": str(filters_html), "scripts": scripts}


RANKING_PARTS = ("chart", "map")


def _own_places(figures, *, index):
    """The line of a reader of part of the group: each of his units' place in it, "Sở A: rank
    2/17 (84,60 %) — best of the group.", written here in one pass (a reader of 168 communes among
    3,321 had it through a template included 168 times: a third of the page's time). Empty for a
    reader of the whole group and where the figures are withheld."""
    if figures is None or not figures.partial or figures.suppressed:
        return ""
    places = []
    for row in figures.own_rows:
        extreme = ""
        if row["value"] == figures.best:
            extreme = " — " + _("best of the group")
        elif row["value"] == figures.worst:
            extreme = " — " + _("worst of the group")
        places.append(
            format_html(
                '<span class="own-place"><strong>{}</strong>: {} ({}){}.</span> ',
                row["name"],
                _("rank %(rank)s/%(size)s") % {"rank": row["rank"], "size": row["of"]},
                in_unit(row["value"], index),
                extreme,
            )
        )
    return mark_safe("".join(places))


def _with_part(query, part):
    query = query.copy()
    query.pop("page", None)
    query["part"] = part
    return query.urlencode()


def _group_rows_and_figures(request, choice, *, public, as_of=None, rows=None):
    """The group's rows the reader may read, whatever he searched (the chart and map ignore the
    search), and the group's figures over all its ranked units (indicators.group_figures): his
    place in it, or the notice that they are withheld. `rows`: the same rows already asked for
    (the table's, without a search), not built again."""
    group = {key: choice[key] for key in ("index", "year", "kind", "parent")}
    if rows is None:
        rows = selectors.ranking_rows(**group, user=request.user, public=public)
    figures = selectors.ranking_group_figures(**group, user=request.user, public=public, distribution=True, as_of=as_of)
    if figures is not None and figures.readable == 0:
        figures = None  # none of the group is his: no place of his to show in it
    return rows, figures


def _ranking_part(request, part, table, choice, *, public):
    """The chart or the map of a large group as JSON, {"figure", "note"}, drawn by
    static/js/charts.js when the reader asks: from the same rows and figures as the page would
    draw them, so it shows no more than the page would. 404 when there is nothing to draw."""
    group_rows, figures = _group_rows_and_figures(request, choice, public=public)
    note = ""
    if part == "chart":
        figure = _ranking_chart(group_rows, table, figures=figures, kind=choice["kind"], parent=choice["parent"])
    else:
        drawn = _ranking_map(group_rows, table, kind=choice["kind"])
        figure = drawn["chart"]
        if drawn["unplaced"]:
            # The words of partials/_map.html, which the page would show under the map.
            note = ngettext(
                "%(counter)s unit has no coordinates yet and is not on the map.",
                "%(counter)s units have no coordinates yet and are not on the map.",
                drawn["unplaced"],
            ) % {"counter": drawn["unplaced"]}
    if figure is None:
        raise Http404("Nothing to draw.")
    response = JsonResponse({"figure": figure.figure, "label": str(figure.label), "note": note})
    response["Cache-Control"] = "private, no-store"
    return response


def _year_cut(choice):
    """The note of a year cut by a reorganisation (units ended or began inside it), or None."""
    cut = selectors.ranking_year_cut(year=choice["year"], kind=choice["kind"], parent=choice["parent"])
    if not cut:
        return None
    return {"cut": cut, "dates": ", ".join(date.strftime("%d/%m/%Y") for date in cut.began_on)}


@login_required
def chronic_losses(request):
    """The criteria on which most units of a group keep losing points (settings.CHRONIC_LOSS_YEARS
    years running), with the units named: only those the user may see."""
    form = _group_form(request, GroupForm, public=False)
    if not form.is_valid():
        return render(
            request, "indicators/chronic_losses.html", {"form": form}, status=404 if form.not_found() else 400
        )
    choice = form.cleaned_data
    entries = selectors.chronic_losses_visible(
        index=choice["index"], year=choice["year"], kind=choice["kind"], parent=choice["parent"], user=request.user
    )
    context = {"form": form, "choice": choice, "entries": entries, "chronic_years": settings.CHRONIC_LOSS_YEARS}
    return render(request, "indicators/chronic_losses.html", context)


def _group_form(request, form_class, *, public):
    """The page's filter form over the query string (indicators.forms.group_form). When it shows
    another group than the link named, the links the page builds from the query (sort, pages,
    exports) name the group shown."""
    form = group_form(request.GET, form_class, user=request.user, public=public, years=selectors.ranking_years())
    if form.notice:
        request.GET = query_corrected(request.GET, kind=form.data["kind"], parent=form.data["parent"])
    return form


def _ranking_table(request, rows, choice, *, group_names):
    areas = selectors.ranking_areas(index=choice["index"], year=choice["year"], kind=choice["kind"])
    table = RankingTable(rows, index=choice["index"], year=choice["year"], areas=areas, group_names=group_names)
    table_configure(request, table)
    return table


def _read_areas(table, *, units):
    """The areas' sub-scores of `units` (the rows of the page, or all rows for an export): one query."""
    if table.methodology is not None:
        table.area_values = selectors.area_percentages(methodology=table.methodology, units=units)


def _paginate(request, table, *, as_of, preference):
    """A page of the table without counting the rows (LazyPaginator); a page past the end, or
    not a number, is a 404. The page size is the reader's choice among ours (preferences.layout),
    which also hides the columns he hid: a per_page parameter cannot ask for everything.
    The page's rows, and only they, get their revision marks.
    The areas' values of the page's units are cached until the next recompute (indicators.cache):
    every reader of a group's first page asks for the same fifty units."""
    try:
        per_page = table_layout(request, table, preference=preference)
        paginate_table(request, table, per_page=per_page, paginator_class=LazyPaginator)
    except InvalidPage as error:
        raise Http404(str(error)) from error
    table.revision_marks = selectors.revision_marks(result_ids=table.page_result_ids())
    if table.methodology is None:
        return
    ids = sorted(table.page_unit_ids())
    table.area_values = results_cached(
        "area-percentages",
        index_id=table.index.pk,
        year=table.year,
        as_of=as_of,
        parts=(table.methodology.pk, hashlib.sha256(repr(ids).encode()).hexdigest()[:32]),
        compute=lambda: selectors.area_percentages(
            methodology=table.methodology, units=Unit.objects.filter(pk__in=ids)
        ),
    )


def _ranking_chart(rows, table, *, figures, kind, parent):
    """The group's chart: every unit named for a reader of the whole group; for a reader of part
    of it, his units among the group's values without names; none when the figures are withheld."""
    names = {"index": table.index.name, "year": table.year}
    value_label = str(table.columns["value"].header)
    mean = figures.mean if figures is not None else None
    target = group_target(index=table.index, year=table.year, kind=kind, parent=parent)
    scale = {
        "lower_is_better": table.index.direction == Direction.LOWER,
        "percent": table.index.value_unit == ValueUnit.PERCENT,
        "target": target.value if target is not None else None,
    }
    if figures is not None and figures.partial:
        if figures.suppressed or not figures.distribution:
            return None
        return cached_chart(
            group_position_figure,
            values=figures.distribution,
            mean=mean,
            value_label=value_label,
            **scale,
            chart_id="ranking-chart",
            label=_("%(index)s %(year)d: your units among the values of the whole group, other units unnamed") % names,
        )
    bars = selectors.ranking_chart_data(rows=rows)
    if not bars:
        return None
    return cached_chart(
        ranking_figure,
        bars=bars,
        mean=mean,
        value_label=value_label,
        bands=selectors.ranking_bands(index=table.index, year=table.year, kind=kind),
        **scale,
        chart_id="ranking-chart",
        label=_("%(index)s %(year)d: value of each unit, and the mean of the whole group") % names,
    )


def _ranking_map(rows, table, *, kind):
    """The group's map, from the same rows as the table (what the reader may read, whatever he
    searched): a dot per unit with coordinates, coloured by the index's bands (by value without
    bands), a click opening the unit's scorecard where the table links it. {"chart", "unplaced"}:
    chart None when no row has coordinates; unplaced, the rows without them."""
    points, unplaced = selectors.ranking_map_data(rows=rows)
    result = {"chart": None, "unplaced": unplaced}
    if not points:
        return result
    query = urlencode({"index": table.index.code, "year": table.year})
    scorecard = path_maker("unit_scorecard", "code")
    for point in points:
        linkable = point.pop("linkable")
        code = point.pop("unit_code")
        point["link"] = f"{scorecard(code)}?{query}" if linkable else ""
    names = {"index": table.index.name, "year": table.year}
    result["chart"] = cached_chart(
        unit_map_figure,
        points=points,
        bands=selectors.ranking_bands(index=table.index, year=table.year, kind=kind),
        value_label=str(table.columns["value"].header),
        higher_is_better=table.index.direction != Direction.LOWER,
        chart_id="ranking-map",
        label=_("%(index)s %(year)d: each unit at its place, coloured by band or value") % names,
    )
    return result


def _links(request, form):
    """The permalink (every filter spelled out, with the sort order) and the two export links."""
    query = form.query()
    if request.GET.get("sort"):
        query["sort"] = request.GET["sort"]
    path = reverse("rankings")
    return {
        "permalink": request.build_absolute_uri(f"{path}?{urlencode(query)}"),
        "export_csv": f"{path}?{urlencode({**query, 'export': 'csv'})}",
        "export_xlsx": f"{path}?{urlencode({**query, 'export': 'xlsx'})}",
    }


def _filename(choice):
    parts = [choice["index"].code, str(choice["year"]), choice["kind"].value]
    if choice["parent"]:
        parts.append(choice["parent"].code)
    return "-".join(["rankings", *parts])


def _export(table, export, *, rows, choice):
    """Every row of the table (all pages) with the columns shown, each cell safe in a spreadsheet;
    the XLSX with the title lines of _export_title above them."""
    _read_areas(table, units=Unit.objects.filter(pk__in=rows.values("unit_id")))
    return table_export_response(
        table,
        export=export,
        filename=_filename(choice),
        sheet_title=_("Rankings"),
        title_lines=lambda: _export_title(choice, rows=rows),  # for the XLSX only: it costs queries
    )


# How official a group's rows are (selectors.ranking_publication), in a title's words.
OFFICIAL_WORDS = {
    "official": _lazy("official"),
    "corrected": _lazy("official"),
    "published": _lazy("official"),
    "partly": _lazy("partly official, partly provisional"),
    "provisional": _lazy("provisional"),
}


def _export_title(choice, *, rows):
    """What an exported ranking is, above its header: the index, the year, official or provisional
    and as of when; then the group (and the search), and the decision that made it official."""
    official, publication = selectors.ranking_publication(rows=rows)
    as_of = selectors.results_as_of(index=choice["index"], year=choice["year"])
    first = title_line(
        choice["index"].name,
        _("year %(year)d") % {"year": choice["year"]},
        OFFICIAL_WORDS[official],
        as_of_text(as_of) if as_of else _("no result computed yet"),
    )
    second = title_line(
        choice["kind"].label,
        choice["parent"] and choice["parent"].name,
        choice["q"] and _("search: %(text)s") % {"text": choice["q"]},
        publication
        and _("decision %(reference)s of %(date)s")
        % {"reference": publication.decision_number, "date": publication.published_on.strftime("%d/%m/%Y")},
    )
    return [first, second]
