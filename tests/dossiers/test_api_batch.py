"""`POST /api/dossiers/batch/`: a source pushes its dossiers with its own token; good items are
stored even when others in the batch are bad, and the same batch twice changes nothing."""

import json
import re
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from dossiers import views
from dossiers.models import Dossier, DossierAdded, DossierMonthDirty, SourceSystem
from dossiers.services import STATS_INCREMENTAL
from dossiers.tokens import source_token_issue
from jobs.models import Job
from tests.importing import pending_jobs

# The API answers in Vietnamese by default; these assertions compare messages with their English
# originals (tests/reformdash/test_default_language.py checks the default).
pytestmark = pytest.mark.usefixtures("english")

URL = "/api/dossiers/batch/"


def item(**changes):
    values = {
        "external_id": "D1",
        "unit_code": "B1",
        "procedure_code": "1.001",
        "procedure_name": "Đăng ký khai sinh",
        "received_at": "2024-01-15T09:00:00+07:00",
        "due_at": "2024-01-25T17:00:00+07:00",
        "completed_at": "2024-03-02T10:00:00+07:00",
        "status": "completed",
        "channel": "online",
        "fully_online": True,
        "fee_required": True,
        "paid_online": True,
        "supplement_requests": 1,
        "supplement_days": 1.5,
        "result_entered": True,
    }
    return {**values, **changes}


@pytest.fixture
def source(db):
    return SourceSystem.objects.create(code="motcua", name="Hệ thống một cửa", all_units=True)


@pytest.fixture
def token(source):
    return source_token_issue(source=source)


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF as a browser's would: the endpoint must not need it."""
    return Client(enforce_csrf_checks=True)


def post(client, body, token, *, raw=False):
    data = body if raw else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def test_the_url_is_named():
    assert reverse("dossier_batch") == URL


def test_a_good_batch_is_stored_and_recorded_as_added(tree, csrf_client, token):
    response = post(csrf_client, {"dossiers": [item(), item(external_id="D2", unit_code="A")]}, token)
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    d1 = Dossier.objects.get(external_id="D1")
    assert (d1.source, d1.unit, d1.supplement_days, d1.fully_online) == ("motcua", tree.commune_b1, D("1.5"), True)
    assert not DossierMonthDirty.objects.exists()  # new dossiers are added, not recounted
    assert set(DossierAdded.objects.values_list("dossier__external_id", flat=True)) == {"D1", "D2"}
    assert pending_jobs() == [(STATS_INCREMENTAL, "all")]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_the_same_batch_twice_changes_nothing_the_second_time(tree, client, token):
    batch = {"dossiers": [item(), item(external_id="D2")]}
    assert post(client, batch, token).json() == {"created": 2, "updated": 0, "unchanged": 0}
    DossierMonthDirty.objects.all().delete()
    Job.objects.all().delete()
    before = list(Dossier.objects.order_by("pk").values())
    response = post(client, batch, token)
    assert (response.status_code, response.json()) == (200, {"created": 0, "updated": 0, "unchanged": 2})
    assert list(Dossier.objects.order_by("pk").values()) == before
    assert not DossierMonthDirty.objects.exists()
    assert pending_jobs() == []


def test_a_changed_dossier_is_updated(tree, client, token):
    post(client, {"dossiers": [item()]}, token)
    response = post(client, {"dossiers": [item(unit_code="A")]}, token)
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Dossier.objects.get().unit == tree.dept_a


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not-a-token", "Basic bW90Y3VhOnNlY3JldA=="],
    ids=["no header", "empty", "no token", "bad token", "basic"],
)
def test_without_a_valid_token_nothing_is_stored(tree, client, token, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post(
        URL, data=json.dumps({"dossiers": [item()]}), content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()
    assert not Dossier.objects.exists()


def test_a_revoked_source_is_refused(tree, client, source, token):
    source.active = False
    source.save()
    assert post(client, {"dossiers": [item()]}, token).status_code == 401
    assert not Dossier.objects.exists()


def test_a_new_token_replaces_the_old_one(tree, client, source, token):
    new = source_token_issue(source=source)
    assert post(client, {"dossiers": [item()]}, token).status_code == 401
    assert post(client, {"dossiers": [item()]}, new).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"dossiers": [',
        b'{"dossiers": [{"supplement_days": NaN}]}',
        b"\xff\xfe{}",
        b"[]",
        b'{"dossiers": {}}',
        b'{"items": []}',
        b'{"dossiers": [], "extra": 1}',
        b"",
    ],
    ids=["broken", "truncated", "NaN", "not UTF-8", "a list", "not a list", "no dossiers", "unknown key", "empty"],
)
def test_a_body_that_is_not_the_expected_json_is_a_400(tree, client, token, body):
    response = post(client, body, token, raw=True)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert not Dossier.objects.exists()


def test_more_items_than_allowed_are_refused_whole(tree, client, token):
    items = [item(external_id=f"D{n}") for n in range(views.MAX_ITEMS + 1)]
    response = post(client, {"dossiers": items}, token)
    assert response.status_code == 413
    assert "at most 1000" in response.json()["error"]
    assert not Dossier.objects.exists()


def test_a_body_larger_than_allowed_is_refused_before_it_is_read(tree, client, token):
    body = json.dumps({"dossiers": [item()]}).encode() + b" " * views.MAX_BODY_BYTES
    response = post(client, body, token, raw=True)
    assert response.status_code == 413
    assert "MB" in response.json()["error"]
    assert not Dossier.objects.exists()


def test_a_body_over_djangos_form_limit_but_within_ours_is_accepted(tree, client, token, settings):
    # request.body would refuse it (DATA_UPLOAD_MAX_MEMORY_SIZE): the endpoint applies its own limit.
    items = [item(external_id=f"D{n}", procedure_name="x" * 500) for n in range(views.MAX_ITEMS)]
    body = json.dumps({"dossiers": items}, indent=4).encode() + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(body) <= views.MAX_BODY_BYTES
    response = post(client, body, token, raw=True)
    assert (response.status_code, response.json()["created"]) == (200, views.MAX_ITEMS)


def test_some_bad_items_are_reported_and_the_good_ones_stored(tree, client, token):
    batch = [
        item(external_id="G0"),
        item(external_id="X1", unit_code="Z9", status="done"),
        item(external_id="X2", completed_at=None),
        "not an object",
        item(external_id="X4", fullyOnline=True),
        item(external_id="G5", unit_code="A"),
    ]
    response = post(client, {"dossiers": batch}, token)
    assert response.status_code == 400
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "index": 1,
                "external_id": "X1",
                "errors": {
                    "unit_code": "unknown unit “Z9”",
                    "status": "“done” is not one of pending, completed, returned, withdrawn",
                },
            },
            {
                "index": 2,
                "external_id": "X2",
                "errors": {"completed_at": "a completed dossier needs the time it was completed"},
            },
            {"index": 3, "external_id": None, "errors": {"__all__": "each dossier must be a JSON object"}},
            {"index": 4, "external_id": "X4", "errors": {"fullyOnline": "unknown column"}},
        ],
    }
    assert sorted(Dossier.objects.values_list("external_id", flat=True)) == ["G0", "G5"]


def test_a_repeated_external_id_in_a_batch_keeps_the_first(tree, client, token):
    batch = [item(external_id="D1"), item(external_id="D2"), item(external_id="D1", unit_code="A")]
    response = post(client, {"dossiers": batch}, token)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 2, "external_id": "D1", "errors": {"external_id": "duplicate of item 0"}}
    ]
    assert Dossier.objects.get(external_id="D1").unit == tree.commune_b1


def test_an_item_of_another_source_is_refused(tree, client, token):
    SourceSystem.objects.create(code="other", name="Hệ thống khác")
    batch = [item(external_id="D1", source="motcua"), item(external_id="D2", source="other")]
    response = post(client, {"dossiers": batch}, token)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "external_id": "D2",
            "errors": {"source": "this token belongs to source “motcua”; it cannot send another source's dossiers"},
        }
    ]
    assert list(Dossier.objects.values_list("source", "external_id")) == [("motcua", "D1")]


def test_json_values_of_the_wrong_kind_are_reported(tree, client, token):
    batch = [item(supplement_requests=True, unit_code=["B1"], result_entered="perhaps")]
    errors = post(client, {"dossiers": batch}, token).json()["errors"][0]["errors"]
    assert errors == {
        "supplement_requests": "a yes/no value where text or a number belongs",
        "unit_code": "must be text, a number or a boolean",
        "result_entered": "“perhaps” is not yes or no (1/0, true/false, có/không)",
    }


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(tree, client, token, method):
    response = getattr(client, method)(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405


def test_the_admin_issues_a_token_shown_once_that_the_api_accepts(tree, client, admin_user, source):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:dossiers_sourcesystem_changelist"),
        {"action": "issue_token", "_selected_action": [source.pk]},
        follow=True,
    )
    assert response.status_code == 200
    [token] = re.findall(r"it is not shown again: ([-\w]+)", response.content.decode())
    source.refresh_from_db()
    assert source.token_hash and token not in source.token_hash
    api = Client()
    assert post(api, {"dossiers": [item()]}, token).status_code == 200
