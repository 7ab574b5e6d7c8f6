"""Official or provisional: one rule (indicators.official), and every page, export and the API say
the same of the same unit and year — including when the facts disagree, as on the demo, where the
scorecard said "Chưa công bố: kết quả này là tạm thời" beside "Bản đánh giá: Đã công bố"."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from assessments.workflow import appraisal_scores_save, assessment_appraise, assessment_reopen
from indicators.models import Assessment, AssessmentStatus, Result, ResultSource
from indicators.official import OFFICIAL_STATES, OfficialState, result_official_state, with_official_state
from indicators.recompute import results_recompute
from tests.indicators.test_publication import appraised, publish, published, revised  # noqa: F401 (fixtures, used as test arguments)
from tests.indicators.workflow import reload, workflow  # noqa: F401 (fixtures, used as test arguments)
from units.models import Unit, UnitKind

S = AssessmentStatus
GROUP = {"index": "par", "year": 2024, "kind": "department", "parent": "P"}


def _recompute(workflow):
    results_recompute(index_id=workflow.index.pk, year=2024)


def _provisional(appraised, **_):
    _recompute(appraised)


def _no_decision(appraised, **_):
    """Assessments marked published without a decision, as the demo loaded them: the contradiction."""
    _recompute(appraised)
    Assessment.objects.update(status=S.PUBLISHED)


def _official(appraised, admin_user, **_):
    publish(appraised, admin_user)


def _reopened(appraised, admin_user, **_):
    publish(appraised, admin_user)
    assessment_reopen(assessment=appraised.assessment, user=admin_user, reason="Sai số liệu tiêu chí 2.1")


def _correcting(appraised, admin_user, appraiser, **_):
    _reopened(appraised, admin_user)
    appraisal_scores_save(
        assessment=appraised.assessment,
        user=appraiser,
        scores={appraised.criteria["2.1"].pk: (D(25), "Thiếu minh chứng")},
        version=reload(appraised.assessment).version,
    )
    _recompute(appraised)


def _changed(appraised, admin_user, appraiser, tree, **_):
    """Published; then a third department is appraised above Sở A and the recompute moves A's rank."""
    publish(appraised, admin_user)
    a3 = Unit.objects.create(
        code="A3", name="Sở A3", kind=UnitKind.DEPARTMENT, parent=tree.province, valid_from=tree.dept_a.valid_from
    )
    assessment = Assessment.objects.create(unit=a3, methodology=appraised.methodology, status=S.SUBMITTED)
    appraisal_scores_save(
        assessment=assessment,
        user=appraiser,
        scores={
            appraised.criteria[code].pk: (appraised.criteria[code].max_points, "đủ") for code in ("1.1", "1.2", "2.1")
        },
        version=reload(assessment).version,
    )
    assessment_appraise(assessment=assessment, user=appraiser)
    _recompute(appraised)


SCENARIOS = {
    OfficialState.PROVISIONAL: _provisional,
    OfficialState.NO_DECISION: _no_decision,
    OfficialState.OFFICIAL: _official,
    OfficialState.REOPENED: _reopened,
    OfficialState.CORRECTING: _correcting,
    OfficialState.CHANGED: _changed,
}


@pytest.fixture(params=list(SCENARIOS), ids=str)
def scenario(request, appraised, admin_user, appraiser, tree):
    """(state Sở A's PAR 2024 result is in, whether that reads official)."""
    SCENARIOS[request.param](appraised=appraised, admin_user=admin_user, appraiser=appraiser, tree=tree)
    return request.param, request.param in OFFICIAL_STATES


def _result_a():
    return Result.objects.get(unit__code="A", index__code="par", year=2024)


def test_the_rule_gives_each_state(scenario):
    state, _ = scenario
    assert result_official_state(_result_a()) == state


def test_a_value_entered_from_a_decision_is_official(tree, workflow):
    entered = Result.objects.create(
        unit=tree.province, index=workflow.index, year=2024, value=D("84.6"), source=ResultSource.PUBLISHED
    )
    assert result_official_state(entered) == OfficialState.ENTERED


def test_the_contradiction_of_the_demo_is_provisional_and_says_why(client, staff, appraised, english):
    """The assessment says published, no decision made the result official: the card must not say
    "not yet published" as if nothing had happened, nor "official"; it says why."""
    _no_decision(appraised)
    client.force_login(staff)
    text = client.get("/units/A/", {"index": "par", "year": 2024}).content.decode()
    section = text.split('id="publication"')[1].split('class="scorecard-revised"')[0]
    assert 'Assessment: <strong class="status-published">Published</strong>' in section
    assert "no publishing decision made this result official" in section
    assert "Not yet published" not in section and "Official" not in section


def test_a_reopened_result_stays_official_and_says_it_is_reopened(client, staff, appraised, admin_user, english):
    _reopened(appraised, admin_user)
    client.force_login(staff)
    text = client.get("/units/A/", {"index": "par", "year": 2024}).content.decode()
    assert "Official: published on 01/03/2025 by decision QĐ 345/QĐ-UBND." in text
    assert "The assessment was reopened for a correction" in text
    assert 'class="status-appraised"' in text


def test_changed_figures_are_provisional_with_the_published_ones_beside(
    client, staff, appraised, admin_user, appraiser, english
):
    _correcting(appraised, admin_user, appraiser)
    client.force_login(staff)
    text = client.get("/units/A/", {"index": "par", "year": 2024}).content.decode()
    section = text.split('id="publication"')[1]
    assert "Official:" not in section.split("</div>")[0]
    assert "Provisional: the assessment was reopened for a correction after its publication on 01/03/2025" in section
    assert "As published: 85.00 %, rank 2/2." in section


# --- Every page, export and the API say the same of the same unit and year ------------------------


def _scorecard(client):
    text = client.get("/units/A/", {"index": "par", "year": 2024}).content.decode()
    section = text.split('id="publication"')[1].split("</p>")[0]
    assert ('class="official"' in section) != ('class="provisional"' in section)
    return 'class="official"' in section


def _ranking_row(client):
    response = client.get("/rankings/", GROUP)
    row = [line for line in response.content.decode().split("<tr") if ">Sở A<" in line][0]
    assert ('class="official"' in row) != ('class="provisional"' in row)
    return 'class="official"' in row


def _ranking_export(client):
    response = client.get("/rankings/", {**GROUP, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    status = next(row["Status"] for row in rows if row["Unit"] == "Sở A")
    return status in {str(OfficialState(state).label) for state in OFFICIAL_STATES}


def _overview(client):
    text = client.get("/").content.decode()
    cell = [part for part in text.split("<td>") if part.startswith("Sở A <")][0].split("</td>")[0]
    assert ('class="official"' in cell) != ('class="provisional"' in cell)
    return 'class="official"' in cell


def _export_rankings(client):
    out = io.StringIO()
    call_command("export_rankings", index="par", year=2024, kind="department", parent="P", stdout=out)
    row = next(row for row in csv.DictReader(io.StringIO(out.getvalue())) if row["unit_code"] == "A")
    return row["status"] == "official"


def _api_scorecard(client):
    body = client.get("/api/units/A/scorecard/", {"index": "par", "year": 2024}).json()
    assert (body["official"] is not None) == body["status"]["official"]
    return body["status"]["official"]


def _api_ranking(client):
    body = client.get("/api/rankings/", GROUP).json()
    row = next(row for row in body["results"] if row["unit_code"] == "A")
    assert (row["official"] is not None) == row["status"]["official"]
    return row["status"]["official"]


SURFACES = [_scorecard, _ranking_row, _ranking_export, _overview, _export_rankings, _api_scorecard, _api_ranking]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda surface: surface.__name__.strip("_"))
def test_every_surface_agrees_with_the_rule(client, staff, scenario, surface, english):
    _, official = scenario
    client.force_login(staff)
    assert surface(client) is official


def test_the_ranking_of_a_group_partly_official_says_so(client, staff, appraised, admin_user, appraiser, english):
    _correcting(appraised, admin_user, appraiser)  # A's value changed; A2 kept its figures
    states = dict(with_official_state(Result.objects.filter(year=2024)).values_list("unit__code", "official_state"))
    assert states == {"A": "correcting", "A2": "official"}
    client.force_login(staff)
    text = client.get("/rankings/", GROUP).content.decode()
    assert "Some of these results are official, others provisional" in text
    assert "Not yet published: these results are provisional." not in text


def test_public_readers_see_only_what_reads_official(client, settings, appraised, english):
    """The public rankings took "every assessment published" for published: the rows the scorecard
    called provisional were public."""
    settings.PUBLIC_RANKINGS = True
    _no_decision(appraised)
    text = client.get("/rankings/", {**GROUP, "parent": ""}).content.decode()
    assert "Sở A" not in text


def test_public_readers_see_official_rows(client, settings, published, english):
    settings.PUBLIC_RANKINGS = True
    text = client.get("/rankings/", {**GROUP, "parent": ""}).content.decode()
    assert "Sở A" in text and "Official: published on 01/03/2025" in text


def test_the_published_date_of_the_decision_is_the_one_shown(client, staff, appraised, admin_user, english):
    publish(appraised, admin_user, reference="QĐ 9/QĐ-UBND", on=datetime.date(2025, 5, 6))
    client.force_login(staff)
    body = client.get("/api/units/A/scorecard/", {"index": "par", "year": 2024}).json()
    assert body["official"] == {"published_on": "2025-05-06", "decision_reference": "QĐ 9/QĐ-UBND"}
    assert body["status"] == {"official": True, "state": "official", "label": "Official"}
