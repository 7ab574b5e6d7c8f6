"""In a real Chromium: pages whose units, criteria, notes and decisions are named with script, charts
drawn by Plotly included, run none of it (window.__xss, which every hostile text sets, stays unset).

Here, not in tests/hostile/, so that it shares this directory's one Playwright session: a second
session-wide Playwright in another module failed ("Sync API inside the asyncio loop")."""

import pytest
from playwright.sync_api import expect

from tests.dossiers.test_stats import example  # noqa: F401 (fixtures, used as test arguments)
from tests.hostile.conftest import evidence_root, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("/units/A/?index=par&year=2024", "#scorecard-areas[data-drawn=true]"),
    ("/rankings/?index=par&year=2024&kind=department&parent=P", "main table"),
    ("/audit/", "main table"),
    ("/dossiers/?period=quarter&year=2024&quarter=2&kind=district", "main table"),
]


def _log_in(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith("/login/"))


def test_hostile_names_run_no_script_in_the_pages_and_their_charts(page, world, admin_user):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _log_in(page, "admin")
    for url, ready in PAGES:
        page.goto(url)
        expect(page.locator(ready).first).to_be_attached(timeout=15000)
        # The name is on the page, as the text that was typed.
        expect(page.locator("main")).to_contain_text("UNIT_", timeout=5000)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert page.locator("main img[src=x], main svg[onload]").count() == 0, url
    assert dialogs == []


def test_the_unit_head_s_assessment_page_runs_no_script(page, world, head_a):
    _log_in(page, "head_a")
    page.goto(f"/assessments/{world.assessment.pk}/")
    expect(page.locator("main")).to_contain_text("NOTE</script><script>window.__xss='NOTE'</script>")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main img[src=x]").count() == 0
