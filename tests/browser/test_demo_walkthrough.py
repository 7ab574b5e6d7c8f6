"""What `make run` gives a newcomer, in Vietnamese and in English: every demo user logs in and walks
every page of the header, with the demo's own data, and no request leaves the machine and no page
fails, throws, logs an error or breaks the Content-Security-Policy in the browser (tests/browser/watch.py).

Issue 19: the first screens (overview, rankings, a scorecard, a head's self-assessment draft) as
each role that may open them, at a desk and on a phone, in both languages, with no serious axe
violation either; their screenshots are kept in var/test-artifacts/screenshots/, named
<language>-<width>-<user>-<screen>.png, for a person to look at.

Every test here only reads the demo (logging in aside): they share one load of it (`demo`).
"""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from indicators.models import Assessment, AssessmentStatus
from tests.browser.axe import described, serious_violations
from tests.browser.test_layout import DESK, PHONE, shoot
from tests.browser.watch import open_context
from units.access import units_visible_to

# Where each user lands, and a unit of his whose scorecard he opens.
USERS = {
    "staff": "20341",
    "appraiser": "48-SNV",
    "admin": "L502",
    "head_department": "48-STP",
    "head_ward": "20341",
}
# Text only the English pages have, and only the Vietnamese ones.
MARKERS = {"en": ("Log out", "Overview"), "vi": ("Đăng xuất", "Tổng quan")}
# The heads' PAR 2026 self-assessments, drafts in the demo (tests/demo/test_demo_content.py).
HEADS_UNITS = ("48-STP", "20341")


def log_in(page, username, password):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def walk(page, *, language_marker):
    """Open every page the header links to (the admin aside); each answers 200 with a heading, in
    the language expected, and draws its charts."""
    links = page.locator("header .site-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    links = [link for link in links if not link.startswith("/admin/")]
    assert len(links) >= 5, links
    for link in links:
        response = page.goto(link)
        assert response.status == 200, (link, response.status)
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("header")).to_contain_text(language_marker)
        for chart in page.locator("[data-figure]").all():
            expect(chart).to_have_attribute("data-drawn", "true")
    return links


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_demo_user_walks_every_page(browser, demo, language):
    log_out_text, overview = MARKERS[language]
    for username, own_unit in USERS.items():
        context, problems = open_context(browser, demo, viewport=DESK, language="vi")
        page = context.new_page()
        log_in(page, username, demo.passwords[username])
        expect(page.locator("main h1")).to_have_text(MARKERS["vi"][1])
        if language == "en":
            # The header's switch, as a user finds it.
            page.click("button:has-text('English')")
            page.wait_for_load_state()
        expect(page.locator("main h1")).to_have_text(overview)

        walk(page, language_marker=log_out_text)
        # His own unit's scorecard, with the demo's results on it.
        response = page.goto(f"/units/{own_unit}/")
        assert response.status == 200, username
        expect(page.locator("main")).to_contain_text("%")
        context.close()
        assert not problems, (username, problems)


def test_a_ward_head_cannot_open_another_units_scorecard(browser, demo):
    """Phường Tam Kỳ's chairman: his ward's card, with its predecessors' history on it, and no
    other unit's card — not his old district's, not a predecessor's own."""
    context, problems = open_context(browser, demo, viewport=DESK, language="vi")
    page = context.new_page()
    log_in(page, "head_ward", demo.passwords["head_ward"])
    for path in ("/units/20194/", "/units/48-STP/", "/units/L502/", "/units/L20341/", "/dossiers/units/20194/overdue/"):
        assert page.goto(path).status == 404, path
    problems.clear()  # the 404s' own console reports
    assert page.goto("/units/20341/").status == 200
    expect(page.locator("main")).to_contain_text("Phường An Mỹ")
    context.close()
    assert not problems, problems


def first_screens(username):
    """{screen: address} of the first screens this user may open: the overview, the rankings, a
    scorecard, and a head's self-assessment draft (his own, for a head)."""
    screens = {"overview": "/", "rankings": "/rankings/", "scorecard": f"/units/{USERS[username]}/"}
    visible = units_visible_to(user=User.objects.get(username=username))
    draft = (
        Assessment.objects.filter(
            unit__in=visible,
            unit__code__in=HEADS_UNITS,
            methodology__index__code="par",
            methodology__year=2026,
            status=AssessmentStatus.DRAFT,
        )
        .order_by("unit__code")
        .first()
    )
    if draft is not None:
        screens["assessment"] = f"/assessments/{draft.pk}/"
    return screens


@pytest.mark.parametrize("username", list(USERS))
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_first_screens_of_each_role_are_clean_and_kept_as_screenshots(browser, demo, language, viewport, username):
    context, problems = open_context(browser, demo, viewport=viewport, language=language)
    page = context.new_page()
    log_in(page, username, demo.passwords[username])
    screens = first_screens(username)
    assert "assessment" in screens, username  # every demo user sees one head's draft
    violations = []
    for screen, url in screens.items():
        assert page.goto(url).status == 200, url
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("main h1").first).to_be_visible()
        expect(page.locator(".chart:not([data-drawn=true])")).to_have_count(0)
        shoot(page, f"{language}-{viewport['width']}-{username}-{screen}")
        violations += [(screen, violation) for violation in serious_violations(page)]
    context.close()
    assert not problems, problems
    assert not violations, described(violations)
