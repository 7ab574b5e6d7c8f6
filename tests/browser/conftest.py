"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against Django's live server.

Playwright cannot download browsers here, so it is pointed at the system one; .ci/run installs it
when missing. Tests here are marked `browser` (and `slow`): skipped without Chromium, failed under REQUIRE_SERVICES=1.
"""

import json
import os
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# themselves (creating users) are still plain synchronous calls, so Django's guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # a Chromium and a live server: seconds per test


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        from tests.conftest import _missing

        _missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    # Fail on anything the page tries to load from outside this server: pages must work offline.
    outside = []
    page.on(
        "request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    yield page
    context.close()
    assert not outside, f"the page loaded from outside the server: {outside}"


@pytest.fixture
def demo_passwords(settings, tmp_path, tasks_in_process, transactional_db):
    """The demo loaded as `make run` loads it; {username: password} of its users."""
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-credentials.json"
    call_command("load_demo", stdout=StringIO())
    entries = json.loads(settings.DEMO_CREDENTIALS_FILE.read_text(encoding="utf-8"))
    return {entry["username"]: entry["password"] for entry in entries}
