"""A first visit as production serves it, in a real Chromium: `collectstatic` with the production
storage (hashed names, gzip and brotli copies), WhiteNoise serving STATIC_ROOT, no static-file
handler of the test server's in front. A staff member opens the login page, logs in to the
overview, then opens a chart page (the rankings, which loads Plotly): everything the browser
received over the network, headers and encoded bodies, stays within the budget of issue 22
(1.5 MB; 5,588,884 bytes before: Plotly's whole strict bundle, uncompressed), with no console error and no
policy violation. Each static file comes with a year's immutable cache lifetime, so a second
visit asks for none of them."""

from io import StringIO
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_content_security_policy import _COLLECT_VIOLATIONS
from tests.indicators.test_rankings_view import rankings  # noqa: F401 (fixture)

BUDGET = 1_500_000  # bytes on the wire, issue 22 target 5
PRODUCTION_STATIC = {
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "reformdash.lib.staticfiles.HashedCompressedStorage"},
    },
    "WHITENOISE_USE_FINDERS": False,
    "WHITENOISE_AUTOREFRESH": False,
}
YEAR = 365 * 24 * 60 * 60


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """STATIC_ROOT filled by `collectstatic` as a deployment does (docs/operations.md), once. The
    admin's and Swagger UI's files are left out: no page of this visit loads them, and compressing
    them is most of the command's time."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, **PRODUCTION_STATIC):
        call_command("collectstatic", "--noinput", "-i", "admin", "-i", "swagger-ui", stdout=StringIO())
    return root


@pytest.fixture
def production_server(settings, static_root, transactional_db):
    """Django's live server without its static-file handler: /static/ goes through the
    middleware, so WhiteNoise answers from STATIC_ROOT as it does behind gunicorn."""
    settings.STATIC_ROOT = static_root
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # as pytest-django's live_server adds it
    for name, value in PRODUCTION_STATIC.items():
        setattr(settings, name, value)
    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def visit(browser, production_server):
    """A new browser (empty cache) on the server; every response's bytes on the wire, and the
    page's console errors and policy violations."""
    context = browser.new_context(base_url=production_server, locale="vi-VN")
    page = context.new_page()
    received, errors = [], []
    page.on("requestfinished", lambda request: received.append(request))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(_COLLECT_VIOLATIONS)
    yield page, received, errors
    context.close()


# What this page cost on the network, by the browser's own count: transferSize is the headers and
# the encoded (compressed) body of what came over the network, 0 for what came from its cache.
_TRANSFERRED = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
    .map(entry => ({url: entry.name, bytes: entry.transferSize, body: entry.encodedBodySize}))"""


def _first_visit(page):
    """The login page, the overview after logging in, the rankings: what each page transferred."""
    transferred = []
    page.goto("/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "correct horse battery staple")
    transferred += page.evaluate(_TRANSFERRED)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    page.wait_for_load_state("load")
    transferred += page.evaluate(_TRANSFERRED)
    page.goto("/rankings/")
    expect(page.locator("#ranking-chart[data-drawn=true]")).to_be_visible(timeout=15000)
    transferred += page.evaluate(_TRANSFERRED)
    return transferred


@pytest.mark.django_db(transaction=True)
def test_a_first_visit_to_the_overview_and_a_chart_transfers_at_most_1_5_mb(visit, staff, rankings):  # noqa: F811
    page, received, errors = visit
    transferred = _first_visit(page)
    assert errors == [] and page.evaluate("window.__cspViolations") == []
    plotly = [request for request in received if "/static/vendor/plotly/plotly-partial.min." in request.url]
    assert len(plotly) == 1, "the chart page loads Plotly, the visit's heaviest file"
    encoding = plotly[0].response().header_value("content-encoding")
    assert encoding in {"br", "gzip"}
    total = sum(entry["bytes"] for entry in transferred)
    # The browser's count agrees with Playwright's (headers and encoded bodies of every response).
    wire = sum(request.sizes()["responseHeadersSize"] + request.sizes()["responseBodySize"] for request in received)
    print(f"first visit: {len(transferred)} entries, {total:,} bytes transferred (Playwright: {wire:,}), {encoding}")
    assert 0 < total <= BUDGET, f"{total:,} bytes > {BUDGET:,}: " + ", ".join(
        f"{urlparse(entry['url']).path} {entry['bytes']:,}"
        for entry in sorted(transferred, key=lambda entry: entry["bytes"], reverse=True)[:5]
    )


@pytest.mark.django_db(transaction=True)
def test_static_files_have_hashed_names_and_a_years_immutable_lifetime(visit, staff, rankings):  # noqa: F811
    page, received, errors = visit
    transferred = _first_visit(page)
    static = [request for request in received if "/static/" in request.url]
    assert len(static) >= 5
    for request in static:
        response = request.response()
        # A hashed name (bootstrap.min.<12 hex>.css): a changed file is a new URL, so a year is safe.
        assert response.status == 200 and len(urlparse(request.url).path.rsplit(".", 2)[-2]) == 12, request.url
        assert response.header_value("cache-control") == f"max-age={10 * YEAR}, public, immutable", request.url
    # The files the overview and the rankings share came from the browser's cache, not even revalidated.
    loaded = [entry for entry in transferred if "/static/" in entry["url"]]
    again = [entry for position, entry in enumerate(loaded) if entry["url"] in {e["url"] for e in loaded[:position]}]
    assert again and all(entry["bytes"] == 0 for entry in again), again
