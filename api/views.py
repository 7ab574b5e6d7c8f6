"""The read-only JSON API: indices, units, rankings, a unit's scorecard, and its OpenAPI schema.

Every endpoint answers GET (and HEAD) for a logged-in session or a personal token (api.auth), sees
only the units units_visible_to gives the user, and answers a problem with JSON: 400
`{"error", "errors": {parameter: reason}}`, 401 and 404 `{"error"}`, 405 for any other method.
Numbers with decimals are strings with the six stored decimals ("84.600000"), so that no client
rounds them through a binary float; counts and ranks are JSON integers; dates are ISO 8601.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api import forms, openapi, selectors
from api.auth import SCHEME, api_user
from indicators.official import OfficialState, is_official
from indicators.selectors import ranking, ranking_group_figures
from indicators.targets import target_state
from units.access import visible_unit_or_404

READ_METHODS = ("GET", "HEAD")


def api_view(params=forms.Params):
    """Method, authentication and parameters checked, in that order, before the view runs as
    `view(request, user=…, params=cleaned parameters, **url kwargs)`."""

    def decorate(view):
        # Safe because these views change nothing and refuse every unsafe method themselves: without
        # it, a POST from a browser session would meet the CSRF check's HTML 403 instead of our 405.
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, **kwargs):
            response = _answer(request, view, params, kwargs)
            # The answer depends on who asks: no shared cache may keep it, and no browser on a shared
            # office computer (a token's answers too: the middleware sees only sessions).
            patch_vary_headers(response, ("Authorization", "Cookie"))
            patch_cache_control(response, private=True, no_store=True)
            return response

        return wrapper

    return decorate


def _answer(request, view, params, kwargs):
    if request.method not in READ_METHODS:
        response = error(_("this API is read-only: use GET"), status=405)
        response["Allow"] = ", ".join(READ_METHODS)
        return response
    user, reason = api_user(request)
    if user is None:
        response = error(reason, status=401)
        response["WWW-Authenticate"] = f'{SCHEME} realm="reformdash"'
        return response
    form = params(request.GET, user=user)
    if not form.is_valid():
        return answer({"error": _("invalid parameters"), "errors": form.errors_by_param()}, status=400)
    try:
        return view(request, user=user, params=form.cleaned_data, **kwargs)
    except Http404:  # a unit the user may not see, not told apart from no unit at all
        return error(_("no such unit, or not one you may see"), status=404)


def error(message, *, status, errors=None):
    """{"error": message}; a 400 also says what was wrong with which part ({} when no parameter is
    to blame), as the OpenAPI document's ParameterErrors promises for every 400."""
    body = {"error": str(message)}
    if status == 400:
        body["errors"] = {key: str(value) for key, value in (errors or {}).items()}
    return answer(body, status=status)


def answer(data, *, status=200):
    # Vietnamese names stay readable in the body; JSON is UTF-8 either way.
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@api_view()
def indices(request, *, user, params):
    """Every index, with the years it has results of units the user may see."""
    return answer({"results": [_index_json(index) for index in selectors.indices_with_years(user=user)]})


@api_view(params=forms.UnitsParams)
def units(request, *, user, params):
    """The units the user may see, a page at a time (limit, offset), with the link to the next page."""
    limit, offset = params.pop("limit"), params.pop("offset")
    listed = selectors.units_listed(user=user, **params)
    count = listed.count()
    return answer(
        {
            "count": count,
            "limit": limit,
            "offset": offset,
            "next": _page_link(request, offset + limit, limit) if offset + limit < count else None,
            "previous": _page_link(request, max(offset - limit, 0), limit) if offset > 0 else None,
            "results": [_unit_json(unit) for unit in listed[offset : offset + limit]],
        }
    )


@api_view(params=forms.RankingParams)
def rankings(request, *, user, params):
    """One group's ranking (an index, a year, a unit kind, optionally a parent): the rows of the
    units the user may see, each with its rank in the whole group."""
    rows = list(ranking(user=user, **params))
    # The decision every row shares, only when every row reads official by it (indicators.official).
    decisions = {_decision(result) for result in rows}
    shared = next(iter(decisions)) if len(decisions) == 1 else None
    return answer(
        {
            "index": params["index"].code,
            "year": params["year"],
            "kind": params["kind"],
            "parent_code": params["parent"].code if params["parent"] else None,
            "official": _official_json(shared),
            "group": _group_json(ranking_group_figures(user=user, **params)),
            "results": [_ranking_row_json(result) for result in rows],
        }
    )


@api_view(params=forms.ScorecardParams)
def unit_scorecard(request, code, *, user, params):
    """A unit's result, area sub-totals and lost points on one index in one year; 404 for a unit the
    user may not see."""
    unit = visible_unit_or_404(user=user, code=code)
    scorecard = selectors.unit_scorecard(unit=unit, user=user, **params)
    result = scorecard["result"]
    return answer(
        {
            "unit": _unit_json(unit),
            "index": params["index"].code,
            "year": params["year"],
            "result": result and _result_json(result),
            "areas": [_area_json(area) for area in scorecard["areas"]],
            "lost_points": [_lost_json(row) for row in scorecard["lost_points"]],
            "official": _official_json(_decision(result)) if result else None,
            "status": _status_json(result),
            "revisions": [_revision_json(revision) for revision in scorecard["revisions"]],
            "predecessors_until": scorecard["predecessors_until"] and scorecard["predecessors_until"].isoformat(),
            "history": [_history_json(row) for row in scorecard["history"]],
        }
    )


def endpoints(request):
    """/api/: every endpoint, one line each (from the OpenAPI document, so the two cannot differ): a
    page for a browser, which asks for HTML first; JSON for a program, which asks for JSON or
    anything. Both under the API's rules: a session or a token."""
    wants_page = request.get_preferred_type(("application/json", "text/html")) == "text/html"
    if wants_page and request.method in READ_METHODS:
        response = _endpoints_page(request)
    else:
        response = _endpoints_json(request)
    patch_vary_headers(response, ("Accept",))
    return response


def _endpoints_page(request):
    if api_user(request)[0] is None:
        return redirect_to_login(request.get_full_path())
    return render(request, "api/endpoints.html", _endpoints_data())


@api_view()
def _endpoints_json(request, *, user, params):
    return answer(_endpoints_data())


def _endpoints_data():
    return {"endpoints": openapi.endpoints(), "schema": reverse("api:schema"), "docs": reverse("api_docs")}


@login_required
def docs(request):
    """/api/docs/: the OpenAPI document rendered for a person (Swagger UI, vendored), for a logged-in
    user: the document itself, and the calls tried from the page, need the session."""
    return render(request, "api/docs.html", _endpoints_data())


@api_view()
def schema(request, *, user, params):
    """The OpenAPI 3.1 document of this API."""
    return answer(openapi.document())


def _page_link(request, offset, limit):
    query = request.GET.copy()
    query["offset"], query["limit"] = offset, limit
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def decimal(value):
    """The six stored decimals as a string, or None."""
    return None if value is None else f"{value:.6f}"


def _index_json(index):
    return {
        "code": index.code,
        "name_vi": index.name_vi,
        "name_en": index.name_en,
        "direction": index.direction,
        "value_unit": index.value_unit,
        "dossier_measure": index.dossier_measure or None,
        "description": index.description,
        "years": index.years,
    }


def _unit_json(unit):
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent_id else None,
        "valid_from": unit.valid_from and unit.valid_from.isoformat(),
        "valid_to": unit.valid_to and unit.valid_to.isoformat(),
    }


def _ranks_json(result):
    return {
        "value": decimal(result.value),
        "points": decimal(result.points),
        "rank": result.rank,
        "group_size": result.group_size,
        "official_rank": result.official_rank,
        "official_group_size": result.official_group_size,
        "previous_rank": result.previous_rank,
        "previous_group_size": result.previous_group_size,
        "rank_comparable": result.rank_comparable,
        "rank_change": result.rank_change,
        "band": result.band.name if result.band_id else None,
        "target": _target_json(target_state(result)),
    }


def _target_json(state):
    """The result against its target (indicators.targets); null without one."""
    if state is None:
        return None
    return {
        "value": decimal(state.value),
        "rank": state.rank,
        "distance": decimal(state.distance),
        "met": state.met,
    }


def _ranking_row_json(result):
    unit = result.unit
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "parent_code": unit.parent.code if unit.parent_id else None,
        **_ranks_json(result),
        "official": _official_json(_decision(result)),
        "status": _status_json(result),
    }


def _group_json(figures):
    """The group's figures over all its ranked units (indicators.group_figures), as the rankings
    page gives them: null when none of the group is the user's; the values null when withheld."""
    if figures is None or figures.readable == 0:
        return None
    return {
        "size": figures.size,
        "readable": figures.readable,
        "whole": figures.whole,
        "suppressed": figures.suppressed,
        "mean": decimal(figures.mean),
        "median": decimal(figures.median),
        "best": decimal(figures.best),
        "worst": decimal(figures.worst),
    }


def _decision(result):
    """The publication that makes the result's figures official, or None: while it is provisional
    (indicators.official), and for a published value entered from an outside decision."""
    if is_official(result.official_state) and result.official_state != OfficialState.ENTERED:
        return result.publication
    return None


def _status_json(result):
    """official or provisional, and the state that says why (indicators.official); null without a result."""
    if result is None:
        return None
    return {
        "official": is_official(result.official_state),
        "state": result.official_state,
        "label": str(OfficialState(result.official_state).label),
    }


def _official_json(publication):
    """The decision that made a result official, or None while it is provisional."""
    if publication is None:
        return None
    return {"published_on": publication.published_on.isoformat(), "decision_reference": publication.decision_reference}


def _revision_json(revision):
    return {
        "number": revision.number,
        "published_at": revision.published_at.isoformat(),
        "published_on": revision.publication.published_on.isoformat(),
        "decision_reference": revision.publication.decision_reference,
        "value": decimal(revision.value),
        "rank": revision.rank,
        "group_size": revision.group_size,
        "reason": revision.reason,
    }


def _result_json(result):
    return {**_ranks_json(result), "applicable_max": decimal(result.applicable_max), "source": result.source}


def _history_json(row):
    return {
        "year": row["year"],
        "unit": row["code"],
        "name": row["name"],
        "predecessor": row["predecessor"],
        "comparable": not row["predecessor"],
        "value": decimal(row["value"]),
        "rank": row["rank"],
        "group_size": row["group_size"],
    }


def _area_json(area):
    return {
        "code": area["code"],
        "title": area["title"],
        "points": decimal(area["points"]),
        "applicable_max": decimal(area["applicable_max"]),
        "percent": decimal(area["percent"]),
    }


def _lost_json(row):
    return {
        "code": row["code"],
        "title": row["title"],
        "max_points": decimal(row["max_points"]),
        "self_score": decimal(row["self_score"]),
        "final_score": decimal(row["final_score"]),
        "not_scored": row["not_scored"],
        "lost": decimal(row["lost"]),
        "streak": row["streak"],
        "chronic": row["chronic"],
    }
