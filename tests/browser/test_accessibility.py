"""Issue 19: axe-core, in a real Chromium, finds no serious or critical WCAG 2 A/AA violation on any
page, in Vietnamese and in English, at a desk (1366×900) and on a phone (390×844), on the demo's
data; each page says its language (<html lang>, which a screen reader reads it in) and logs no
error (tests/browser/watch.py). The first screens (overview, rankings, scorecard, a head's draft)
are checked so as each demo user, in test_demo_walkthrough.py; here the other pages."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import Assessment, AssessmentStatus
from tests.browser.axe import described, serious_violations
from tests.browser.test_demo_walkthrough import log_in
from tests.browser.test_layout import DESK, PHONE
from tests.browser.watch import open_context


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
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_axe_finds_no_serious_violation_on_any_page(browser, demo, viewport, language):
    context, problems = open_context(browser, demo, viewport=viewport, language=language)
    page = context.new_page()
    violations = []

    check(page, "/login/", violations, language=language)
    log_in(page, "admin", demo.passwords["admin"])  # the administrator: every page and every link of the menu
    published = Assessment.objects.filter(unit__code="48-STP", status=AssessmentStatus.PUBLISHED).first()
    for url in (
        "/chronic-losses/",
        "/dossiers/",
        "/dossiers/units/20341/overdue/",
        f"/assessments/{published.pk}/",
        "/assessments/",
        "/audit/",
        "/imports/",
        "/help/",
        "/api/docs/",
        "/notifications/",
        "/notifications/settings/",
    ):
        check(page, url, violations, language=language)

    # A head's own worklist (his draft's form is one of the first screens).
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # logged out, in the same language
    log_in(page, "head_department", demo.passwords["head_department"])
    check(page, "/assessments/", violations, language=language)

    context.close()
    assert not problems, problems
    assert not violations, described(violations)
