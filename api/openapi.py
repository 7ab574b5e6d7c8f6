"""The OpenAPI 3.1 document of the JSON API, as a Python dict (served at /api/schema/).

Written by hand rather than generated: the API is a handful of small endpoints, and a generator would be
one more dependency. The lists of values (unit kinds, directions, the dossier columns) come from
the code itself, so they cannot drift; tests/api/test_schema.py calls every path described here and
checks each response's fields against it both ways. The descriptions are for programmers and stay
in English, like the command line.
"""

from django.conf import settings

from api.forms import DEFAULT_LIMIT, FIRST_YEAR, LAST_YEAR, MAX_LIMIT, MAX_OFFSET
from dossiers import views as dossier_views
from dossiers.importers.dossiers import COLUMNS as DOSSIER_COLUMNS
from dossiers.importers.dossiers import REQUIRED_COLUMNS as DOSSIER_REQUIRED_COLUMNS
from dossiers.measures import DossierMeasure
from dossiers.models import Channel, DossierStatus
from indicators.models import Direction, ResultSource, ValueUnit
from indicators.official import OfficialState
from units.models import UnitKind


def ref(name, kind="schemas"):
    return {"$ref": f"#/components/{kind}/{name}"}


def nullable(schema):
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties, *, description=None):
    """An object whose every property is always present (null where the schema allows)."""
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


def array(items):
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
DECIMAL = ref("Decimal")
RANK = {"type": "integer", "minimum": 1}


def _rank_properties():
    """What a ranking row and a scorecard's result share."""
    return {
        "value": nullable(DECIMAL),
        "points": nullable(DECIMAL),
        "rank": {
            **nullable(RANK),
            "description": "The rank computed now from the stored values: within the group (kind, parent, "
            "year), standard competition ranking on the stored value, equal values sharing a rank and the "
            "next skipped (1, 2, 2, 4). Recomputed whenever scores or values change, so it is official only "
            "when `status.official` is true; the rank a decision published is `official_rank` where the "
            "decision gave one itself, else the `rank` of the latest revision (see the scorecard's `revisions`). "
            "null for a unit not ranked (no value, or it did not exist that year).",
        },
        "group_size": {**nullable(INTEGER), "description": "How many units `rank` is among."},
        "official_rank": {
            **nullable(RANK),
            "description": "The rank stated in a published decision that ranks a group most of which is "
            "not in this system (e.g. the province among all provinces, 56/63), entered with the "
            "published value (`source` published). It is not recomputed, and where present it is the rank "
            "shown and the one `rank_change` counts from; null for results ranked here (use `rank`).",
        },
        "official_group_size": {
            **nullable(INTEGER),
            "description": "How many units `official_rank` is among (63 provinces).",
        },
        "previous_rank": {
            **nullable(RANK),
            "description": "The rank of the same unit in the same index the year before, as shown then "
            "(the official one where published), whether or not its group was comparable.",
        },
        "previous_group_size": {
            **nullable(INTEGER),
            "description": "How many units `previous_rank` is among (the official group size where published).",
        },
        "rank_comparable": {
            **nullable(BOOLEAN),
            "description": "Whether the two years' ranks can be compared: the same parent both years, and "
            "either both ranks of the group held here (computed, or a decision's rank of that whole group) "
            "whose ranked units are mostly the same (units ranked in both years ≥ 80 % of the units ranked "
            "in either), or both a decision's rank among a group mostly outside the system (56/63) with the "
            "same official group size. null without both ranks. When false, show both ranks with their "
            "group sizes and no change.",
        },
        "rank_change": {
            **nullable(INTEGER),
            "description": "previous_rank minus the official rank where published, "
            "else the rank: places gained, positive = moved up; null unless `rank_comparable` is true.",
        },
        "band": {
            **nullable(STRING),
            "description": "Classification band (Xuất sắc, Tốt, …) by the thresholds of the index, year and unit kind.",
        },
        "target": {
            **nullable(ref("Target")),
            "description": "The unit's target on the index that year, as set by the administrators: its own, "
            "else its group's (its kind under its parent), else its kind's. null without one.",
        },
    }


def _schemas():
    return {
        "Decimal": {
            "type": "string",
            "pattern": r"^-?\d+\.\d{6}$",
            "description": "A number with the six decimals stored, as a string so that no client rounds it "
            "through a binary float. Ranks use the full stored value, never a rounded one.",
            "examples": ["84.600000"],
        },
        "Target": obj(
            {
                "value": {
                    **nullable(ref("Decimal")),
                    "description": "The value to reach: at least this where higher is better, at most where lower is.",
                },
                "rank": {**nullable(RANK), "description": "The rank to reach: this one or better."},
                "distance": {
                    **nullable(ref("Decimal")),
                    "description": "How far the value is ahead of the target value in the index's direction: "
                    "negative when short of it. null without a target value or a value.",
                },
                "met": {
                    **nullable(BOOLEAN),
                    "description": "Whether every part of the target set is met; null while a part cannot be "
                    "judged (no rank yet).",
                },
            },
            description="A result against its target (indicators.models.Target).",
        ),
        "Error": obj({"error": {**STRING, "description": "What went wrong, in the user's language."}}),
        "EndpointList": obj(
            {
                "endpoints": array(
                    obj(
                        {
                            "method": {**STRING, "examples": ["GET"]},
                            "path": {**STRING, "examples": ["/api/rankings/"]},
                            "summary": STRING,
                        }
                    )
                ),
                "schema": {**STRING, "description": "This document's address."},
                "docs": {**STRING, "description": "The address of this document rendered for a person."},
            }
        ),
        "ParameterErrors": obj(
            {
                "error": STRING,
                "errors": {
                    "type": "object",
                    "description": "The reason for each bad parameter; an unknown parameter is one too.",
                    "additionalProperties": STRING,
                    "examples": [{"year": "Enter a whole number.", "index": "unknown index “xyz”"}],
                },
            }
        ),
        "Index": obj(
            {
                "code": {**STRING, "examples": ["par"]},
                "name_vi": STRING,
                "name_en": {**STRING, "description": "Empty when the index has no English name."},
                "direction": {
                    **STRING,
                    "enum": Direction.values,
                    "description": "higher: higher values rank first; lower: rates such as overdue %.",
                },
                "value_unit": {**STRING, "enum": ValueUnit.values},
                "dossier_measure": {
                    **nullable(STRING),
                    "enum": [*DossierMeasure.values, None],
                    "description": "For an index computed from dossiers: which rate it ranks.",
                },
                "description": STRING,
                "years": {**array(INTEGER), "description": "Years with results of units the user may see, ascending."},
            }
        ),
        "IndexList": obj({"results": array(ref("Index"))}),
        "Unit": obj(
            {
                "code": {**STRING, "examples": ["20341"]},
                "name": STRING,
                "kind": {**STRING, "enum": UnitKind.values},
                "parent_code": nullable(STRING),
                "valid_from": {**nullable(DATE), "description": "First day; null: since before records."},
                "valid_to": {**nullable(DATE), "description": "Last day; null: still in existence."},
            }
        ),
        "UnitPage": obj(
            {
                "count": {**INTEGER, "description": "How many units match, on every page."},
                "limit": INTEGER,
                "offset": INTEGER,
                "next": {
                    **nullable({"type": "string", "format": "uri"}),
                    "description": "The next page; null on the last.",
                },
                "previous": nullable({"type": "string", "format": "uri"}),
                "results": array(ref("Unit")),
            }
        ),
        "Official": obj(
            {
                "published_on": {**DATE, "description": "The date of the publishing decision."},
                "decision_reference": {**STRING, "examples": ["Quyết định 345/QĐ-UBND"]},
            },
            description="The decision that made a result official (the assessments' publication).",
        ),
        "Status": obj(
            {
                "official": {
                    "type": "boolean",
                    "description": "true when the result reads official: its figures are those a "
                    "publishing decision made official, or a published value entered from one. The same "
                    "answer as the scorecard, the rankings page, the overview and the exports give.",
                },
                "state": {
                    **STRING,
                    "enum": OfficialState.values,
                    "description": "Why: official (published by the decision in `official`); entered (a "
                    "published value entered from the publishing body's decision, `source` published); "
                    "reopened (official, the assessment reopened for a correction that has not changed the "
                    "figures); correcting (reopened and the figures changed: provisional until the correction "
                    "is published); changed (the figures changed since their publication, by a recompute: "
                    "provisional until a new decision); no_decision (the assessment is marked published but no "
                    "decision made this result official: provisional); provisional (not published).",
                },
                "label": {**STRING, "description": "The state in the user's language."},
            },
            description="Whether a result is official or provisional (indicators.official, one rule for "
            "every page and export).",
        ),
        "Revision": obj(
            {
                "number": {**INTEGER, "description": "1 for the first publication, then one per correction."},
                "published_at": {**DATETIME, "description": "When the publication was recorded."},
                "published_on": {**DATE, "description": "The date of the publication's decision."},
                "decision_reference": STRING,
                "value": nullable(DECIMAL),
                "rank": nullable(RANK),
                "group_size": nullable(INTEGER),
                "reason": {
                    **STRING,
                    "description": "Why the published result was corrected (the reopening's "
                    "reason); empty for the first publication.",
                },
            },
            description="A result as one publication made it official; earlier ones stay readable.",
        ),
        "RankingRow": obj(
            {
                "unit_code": STRING,
                "unit_name": STRING,
                "parent_code": nullable(STRING),
                **_rank_properties(),
                "official": {
                    **nullable(ref("Official")),
                    "description": "The decision that made this result's figures official; null while it is "
                    "provisional and for a published value entered from an outside decision (see `status`).",
                },
                "status": ref("Status"),
            }
        ),
        "Ranking": obj(
            {
                "index": STRING,
                "year": INTEGER,
                "kind": {**STRING, "enum": UnitKind.values},
                "parent_code": nullable(STRING),
                "official": {
                    **nullable(ref("Official")),
                    "description": "The decision that made every row official, when they share one; null "
                    "when some row is provisional (`status`), rows were published by different decisions, or "
                    "they are published values entered from an outside decision.",
                },
                "group": {
                    **nullable(ref("GroupFigures")),
                    "description": "The figures of the whole group, over all its ranked units, whichever rows the "
                    "user may see; null when none of the group is the user's.",
                },
                "results": {
                    **array(ref("RankingRow")),
                    "description": "In rank order (the official rank where published), then by name. Only the "
                    "units the user may see; their ranks are within the whole group.",
                },
            }
        ),
        "GroupFigures": obj(
            {
                "size": {**INTEGER, "description": "Ranked units in the group (N of rank x/N)."},
                "readable": {**INTEGER, "description": "How many of them the user may see."},
                "whole": {"type": "boolean", "description": "The user sees the whole group."},
                "suppressed": {
                    "type": "boolean",
                    "description": "The figures are withheld: the user sees part of the group and fewer than 3 "
                    "of its units are not his, so any figure would reveal another unit's value. mean, median, "
                    "best and worst are then null.",
                },
                "mean": nullable(DECIMAL),
                "median": {**nullable(DECIMAL), "description": "The middle value; for an even N the mean of the two."},
                "best": {
                    **nullable(DECIMAL),
                    "description": "The best value, in the index's direction; no unit named.",
                },
                "worst": {**nullable(DECIMAL), "description": "The worst value; no unit named."},
            },
            description="A group's figures over all its ranked units, anonymous. A ranking asked without a parent "
            "takes the kind as a whole as the group.",
        ),
        "UnitResult": obj(
            {
                **_rank_properties(),
                "applicable_max": {**nullable(DECIMAL), "description": "Maximum of the criteria that applied."},
                "source": {
                    **STRING,
                    "enum": ResultSource.values,
                    "description": "computed from scores, or published by a decision.",
                },
            }
        ),
        "Area": obj(
            {
                "code": STRING,
                "title": STRING,
                "points": nullable(DECIMAL),
                "applicable_max": nullable(DECIMAL),
                "percent": {
                    **nullable(DECIMAL),
                    "description": "points ÷ applicable_max × 100; null when nothing applied.",
                },
            },
            description="A top-level area of the methodology and the unit's points in it.",
        ),
        "LostPoint": obj(
            {
                "code": STRING,
                "title": STRING,
                "max_points": DECIMAL,
                "self_score": nullable(DECIMAL),
                "final_score": {
                    **nullable(DECIMAL),
                    "description": "Appraised score; null: not scored (“chưa chấm”), never 0 — no score was "
                    "entered, and the result is not complete (its points are counted as lost).",
                },
                "not_scored": {
                    "type": "boolean",
                    "description": "true when no appraised score was entered (final_score null): shown as "
                    "“chưa chấm” (not scored), never as 0.",
                },
                "lost": DECIMAL,
                "streak": {**INTEGER, "description": "Consecutive years up to this one that lost points here."},
                "chronic": {
                    "type": "boolean",
                    "description": f"streak ≥ {settings.CHRONIC_LOSS_YEARS} (CHRONIC_LOSS_YEARS).",
                },
            },
            description="A leaf criterion on which the unit lost points; criteria not applicable are left out.",
        ),
        "Scorecard": obj(
            {
                "unit": ref("Unit"),
                "index": STRING,
                "year": INTEGER,
                "result": {**nullable(ref("UnitResult")), "description": "null when the unit has no result that year."},
                "areas": {
                    **array(ref("Area")),
                    "description": "Empty when the index has no methodology with "
                    "criteria for the unit's kind that year (e.g. a published index).",
                },
                "lost_points": {**array(ref("LostPoint")), "description": "Biggest loss first."},
                "official": {
                    **nullable(ref("Official")),
                    "description": "The decision that made the result's figures official; null while it is "
                    "provisional (see `status`), for a published value entered from an outside decision, or "
                    "when there is no result.",
                },
                "status": {**nullable(ref("Status")), "description": "null when there is no result."},
                "revisions": {
                    **array(ref("Revision")),
                    "description": "The result's published revisions, oldest first; more than one means it was "
                    "corrected after publication. Empty while it was never published.",
                },
                "predecessors_until": {
                    **nullable(DATE),
                    "description": "The day the unit took over from its predecessors (merge, split or rename); "
                    "null when it has none. The `history` rows of predecessors are from before it.",
                },
                "history": {
                    **array(ref("HistoryRow")),
                    "description": "The unit's values on the index year by year, oldest first, with those of "
                    "its predecessors (followed back through every lineage link) each in rows of its own: "
                    "a predecessor's value is another unit's, not comparable with the unit's (`comparable`).",
                },
            }
        ),
        "HistoryRow": obj(
            {
                "year": INTEGER,
                "unit": {"type": "string", "description": "The code of the unit the value is of."},
                "name": STRING,
                "predecessor": {"type": "boolean", "description": "A predecessor's value, not the unit's own."},
                "comparable": {
                    "type": "boolean",
                    "description": "false for a predecessor's value: not comparable with the unit's own.",
                },
                "value": nullable(DECIMAL),
                "rank": nullable(RANK),
                "group_size": nullable(INTEGER),
            },
            description="One year's value of the unit or of one of its predecessors.",
        ),
        **_dossier_schemas(),
    }


def _dossier_schemas():
    text = {"type": ["string", "null"]}
    yes_no = {"type": ["boolean", "string", "null"], "description": "true/false, 1/0, yes/no, có/không."}
    moment = {**text, "description": "ISO 8601 date and time; without an offset, Vietnam time."}
    types = {
        "status": {**text, "enum": [*DossierStatus.values, None]},
        "channel": {**text, "enum": [*Channel.values, None]},
        "received_at": moment,
        "due_at": moment,
        "completed_at": moment,
        "fully_online": yes_no,
        "fee_required": yes_no,
        "paid_online": yes_no,
        "result_entered": yes_no,
        "supplement_requests": {"type": ["integer", "string", "null"]},
        "supplement_days": {"type": ["number", "string", "null"]},
        "source": {**text, "description": "May be left out: it is the token's source."},
    }
    required = [column for column in DOSSIER_REQUIRED_COLUMNS if column != "source"]
    counts = {"created": INTEGER, "updated": INTEGER, "unchanged": INTEGER}
    return {
        "DossierItem": {
            "type": "object",
            "description": "One dossier; the columns of dossiers.importers.dossiers (docs/api-and-commands.md, “import_dossiers”). An empty optional "
            "value takes its default.",
            "properties": {column: types.get(column, text) for column in DOSSIER_COLUMNS},
            "required": required,
            "additionalProperties": False,
        },
        "DossierBatch": {
            "type": "object",
            "properties": {"dossiers": {**array(ref("DossierItem")), "maxItems": dossier_views.MAX_ITEMS}},
            "required": ["dossiers"],
            "additionalProperties": False,
        },
        "DossierBatchCounts": obj(counts),
        "DossierBatchErrors": obj(
            {
                **counts,
                "errors": array(
                    obj(
                        {
                            "index": INTEGER,
                            "external_id": {"description": "As sent, or null."},
                            "errors": {
                                "type": "object",
                                "additionalProperties": STRING,
                                "description": "column → reason; __all__ for the item as a whole.",
                            },
                        }
                    )
                ),
            },
            description="Some items were bad; the good ones were stored all the same.",
        ),
    }


def _parameters():
    def query(name, schema, description, *, required=False):
        return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}

    year = {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}
    return {
        "index": query("index", STRING, "Index code (see /api/indices/), e.g. par.", required=True),
        "year": query("year", year, "Year, e.g. 2023.", required=True),
        "year_filter": query("year", year, "Only units that existed on at least one day of this year."),
        "kind": query("kind", {**STRING, "enum": UnitKind.values}, "Unit kind: the group ranked.", required=True),
        "kind_filter": query("kind", {**STRING, "enum": UnitKind.values}, "Only units of this kind."),
        "parent": query(
            "parent",
            STRING,
            "Only units directly under the unit with this code: one the user may see, or the "
            "parent of one (the group of his own unit); any other code is answered 400 unknown unit.",
        ),
        "limit": query(
            "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "Page size."
        ),
        "offset": query(
            "offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "Units to skip."
        ),
        "code": {"name": "code", "in": "path", "required": True, "schema": STRING, "description": "Unit code."},
    }


def _responses():
    def json(description, schema_name):
        return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}

    return {
        "BadRequest": json("A parameter is missing, malformed or unknown.", "ParameterErrors"),
        "Unauthorized": {
            **json("No session and no Authorization header, or a token that is unknown or revoked.", "Error"),
            "headers": {"WWW-Authenticate": {"schema": STRING, "description": 'Token realm="reformdash"'}},
        },
        "NotFound": json("No such unit, or one the user may not see: the two are not told apart.", "Error"),
        "MethodNotAllowed": {
            **json("Any method but GET or HEAD: the API is read-only.", "Error"),
            "headers": {"Allow": {"schema": STRING, "description": "GET, HEAD"}},
        },
    }


def _get(*, operation_id, summary, description, schema_name, parameters=(), not_found=False):
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": ref(schema_name)}}},
        "400": ref("BadRequest", "responses"),
        "401": ref("Unauthorized", "responses"),
        "405": ref("MethodNotAllowed", "responses"),
    }
    if not_found:
        responses["404"] = ref("NotFound", "responses")
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "parameters": [ref(name, "parameters") for name in parameters],
            "responses": dict(sorted(responses.items())),
        }
    }


def _paths():
    return {
        "/api/": _get(
            operation_id="listEndpoints",
            summary="This list of endpoints",
            description="Every endpoint of the API, one line each (method, path, summary), with the addresses "
            "of this document and of its page for people. A browser asking for HTML gets the list as a page.",
            schema_name="EndpointList",
        ),
        "/api/indices/": _get(
            operation_id="listIndices",
            summary="Indices",
            description="Every index (PAR Index, SIPAS, the 766 index, the dossier indices), with the years it "
            "has results of units the user may see. Takes no parameters.",
            schema_name="IndexList",
        ),
        "/api/units/": _get(
            operation_id="listUnits",
            summary="Units the user may see",
            description="Staff, appraisers and administrators see every unit; a unit's head or officer his units "
            "and the units under them; anyone else none. In code order, a page at a time.",
            schema_name="UnitPage",
            parameters=["year_filter", "kind_filter", "parent", "limit", "offset"],
        ),
        "/api/rankings/": _get(
            operation_id="getRanking",
            summary="A ranking",
            description="The results of one index and year for the units of one kind (and parent), in rank "
            "order: only the rows of units the user may see, each with its rank in the whole group.",
            schema_name="Ranking",
            parameters=["index", "year", "kind", "parent"],
        ),
        "/api/units/{code}/scorecard/": _get(
            operation_id="getUnitScorecard",
            summary="A unit's scorecard",
            description="The unit's result on an index in a year, its points per area and the criteria on which "
            "it lost points (with the losing streak). 404 for a unit the user may not see.",
            schema_name="Scorecard",
            parameters=["code", "index", "year"],
            not_found=True,
        ),
        "/api/schema/": _get(
            operation_id="getSchema",
            summary="This document",
            description="The OpenAPI 3.1 description of the API.",
            schema_name="OpenApiDocument",
        ),
        "/api/dossiers/batch/": {"post": _dossier_batch()},
    }


def _dossier_batch():
    def json(description, schema):
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    return {
        "operationId": "pushDossiers",
        "summary": "Push a batch of dossiers (one-stop systems)",
        "description": "Create or update the authenticated source's dossiers, identified by (source, external_id): "
        "sending the same batch again changes nothing. At most "
        f"{dossier_views.MAX_ITEMS} items and {dossier_views.MAX_BODY_BYTES // 2**20} MB. Authenticated by the "
        "source's own token (issued in the admin, on the source system, or by issue_source_token), not by a "
        "user's. A token writes only the dossiers of the units its source serves (those named on the source and "
        "every unit under them, or any unit for an all-units source): an item of another unit is refused on its "
        "own, with its index and a reason under unit_code.",
        "security": [{"sourceToken": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("DossierBatch")}}},
        "responses": {
            "200": json("Every item was good.", ref("DossierBatchCounts")),
            "400": json(
                "Some items were bad or of units the source does not serve (the good ones are stored), or the body "
                "is not such a JSON object.",
                {"oneOf": [ref("DossierBatchErrors"), ref("Error")]},
            ),
            "401": json("No valid token of an active source.", ref("Error")),
            "405": {"description": "Any method but POST."},
            "413": json(
                f"More than {dossier_views.MAX_ITEMS} items, or a larger body: nothing was stored.", ref("Error")
            ),
        },
    }


def endpoints():
    """[{method, path, summary}] of every operation described, in the document's order."""
    return [
        {"method": method.upper(), "path": path, "summary": operation["summary"]}
        for path, operations in _paths().items()
        for method, operation in operations.items()
    ]


def document():
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "reformdash API",
            "version": "1",
            "description": "Read-only JSON of the administrative-reform indices, units, rankings and scorecards "
            "of reformdash, filtered to what the user may see; and the push endpoint of the one-stop systems. "
            "Numbers with decimals are strings with six decimals (`Decimal`); dates are ISO 8601. Messages are "
            "Vietnamese unless the language cookie asks for English.",
        },
        "paths": _paths(),
        "components": {
            "schemas": {**_schemas(), "OpenApiDocument": {"type": "object", "description": "This document."}},
            "parameters": _parameters(),
            "responses": _responses(),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": settings.SESSION_COOKIE_NAME,
                    "description": "A logged-in browser session (log in at /login/).",
                },
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "A personal API token: `Authorization: Token <key>`. Issued once by "
                    "`manage.py issue_api_token USERNAME --name NAME` or in the admin (API tokens); revoked there.",
                },
                "sourceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A one-stop system's token (admin, source systems: “Issue a new token”).",
                },
            },
        },
        "security": [{"session": []}, {"token": []}],
    }
