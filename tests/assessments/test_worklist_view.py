"""/assessments/: each reader's worklist — his unit's assessments and what it may start, the
appraiser's waiting list with filters, the administrator's counts by methodology."""

import pytest

from indicators.models import Assessment, AssessmentStatus, Index
from tests.assessments.conftest import appraised, submitted
from tests.indicators.builders import methodology
from units.models import UnitKind

S = AssessmentStatus
URL = "/assessments/"


@pytest.fixture
def more(workflow, tree):
    """PAR 2025 for departments (not started by A) and district B's PAR 2024 draft."""
    m2025 = methodology(workflow.index, 2025)
    district = methodology(workflow.index, 2024, kind=UnitKind.DISTRICT)
    b = Assessment.objects.create(unit=tree.district_b, methodology=district)
    return type("More", (), {"m2025": m2025, "district": district, "b": b})


@pytest.mark.parametrize("who", ["staff", "head_a", "head_b", "appraiser", "admin_user"])
def test_every_reader_of_the_cast_gets_the_page(login, more, who):
    assert login(who).get(URL).status_code == 200


def test_anonymous_is_sent_to_log_in(client, more):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_head_sees_his_units_assessments_and_can_start_the_next_year(login, workflow, more, english):
    response = login("head_a").get(URL)
    body = response.content.decode()
    assert [a.pk for a in response.context["member_assessments"]] == [workflow.assessment.pk]
    assert response.context["to_start"] == [(workflow.assessment.unit, more.m2025)]
    assert "Start self-assessment" in body
    assert f"/assessments/{more.b.pk}/" not in body  # B's is not his
    assert "All assessments" not in body


def test_head_b_sees_only_bs(login, workflow, more):
    response = login("head_b").get(URL)
    assert [a.pk for a in response.context["member_assessments"]] == [more.b.pk]
    assert f"/assessments/{workflow.assessment.pk}/" not in response.content.decode()
    assert response.context["to_start"] == []  # no district methodology left to start


def test_the_appraiser_sees_what_waits_for_him_by_default(login, workflow, more, head_a):
    submitted(workflow, head_a)
    response = login("appraiser").get(URL)
    assert [a.pk for a in response.context["page"]] == [workflow.assessment.pk]
    response = login("appraiser").get(URL, {"status": "draft"})
    assert [a.pk for a in response.context["page"]] == [more.b.pk]


def test_filters_by_year_index_and_status(login, workflow, more):
    client = login("staff")
    assert {a.pk for a in client.get(URL).context["page"]} == {workflow.assessment.pk, more.b.pk}
    assert {a.pk for a in client.get(URL, {"year": "2024", "index": "par", "status": "draft"}).context["page"]} == {
        workflow.assessment.pk,
        more.b.pk,
    }
    assert list(client.get(URL, {"year": "2025"}).context["page"]) == []
    Index.objects.create(code="sipas", name_vi="SIPAS")
    assert list(client.get(URL, {"index": "sipas"}).context["page"]) == []


@pytest.mark.parametrize("query", [{"year": "abc"}, {"index": "nope"}, {"status": "bad"}, {"year": "1800"}])
def test_a_bad_filter_is_a_400_not_a_500(login, more, query):
    assert login("staff").get(URL, query).status_code == 400


def test_staff_gets_the_list_but_no_action(login, workflow, more, english):
    body = login("staff").get(URL).content.decode()
    assert "All assessments" in body
    assert "Start self-assessment" not in body and "/assessments/publish/" not in body


def test_the_admin_sees_counts_by_status_and_a_publish_link_when_some_are_appraised(
    login, workflow, more, head_a, appraiser, english
):
    client = login("admin_user")
    rows = {m.pk: m for m in client.get(URL).context["methodologies"]}
    assert (rows[workflow.methodology.pk].n_draft, rows[more.district.pk].n_draft) == (1, 1)
    assert more.m2025.pk not in rows
    assert f'href="/assessments/publish/{workflow.methodology.pk}/">Publish' not in client.get(URL).content.decode()
    appraised(workflow, head_a, appraiser)
    body = client.get(URL).content.decode()
    assert f'href="/assessments/publish/{workflow.methodology.pk}/">Publish' in body


def test_the_last_step_is_shown(login, workflow, head_a, english):
    submitted(workflow, head_a)
    body = login("head_a").get(URL).content.decode()
    assert "Submitted · head_a" in body


def test_the_province_wide_list_is_paged_at_the_readers_own_page_size(login, workflow, more, tree):
    # Thirty more assessments (a methodology a year), so that 25 a page makes two pages.
    for year in range(1990, 2020):
        Assessment.objects.create(
            unit=tree.district_b, methodology=methodology(workflow.index, year, kind=UnitKind.DISTRICT)
        )
    client = login("staff")
    response = client.get(URL, {"status": "draft"})
    assert response.context["page"].paginator.per_page == 50 and len(response.context["page"]) == 32
    layout = response.context["layout"]
    assert layout.columns == [] and 'name="per_page"' in response.content.decode()
    saved = client.post(layout.action, {"offered": layout.offered, "per_page": "25", "next": layout.next})
    assert saved["Location"] == f"{URL}?status=draft"
    page = client.get(URL, {"status": "draft"}).context["page"]
    assert page.paginator.per_page == 25 and len(page) == 25 and page.paginator.num_pages == 2
    # Another reader's list keeps its own size.
    assert login("appraiser").get(URL, {"status": "draft"}).context["page"].paginator.per_page == 50
