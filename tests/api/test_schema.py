"""GET /api/schema/: a valid OpenAPI 3.1 document that describes every path of the API and every
field each answer has — checked by calling each path and comparing the answers with it."""

import json
import re

import pytest
from django.urls import URLPattern, reverse
from openapi_spec_validator import validate

from api import openapi
from api import urls as api_urls
from dossiers.models import SourceSystem
from dossiers.tokens import source_token_issue

# A value for every parameter the document names; a new parameter without one fails the walk.
GOOD = {"index": "par", "year": "2023", "kind": "district", "parent": "P", "limit": "2", "offset": "0", "code": "B"}
DOC = openapi.document()


def test_the_url_is_named():
    assert reverse("api:schema") == "/api/schema/"


def test_it_is_a_valid_openapi_3_1_document():
    validate(DOC)
    assert DOC["openapi"].startswith("3.1")


def test_it_is_served_as_json_to_a_user(client, head_b):
    client.force_login(head_b)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(DOC))


def test_it_describes_every_path_of_the_api_and_only_those():
    routes = {"/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in api_urls.urlpatterns}
    assert all(isinstance(p, URLPattern) for p in api_urls.urlpatterns)
    assert set(DOC["paths"]) == routes | {"/api/dossiers/batch/"}


def test_both_ways_of_authenticating_are_described():
    schemes = DOC["components"]["securitySchemes"]
    assert DOC["security"] == [{"session": []}, {"token": []}]
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "sessionid")
    assert (schemes["token"]["in"], schemes["token"]["name"]) == ("header", "Authorization")
    assert DOC["paths"]["/api/dossiers/batch/"]["post"]["security"] == [{"sourceToken": []}]


def _operations(method="get"):
    return [(path, item[method]) for path, item in DOC["paths"].items() if method in item]


def _resolve(schema):
    while "$ref" in schema:
        node = DOC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _types(schema):
    kind = schema.get("type", [])
    return set(kind if isinstance(kind, list) else [kind])


def check(value, schema, where="body"):
    """Assert that `value` has exactly the fields `schema` describes, recursively, and their types."""
    schema = _resolve(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        failures = []
        for branch in branches:
            try:
                return check(value, branch, where)
            except AssertionError as failure:
                failures.append(str(failure))
        raise AssertionError(f"{where}: matches no branch: {failures}")
    types = _types(schema)
    if not types:
        return  # {} is any value in JSON Schema
    if value is None:
        assert "null" in types, f"{where} is null, which the schema does not allow"
    elif isinstance(value, dict):
        assert "object" in types, f"{where} is an object, the schema says {types}"
        if "properties" in schema:
            assert set(value) == set(schema["properties"]), (
                f"{where}: fields {sorted(value)} ≠ described {sorted(schema['properties'])}"
            )
            for key, item in value.items():
                check(item, schema["properties"][key], f"{where}.{key}")
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                check(item, schema["additionalProperties"], f"{where}.{key}")
    elif isinstance(value, list):
        assert "array" in types, f"{where} is an array, the schema says {types}"
        for position, item in enumerate(value):
            check(item, schema["items"], f"{where}[{position}]")
    elif isinstance(value, bool):
        assert "boolean" in types, f"{where} is a boolean, the schema says {types}"
    elif isinstance(value, int):
        assert types & {"integer", "number"}, f"{where} is an integer, the schema says {types}"
    elif isinstance(value, str):
        assert "string" in types, f"{where} is a string, the schema says {types}"
        assert "pattern" not in schema or re.fullmatch(schema["pattern"], value), f"{where}={value!r}: pattern"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}={value!r} not in {schema['enum']}"


def _response_schema(operation, status):
    response = _resolve(operation["responses"][str(status)])
    return response["content"]["application/json"]["schema"]


def _url(path, operation, *, code=None, **extra):
    query = {}
    for parameter in map(_resolve, operation["parameters"]):
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", code or GOOD[parameter["name"]])
        else:
            query[parameter["name"]] = GOOD[parameter["name"]]
    return path, {**query, **extra}


@pytest.mark.parametrize("path, operation", _operations(), ids=[path for path, _ in _operations()])
def test_every_answer_of_every_path_has_the_fields_described(scored, client, staff, head_b, path, operation):
    url, query = _url(path, operation)
    assert client.get(url, query).status_code == 401
    check(client.get(url, query).json(), _response_schema(operation, 401))

    for user in (staff, head_b):
        client.force_login(user)
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        check(response.json(), _response_schema(operation, 200))

    bad = client.get(url, {**query, "bogus": "1"})
    assert bad.status_code == 400
    check(bad.json(), _response_schema(operation, 400))

    not_allowed = client.post(url, query)
    assert not_allowed.status_code == 405
    check(not_allowed.json(), _response_schema(operation, 405))

    if "{code}" in path:
        missing = client.get(*_url(path, operation, code="A"))  # head_b may not see A
        assert missing.status_code == 404
        check(missing.json(), _response_schema(operation, 404))
    else:
        assert "404" not in operation["responses"]


def test_the_filled_answers_have_every_nested_field_described(scored, client, staff):
    """Where the walk above meets nulls and empty lists, these answers have values."""
    client.force_login(staff)
    operations = dict(_operations())
    answers = {
        "/api/rankings/": client.get("/api/rankings/", {"index": "par", "year": 2023, "kind": "province"}),
        "/api/units/{code}/scorecard/": client.get("/api/units/P/scorecard/", {"index": "par", "year": 2023}),
        "/api/units/": client.get("/api/units/", {"offset": 1, "limit": 1}),
    }
    for path, response in answers.items():
        check(response.json(), _response_schema(operations[path], 200))
    assert answers["/api/units/"].json()["previous"] and answers["/api/units/"].json()["next"]


def test_official_results_and_their_revisions_are_described(scored, client, staff):
    """A published department ranking whose result A was corrected: `official` and `revisions`
    hold values, and they match the document."""
    import datetime

    from indicators.models import Methodology, Publication, Result, ResultRevision

    m = Methodology.objects.get(index__code="par", year=2023, unit_kind="department")
    first, second = (
        Publication.objects.create(
            methodology=m,
            number=number,
            published_on=datetime.date(2024, 4, number),
            decision_reference=f"QĐ {number}/QĐ-UBND",
        )
        for number in (1, 2)
    )
    for result in Result.objects.filter(index__code="par", year=2023, unit__kind="department"):
        ResultRevision.objects.create(
            result=result,
            publication=first,
            number=1,
            value=result.value,
            rank=result.rank,
            group_size=result.group_size,
            published_at=first.published_at,
        )
        Result.objects.filter(pk=result.pk).update(publication=first)
    a = Result.objects.get(unit__code="A", index__code="par", year=2023)
    ResultRevision.objects.create(
        result=a,
        publication=second,
        number=2,
        value=a.value,
        rank=a.rank,
        group_size=a.group_size,
        published_at=second.published_at,
        reason="Sửa 2.1",
    )
    client.force_login(staff)
    operations = dict(_operations())
    card = client.get("/api/units/A/scorecard/", {"index": "par", "year": 2023}).json()
    check(card, _response_schema(operations["/api/units/{code}/scorecard/"], 200))
    assert card["official"] == {"published_on": "2024-04-01", "decision_reference": "QĐ 1/QĐ-UBND"}
    assert [(r["number"], r["reason"], r["published_on"]) for r in card["revisions"]] == [
        (1, "", "2024-04-01"),
        (2, "Sửa 2.1", "2024-04-02"),
    ]
    ranking = client.get("/api/rankings/", {"index": "par", "year": 2023, "kind": "department"}).json()
    check(ranking, _response_schema(operations["/api/rankings/"], 200))
    assert ranking["official"] == {"published_on": "2024-04-01", "decision_reference": "QĐ 1/QĐ-UBND"}
    assert {row["official"]["decision_reference"] for row in ranking["results"]} == {"QĐ 1/QĐ-UBND"}
    Result.objects.filter(pk=a.pk).update(publication=second)
    ranking = client.get("/api/rankings/", {"index": "par", "year": 2023, "kind": "department"}).json()
    assert ranking["official"] is None  # no longer one decision for all rows


def test_the_dossier_push_endpoint_answers_as_described(tree, client):
    operation = DOC["paths"]["/api/dossiers/batch/"]["post"]
    item_schema = _resolve(DOC["components"]["schemas"]["DossierItem"])
    token = source_token_issue(source=SourceSystem.objects.create(code="motcua", name="Một cửa", all_units=True))
    item = {
        "external_id": "D1",
        "unit_code": "B1",
        "received_at": "2024-01-15T09:00:00+07:00",
        "due_at": "2024-01-25T17:00:00+07:00",
        "status": "pending",
        "channel": "online",
    }
    assert set(item) >= set(item_schema["required"]) and set(item) <= set(item_schema["properties"])

    def post(body, **headers):
        return client.post("/api/dossiers/batch/", json.dumps(body), content_type="application/json", headers=headers)

    good = post({"dossiers": [item]}, Authorization=f"Bearer {token}")
    assert good.status_code == 200
    check(good.json(), _response_schema(operation, 200))
    bad = post({"dossiers": [item, {**item, "external_id": "D2", "status": "lost"}]}, Authorization=f"Bearer {token}")
    assert bad.status_code == 400
    check(bad.json(), _response_schema(operation, 400))
    refused = post({"dossiers": []})
    assert refused.status_code == 401
    check(refused.json(), _response_schema(operation, 401))
