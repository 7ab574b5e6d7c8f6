"""Issue 21: a one-stop source's token writes only the dossiers of the units it serves — the
subtrees under its units, or every unit for an all-units source; an item of another unit is refused
alone, with its index and reason, and the batch's other items are stored."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dossiers.models import Dossier, SourceSystem
from dossiers.tokens import source_scope_set, source_token_issue, source_unit_ids_served
from tests.dossiers.test_api_batch import item, post

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def district_source(tree):
    source = SourceSystem.objects.create(code="huyenb", name="Một cửa huyện B")
    source.units.set([tree.district_b])
    return source


def test_a_source_sends_the_dossiers_of_its_units_and_those_under_them(tree, client, district_source):
    token = source_token_issue(source=district_source)
    batch = [item(external_id="D1", unit_code="B"), item(external_id="D2", unit_code="B1")]
    response = post(client, {"dossiers": batch}, token)
    assert (response.status_code, response.json()) == (200, {"created": 2, "updated": 0, "unchanged": 0})


def test_an_item_of_a_unit_outside_its_subtrees_is_refused_alone(tree, client, district_source):
    token = source_token_issue(source=district_source)
    batch = [
        item(external_id="D1", unit_code="B1"),
        item(external_id="D2", unit_code="A"),
        item(external_id="D3", unit_code="P"),
        item(external_id="D4", unit_code="B"),
    ]
    response = post(client, {"dossiers": batch}, token)
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    reason = "source “huyenb” may not send the dossiers of unit “{}”: it serves B and the units under them only"
    assert body["errors"] == [
        {"index": 1, "external_id": "D2", "errors": {"unit_code": reason.format("A")}},
        {"index": 2, "external_id": "D3", "errors": {"unit_code": reason.format("P")}},
    ]
    assert set(Dossier.objects.values_list("external_id", "unit__code")) == {("D1", "B1"), ("D4", "B")}


def test_a_dossier_stored_before_cannot_be_moved_to_a_unit_outside(tree, client, district_source):
    token = source_token_issue(source=district_source)
    post(client, {"dossiers": [item(unit_code="B1")]}, token)
    response = post(client, {"dossiers": [item(unit_code="A")]}, token)
    assert response.status_code == 400
    assert Dossier.objects.get().unit == tree.commune_b1


def test_a_source_with_no_unit_sends_nothing(tree, client):
    source = SourceSystem.objects.create(code="new", name="Hệ thống mới")
    assert not source.all_units  # a new source serves nothing until the administrator says
    response = post(client, {"dossiers": [item()]}, source_token_issue(source=source))
    assert response.status_code == 400
    assert response.json()["errors"][0]["errors"] == {
        "unit_code": "source “new” serves no unit yet: the administrator names the units it may send"
    }
    assert not Dossier.objects.exists()


def test_an_all_units_source_sends_any_units_dossiers(tree, client):
    source = SourceSystem.objects.create(code="tinh", name="Một cửa tỉnh", all_units=True)
    batch = [item(external_id=f"D{n}", unit_code=code) for n, code in enumerate(["P", "A", "B", "B1"])]
    response = post(client, {"dossiers": batch}, source_token_issue(source=source))
    assert (response.status_code, response.json()["created"]) == (200, 4)


def test_an_unknown_unit_is_still_reported_as_unknown(tree, client, district_source):
    response = post(client, {"dossiers": [item(unit_code="ZZ")]}, source_token_issue(source=district_source))
    assert "unit_code" in response.json()["errors"][0]["errors"]
    assert "may not send" not in response.json()["errors"][0]["errors"]["unit_code"]


def test_the_served_units_come_from_the_one_tree_walk(tree, district_source):
    ids = [tree.province.pk, tree.dept_a.pk, tree.district_b.pk, tree.commune_b1.pk]
    assert source_unit_ids_served(source=district_source, unit_ids=ids) == {tree.district_b.pk, tree.commune_b1.pk}
    source_scope_set(source=district_source, all_units=False, units=[tree.dept_a, tree.commune_b1])
    assert source_unit_ids_served(source=district_source, unit_ids=ids) == {tree.dept_a.pk, tree.commune_b1.pk}
    source_scope_set(source=district_source, all_units=True, units=[tree.dept_a])
    assert list(district_source.units.all()) == []
    assert source_unit_ids_served(source=district_source, unit_ids=ids) == set(ids)


# --- the command and the admin --------------------------------------------------------------------


def _issue(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_source_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_registers_a_source_with_its_units_and_prints_its_token(tree, client):
    token, err = _issue("huyenb", "--name", "Một cửa huyện B", "--unit", "B", "--unit", "A")
    source = SourceSystem.objects.get(code="huyenb")
    assert (source.name, source.all_units) == ("Một cửa huyện B", False)
    assert set(source.units.values_list("code", flat=True)) == {"A", "B"}
    assert "serves A, B" in err and token not in err
    assert post(client, {"dossiers": [item(unit_code="B1")]}, token).status_code == 200


def test_the_command_changes_a_sources_units_and_replaces_its_token(tree, district_source):
    old = source_token_issue(source=district_source)
    new, err = _issue("huyenb", "--all-units")
    district_source.refresh_from_db()
    assert district_source.all_units and not district_source.units.exists()
    assert new != old and "every unit" in err
    new, _err = _issue("huyenb")  # neither option: the units stay as they are
    district_source.refresh_from_db()
    assert district_source.all_units


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "--unit", "B"], "give --name"),
        (["new", "--name", "Mới"], "needs --unit"),
        (["new", "--name", "Mới", "--unit", "NOPE"], "unknown unit(s): NOPE"),
    ],
)
def test_the_command_refuses_what_would_go_wrong(tree, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _issue(*args)
    assert not SourceSystem.objects.filter(code="new").exists()


def test_the_command_does_not_take_both_units_and_all_units(tree):
    with pytest.raises(CommandError):
        _issue("new", "--name", "Mới", "--unit", "B", "--all-units")


def test_the_admin_sets_a_sources_units(tree, client, admin_user):
    source = SourceSystem.objects.create(code="huyenb", name="Một cửa huyện B")
    client.force_login(admin_user)
    url = reverse("admin:dossiers_sourcesystem_change", args=[source.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="units"' in page.content.decode()
    response = client.post(
        url, {"code": "huyenb", "name": "Một cửa huyện B", "active": "on", "units": [tree.district_b.pk]}
    )
    assert response.status_code == 302
    assert list(source.units.all()) == [tree.district_b]
    listing = client.get(reverse("admin:dossiers_sourcesystem_changelist")).content.decode()
    assert "none: it may send nothing" not in listing


@pytest.mark.django_db(transaction=True)
def test_the_migration_lets_existing_sources_send_every_units_dossiers_and_new_ones_none():
    before, after = [("dossiers", "0005_dossier_effective_due_at_required")], [("dossiers", "0006_source_units")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old_model = executor.loader.project_state(before).apps.get_model("dossiers", "SourceSystem")
        old_model.objects.create(code="motcua", name="Một cửa tỉnh")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_model = executor.loader.project_state(after).apps.get_model("dossiers", "SourceSystem")
        assert new_model.objects.get(code="motcua").all_units is True
        assert new_model.objects.create(code="new", name="Mới").all_units is False
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
