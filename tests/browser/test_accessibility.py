"""Issue 19: axe-core, in a real Chromium, finds no serious or critical WCAG 2 A/AA violation on any
page, in Vietnamese and in English, at a desk (1366×900) and on a phone (390×844); each page says
its language (<html lang>, which a screen reader reads it in) and logs no error.

axe-core is vendored under tests/browser/vendor/ (not static/: the site never serves it). It is run
through page.evaluate, which the page's Content-Security-Policy (self only, no inline script) does
not govern, where a script tag with its source would be refused."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import Assessment
from tests.browser.test_layout import DESK, PHONE, layout_data, log_in  # noqa: F401 (layout_data: fixture)
from tests.browser.watch import open_context
from tests.dossiers.pages import pages  # noqa: F401 (pages, example: fixtures)
from tests.dossiers.test_stats import example  # noqa: F401

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

# The whole page, Plotly's charts and Swagger UI included: nothing is left out of axe's context.
AXE_RUN = """async () => {
  const result = await axe.run(
    document,
    {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]},
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
}"""


def serious_violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    return page.evaluate(AXE_RUN)


def check(page, url, violations, *, language):
    page.goto(url)
    # axe checks that a lang is there and valid, not that it is the page's: a screen reader would
    # read an English page with Vietnamese sounds.
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main h1").first).to_be_visible()
    # axe looks at what is drawn: every Plotly chart, and Swagger UI's operations on the API docs.
    expect(page.locator(".chart:not([data-drawn=true])")).to_have_count(0)
    if url.startswith("/api/docs/"):
        expect(page.locator("#swagger-ui .opblock").first).to_be_visible(timeout=20000)
    for violation in serious_violations(page):
        violations.append((url, violation))


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("width", ["desk", "phone"])
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_violation_on_any_page(
    browser, live_server, admin_user, head_a, layout_data, pages, width, language
):
    viewport = DESK if width == "desk" else PHONE
    context, problems = open_context(browser, live_server, viewport=viewport, language=language)
    page = context.new_page()
    violations = []

    check(page, "/login/", violations, language=language)
    log_in(page, "admin")  # the administrator: every page and every link of the menu
    scored = Assessment.objects.get(unit__code="A", methodology__year=2024)
    for url in (
        "/",
        "/rankings/?index=par&year=2024&kind=department&parent=P",
        "/units/S01/?index=par&year=2024",
        "/dossiers/?period=quarter&quarter=2&year=2024",
        "/dossiers/units/B/overdue/",
        f"/assessments/{scored.pk}/",
        "/assessments/",
        "/audit/",
        "/imports/",
        "/help/",
        "/api/docs/",
    ):
        check(page, url, violations, language=language)

    # The head of A on his own draft: the form with its inputs.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # logged out, in the same language
    log_in(page, "head_a")
    check(page, "/assessments/", violations, language=language)
    page.click("#unit-assessments form:has-text('2025') button[type=submit]")
    page.wait_for_url("**/assessments/*/")
    check(page, page.url, violations, language=language)

    context.close()
    assert not problems, problems
    assert not violations, "\n".join(
        f"{url}: {v['impact']} {v['id']} ({v['help']}) at {v['targets']}" for url, v in violations
    )
