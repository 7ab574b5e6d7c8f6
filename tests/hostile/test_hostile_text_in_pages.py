"""Script typed into any free text (unit names, criterion titles, notes, reasons, comments, decision
references, evidence and import file names, dossier procedures) is shown as text on every page
that shows it: the pages, the chart data embedded in them, the admin, and the API's JSON."""

import json

import pytest
from django.contrib import admin
from django.utils.html import escape

from tests.dossiers.test_stats import example  # noqa: F401 (fixtures, used as test arguments)
from tests.hostile.conftest import HOSTILE_CODE, hostile, unescaped, world  # noqa: F401 (fixtures)

Q2 = "period=quarter&year=2024&quarter=2&kind=district"

# (page, the labels of the hostile texts it must show): a page that stops showing a field fails
# here rather than passing for showing nothing.
PAGES = [
    ("/", ["UNIT_A", "UNIT_A2", "INDEX_VI"]),
    (
        "/rankings/?index=par&year=2024&kind=department&parent=P",
        ["UNIT_A", "UNIT_A2", "INDEX_VI", "CRITERION_1", "DECISION_2", "REOPEN_REASON"],
    ),
    ("/chronic-losses/?index=par&year=2024&kind=department", ["INDEX_VI"]),
    (
        "/units/A/?index=par&year=2024",
        [
            "UNIT_A",
            "HEAD_NAME",
            "HEAD_TITLE",
            "CRITERION_1.1",
            "RETURN_COMMENT",
            "REASON",
            "DECISION_1",
            "DECISION_2",
            "REOPEN_REASON",
            "CORRECTION",
            "OLD_VALUE",
            "NEW_VALUE",
            "AUDIT_REASON",
            "EVIDENCE",
        ],
    ),
    ("/assessments/", ["UNIT_A", "UNIT_A2", "INDEX_VI"]),
    (
        "/assessments/{assessment}/",
        [
            "UNIT_A",
            "CRITERION_1.1",
            "NOTE",
            "RETURN_COMMENT",
            "REASON",
            "DECISION_2",
            "REOPEN_REASON",
            "CORRECTION",
            "EVIDENCE",
        ],
    ),
    ("/assessments/publish/{methodology}/", ["INDEX_VI", "DECISION_1", "DECISION_2"]),
    (
        "/audit/",
        [
            "UNIT_A",
            "CRITERION_1.1",
            "NOTE",
            "RETURN_COMMENT",
            "REASON",
            "DECISION_1",
            "REOPEN_REASON",
            "OLD_VALUE",
            "NEW_VALUE",
            "AUDIT_REASON",
            "EVIDENCE",
        ],
    ),
    (f"/dossiers/?{Q2}", ["UNIT_B", "UNIT_C"]),
    ("/dossiers/units/B/overdue/", ["UNIT_B", "PROCEDURE"]),
    ("/imports/", ["IMPORT_FILE"]),
    ("/imports/{run}/", ["IMPORT_FILE", "IMPORT_KIND"]),
]


def _url(template, world):
    return template.format(assessment=world.assessment.pk, methodology=world.methodology.pk, run=world.run.pk)


@pytest.mark.parametrize(("template", "labels"), PAGES, ids=[page for page, _ in PAGES])
def test_a_page_shows_script_as_text(client, world, admin_user, template, labels):
    client.force_login(admin_user)
    response = client.get(_url(template, world))
    assert response.status_code == 200
    html = response.content.decode()
    assert unescaped(html) == []
    assert [label for label in labels if label not in html] == []


def test_the_chart_data_cannot_close_its_script_element(client, world, admin_user):
    # The figures reach the page as JSON inside <script type="application/json">: a "</script>" in a
    # unit's name would end that element and start one of the attacker's.
    client.force_login(admin_user)
    html = client.get("/units/A/?index=par&year=2024").content.decode()
    blocks = html.split('<script id="')[1:]
    figures = [block for block in blocks if 'type="application/json"' in block.split(">", 1)[0]]
    assert figures, "the scorecard embeds its charts' data"
    for block in figures:
        data = block.split(">", 1)[1].split("</script>", 1)[0]
        assert "<" not in data
        json.loads(data)  # the whole figure, not cut short by a name in it


def test_the_unit_head_sees_his_assessment_page_as_text(client, world, head_a):
    client.force_login(head_a)
    html = client.get(f"/assessments/{world.assessment.pk}/").content.decode()
    assert unescaped(html) == []
    assert escape(hostile("NOTE")) in html


def _admin_pages(world):
    for model in admin.site._registry:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        yield changelist
        for obj in model.objects.all()[:3]:
            yield f"{changelist}{obj.pk}/change/"


def test_every_admin_list_and_form_shows_script_as_text(client, world, admin_user):
    client.force_login(admin_user)
    shown = set()
    for url in _admin_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert unescaped(html) == [], url
        shown |= {
            label
            for label in (
                "UNIT_A",
                "HEAD_NAME",
                "CRITERION_1",
                "REASON",
                "DECISION_1",
                "AUDIT_REASON",
                "INDEX_DESCRIPTION",
                "OLD_VALUE",
            )
            if label in html
        }
    assert len(shown) == 8
    assert escape(HOSTILE_CODE) in client.get("/admin/units/unit/").content.decode()


API = [
    ("/api/units/", "UNIT_A"),
    ("/api/indices/", "INDEX_DESCRIPTION"),
    ("/api/rankings/?index=par&year=2024&kind=department", "DECISION_2"),
    ("/api/units/A/scorecard/?index=par&year=2024", "CRITERION_1"),
]


@pytest.mark.parametrize(("url", "label"), API, ids=[url for url, _ in API])
def test_the_api_gives_script_as_json_text_never_as_html(client, world, admin_user, url, label):
    # JSON need not escape "<": it is data, and the browser is told not to sniff it into HTML.
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hostile(label) in set(_strings(response.json()))


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def test_an_evidence_download_keeps_its_hostile_name_inside_the_header(client, world, head_a):
    client.force_login(head_a)
    response = client.get(f"/assessments/{world.assessment.pk}/evidence/{world.evidence.pk}/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\n" not in disposition and "\r" not in disposition
    assert response["Content-Type"] == "image/png"
