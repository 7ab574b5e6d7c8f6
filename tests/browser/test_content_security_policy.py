"""Pages with Plotly charts under our Content-Security-Policy, in a real Chromium: the charts are
drawn and the browser reports no violation and no console error."""

import re
from urllib.parse import urlparse

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import Band
from tests.indicators.test_rankings_map import build_map_rankings
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)
from tests.indicators.test_scorecard import build_scorecard_data
from tests.reformdash.test_admin_pages import filled  # noqa: F401 (fixture)

# Registered before any script of the page runs, so a violation by Plotly's first line is seen.
_COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});
"""


@pytest.fixture
def watched(page):
    """The page, with its CSP violations and console errors collected; both must stay empty."""
    errors = []

    def console(message):
        # Not even a /favicon.ico 404: our pages and the admin's name their icon (base.html, admin/base_site.html).
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(_COLLECT_VIOLATIONS)
    yield page, errors


def _log_in(page, username, path):
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == path)


def _assert_clean(page, errors):
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_rankings_chart_is_drawn_without_a_policy_violation(watched, staff, rankings):
    page, errors = watched
    page.goto("/rankings/")
    _log_in(page, "staff", "/rankings/")
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible(timeout=15000)
    expect(page.locator("#ranking-chart svg.main-svg").first).to_be_visible()
    # Hovering a bar makes Plotly draw its hover label and mode bar: more run-time styling.
    page.locator("#ranking-chart").hover()
    bar = page.locator("#ranking-chart .bars path").first.bounding_box()
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    expect(page.locator("#ranking-chart .hoverlayer .hovertext").first).to_be_attached()
    expect(page.locator("#ranking-chart .modebar")).to_be_visible()
    _assert_clean(page, errors)


@pytest.mark.django_db(transaction=True)
def test_the_rankings_map_is_drawn_without_a_policy_violation(watched, staff, tree):
    page, errors = watched
    build_map_rankings(tree)
    page.goto("/rankings/?index=par&year=2023&kind=department&parent=P")
    _log_in(page, "staff", "/rankings/")
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible(timeout=15000)
    page.locator("#ranking-map").scroll_into_view_if_needed()
    dot = page.locator("#ranking-map .scatterlayer .point").first.bounding_box()
    page.mouse.move(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    expect(page.locator("#ranking-map .hoverlayer .hovertext").first).to_be_attached()
    _assert_clean(page, errors)


@pytest.mark.django_db(transaction=True)
def test_a_map_coloured_by_value_draws_its_colour_bar_without_a_policy_violation(watched, staff, tree):
    """Without bands the map colours its dots by value, with a colour bar: Plotly gives the bar's
    rectangles an empty style attribute, which a bare style-src 'self' refuses (reformdash/csp.py)."""
    page, errors = watched
    build_map_rankings(tree)
    Band.objects.all().delete()
    page.goto("/rankings/?index=par&year=2023&kind=department&parent=P")
    _log_in(page, "staff", "/rankings/")
    expect(page.locator("#ranking-map[data-drawn=true]")).to_be_visible(timeout=15000)
    expect(page.locator("#ranking-map rect.cbfill").first).to_be_attached()
    _assert_clean(page, errors)


@pytest.mark.django_db(transaction=True)
def test_the_scorecard_charts_are_drawn_without_a_policy_violation(watched, tree, head_b):
    page, errors = watched
    build_scorecard_data(tree)
    page.goto("/units/B/")
    _log_in(page, "head_b", "/units/B/")
    for chart in ("#scorecard-areas", "#scorecard-trend", "#scorecard-dossiers"):
        expect(page.locator(f"{chart}[data-drawn=true]")).to_be_visible(timeout=15000)
        expect(page.locator(f"{chart} svg.main-svg").first).to_be_attached()
    _assert_clean(page, errors)


@pytest.mark.django_db(transaction=True)
def test_the_admin_works_without_a_policy_violation(watched, admin_user, filled):
    page, errors = watched
    page.goto("/login/?next=/admin/")
    _log_in(page, "admin", "/admin/")
    methodology = filled["methodology"]
    for path in [
        "/admin/",
        "/admin/indicators/criterion/",
        f"/admin/indicators/methodology/{methodology.pk}/change/",
        f"/admin/indicators/assessment/{filled['assessment'].pk}/change/",
        "/admin/units/unit/add/",
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        # Each page starts its own list: read it before leaving.
        assert page.evaluate("window.__cspViolations") == [], path
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_policy_really_refuses_inline_script(watched, staff, rankings):
    """The check above could pass with no policy at all: here an inline script is injected and
    the browser must refuse it and report the violation."""
    page, errors = watched
    page.goto("/rankings/")
    _log_in(page, "staff", "/rankings/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))


_RULES_OF_STYLE = "(selector) => [...document.querySelector(selector).sheet.cssRules].map(rule => rule.cssText)"


def test_plotly_css_holds_exactly_the_rules_the_bundle_would_insert(browser, tmp_path):
    """static/vendor/plotly/plotly.css stands in for the <style> plotly.js fills at run time: after
    a Plotly update it must be regenerated, and this test writes the file it should be."""
    vendor = settings.BASE_DIR / "static" / "vendor" / "plotly"
    context = browser.new_context()
    try:
        # A blank page, no policy: the bundle inserts its rules as it would anywhere else.
        page = context.new_page()
        page.set_content("<!doctype html><html><head></head><body></body></html>")
        page.add_script_tag(path=str(vendor / "plotly-partial.min.js"))
        inserted = page.evaluate(_RULES_OF_STYLE, "#plotly\\.js-style-global")
        served = context.new_page()
        served.set_content("<!doctype html><html><head></head><body></body></html>")
        served.add_style_tag(path=str(vendor / "plotly.css"))
        ours = served.evaluate(_RULES_OF_STYLE, "style")
    finally:
        context.close()
    version = re.search(r"v(\S+)", (vendor / "plotly-partial.min.js").read_text(encoding="utf-8")[:200]).group(1)
    expected = tmp_path / "plotly.css"
    expected.write_text(_CSS_HEADER.format(version=version) + "\n".join(inserted) + "\n", encoding="utf-8")
    assert inserted, "plotly.js inserted no global rules: has its mechanism changed?"
    assert ours == inserted, f"static/vendor/plotly/plotly.css is stale: replace it with {expected}"


_CSS_HEADER = """/* plotly.js {version}'s own global rules, which its bundle would otherwise insert into an inline
   <style> at run time; served as a file so our Content-Security-Policy needs no inline style.
   Regenerate on a Plotly update: see docs/development.md, "Dependencies". */
"""
