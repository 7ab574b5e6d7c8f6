"""Edits made in the Django admin are audited with source "admin", the editor, and old and new values."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from audit.models import AuditEntry, AuditSource
from indicators.models import (
    Aggregation,
    Assessment,
    Band,
    Criterion,
    Index,
    Methodology,
    Result,
    Score,
)
from units.models import Unit, UnitKind


@pytest.fixture
def filled(tree):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    methodology = Methodology.objects.create(
        index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, aggregation=Aggregation.SUM
    )
    area = Criterion.objects.create(methodology=methodology, code="1", title="Lĩnh vực 1", max_points=10)
    sub = Criterion.objects.create(methodology=methodology, parent=area, code="1.1", title="Tiêu chí", max_points=5)
    assessment = Assessment.objects.create(unit=tree.dept_a, methodology=methodology)
    score = Score.objects.create(assessment=assessment, criterion=sub, self_score=D("2.5"), final_score=D("2"))
    band = Band.objects.create(
        index=par, year=2023, unit_kind=UnitKind.DEPARTMENT, name="Tốt", min_value=80, max_value=90
    )
    result = Result.objects.create(unit=tree.dept_a, index=par, year=2023, value=D("80"), rank=1, group_size=1)
    return {
        "methodology": methodology,
        "assessment": assessment,
        "sub": sub,
        "score": score,
        "band": band,
        "result": result,
    }


def _form_data(response):
    """What the admin page would post back unchanged: the main form and every inline formset."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def _change(client, obj, **changed):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    data = {**_form_data(client.get(url)), **changed}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return AuditEntry.objects.latest("id")


@pytest.mark.parametrize(
    ("key", "field", "new", "old_new"),
    [
        ("score", "final_score", "2.25", ("2", "2.25")),
        ("band", "min_value", "82", ("80", "82")),
        ("result", "value", "81.5", ("80", "81.5")),
        ("methodology", "aggregation", "mean", ("sum", "mean")),
    ],
)
def test_an_admin_change_is_audited_with_old_and_new_values(client, admin_user, filled, key, field, new, old_new):
    client.force_login(admin_user)
    obj = filled[key]
    entry = _change(client, obj, **{field: new})
    assert entry.action == f"{obj._meta.model_name}.change"
    assert (entry.source, entry.user, entry.object_id) == (AuditSource.ADMIN, admin_user, str(obj.pk))
    assert list(entry.changes) == [field]
    old, recorded_new = entry.changes[field]
    if field == "aggregation":
        assert (old, recorded_new) == old_new
    else:
        assert (D(old), D(recorded_new)) == (D(old_new[0]), D(old_new[1]))


def test_a_score_entry_can_be_browsed_by_its_unit_and_criterion(client, admin_user, filled, tree):
    client.force_login(admin_user)
    entry = _change(client, filled["score"], final_score="3")
    assert (entry.unit, entry.criterion) == (tree.dept_a, filled["sub"])


def test_a_score_edited_inline_on_its_assessment_is_audited(client, admin_user, filled, tree):
    client.force_login(admin_user)
    assessment = filled["assessment"]
    url = reverse("admin:indicators_assessment_change", args=[assessment.pk])
    data = _form_data(client.get(url))
    (score_field,) = [name for name in data if name.endswith("-final_score")]
    data[score_field] = "4"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="score.change")
    assert (entry.unit, entry.criterion, entry.source) == (tree.dept_a, filled["sub"], AuditSource.ADMIN)
    assert D(entry.changes["final_score"][0]) == D("2") and entry.changes["final_score"][1] == "4"


def test_saving_an_unchanged_form_writes_no_entry(client, admin_user, filled):
    client.force_login(admin_user)
    band = filled["band"]
    url = reverse("admin:indicators_band_change", args=[band.pk])
    assert client.post(url, _form_data(client.get(url))).status_code == 302
    assert not AuditEntry.objects.exists()


def test_a_unit_renamed_and_ended_in_the_admin_is_audited(client, admin_user, tree):
    client.force_login(admin_user)
    entry = _change(client, tree.dept_a, name="Sở A mới", valid_to="2025-06-30")
    assert entry.action == "unit.change" and entry.unit == tree.dept_a
    assert entry.changes == {"name": ["Sở A", "Sở A mới"], "valid_to": [None, "2025-06-30"]}
    assert Unit.objects.get(pk=tree.dept_a.pk).valid_to == datetime.date(2025, 6, 30)


def test_a_score_deleted_in_the_admin_is_audited(client, admin_user, filled):
    client.force_login(admin_user)
    score = filled["score"]
    response = client.post(reverse("admin:indicators_score_delete", args=[score.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.criterion) == ("score.delete", str(score.pk), filled["sub"])


def test_an_index_added_changed_and_deleted_in_the_admin_is_audited(client, admin_user, filled):
    client.force_login(admin_user)
    par = Index.objects.get(code="par")
    entry = _change(client, par, direction="lower", name_en="PAR Index")
    assert (entry.action, entry.source, entry.user, entry.object_id) == (
        "index.change",
        AuditSource.ADMIN,
        admin_user,
        str(par.pk),
    )
    assert entry.changes == {"name_en": ["", "PAR Index"], "direction": ["higher", "lower"]}
    assert entry.unit is None and entry.criterion is None
    response = client.post(
        reverse("admin:indicators_index_add"),
        {"code": "sipas", "name_vi": "SIPAS", "direction": "higher", "value_unit": "percent"},
    )
    assert response.status_code == 302
    added = AuditEntry.objects.latest("id")
    assert added.action == "index.add" and added.changes["code"] == [None, "sipas"]
    sipas = Index.objects.get(code="sipas")
    assert client.post(reverse("admin:indicators_index_delete", args=[sipas.pk]), {"post": "yes"}).status_code == 302
    deleted = AuditEntry.objects.latest("id")
    assert (deleted.action, deleted.object_id) == ("index.delete", str(sipas.pk))
    assert not Index.objects.filter(code="sipas").exists()
