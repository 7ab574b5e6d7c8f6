"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against Django's live server.

Playwright cannot download browsers here, so it is pointed at the system one; .ci/run installs it
when missing. Tests here are marked `browser` (and `slow`): skipped without Chromium, failed under REQUIRE_SERVICES=1.

One Chromium serves the whole session. The tests of the demo share one load of it and one live
server (`demo`; pytest-django's `live_server` makes every test that uses it transactional, the
database emptied after each, which would throw the load away). They run last, so that no other
test finds the demo in its database, and the one that changes the demo (`demo_to_change`) runs
after all those that only read it; with `--dist loadfile` each worker keeps that order.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests make
# themselves (creating users) are still plain synchronous calls, so Django's guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # a Chromium and a live server: seconds per test

    # Within each file (files keep their order: xdist's --dist loadfile sends a file whole to one
    # worker), the tests that read the shared demo after the others, and the one that changes it last.
    first_of_file = {}
    for position, item in enumerate(items):
        first_of_file.setdefault(str(item.fspath), position)

    def order(item):  # a stable sort: otherwise as collected
        fixtures = getattr(item, "fixturenames", ())
        return first_of_file[str(item.fspath)], 2 if "demo_to_change" in fixtures else 1 if "demo" in fixtures else 0

    items.sort(key=order)


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


@pytest.fixture(scope="session")
def shared_server(django_db_setup, django_db_blocker):
    """A live server of our own, for tests that share a load: unlike pytest-django's `live_server`,
    using it does not make a test transactional. Same database: on an in-memory SQLite the server's
    thread shares the test's connection, as pytest-django's does."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for a file's demo tests and emptied after them: its url is filled in
    by `demo`, `passwords` is {username: password}, `changed` is set by the test that changes it.
    Per file, not per session: under xdist a worker runs other files after a demo file, and those
    must find the empty database a test expects (a session's load met them with its users)."""
    from django.core.cache import cache

    from tests.demo.shared import demo_loaded

    with demo_loaded(django_db_blocker, tmp_path_factory.mktemp("demo") / "demo-credentials.json") as passwords:
        cache.clear()  # once: the tests that share the load share what the cache holds of it (_empty_cache)
        yield type("Demo", (), {"url": None, "passwords": passwords, "changed": False})


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """tests/conftest.py's, but for the tests that share a demo load: the same data for all of them,
    and so the same cached figures (the cache's keys hold the time of the results' recompute), which
    each would otherwise compute again."""
    if "demo" not in request.fixturenames:
        from django.core.cache import cache

        cache.clear()


def _served(shared_demo, shared_server):
    shared_demo.url = shared_server.url
    shared_server._live_server_modified_settings.enable()  # ALLOWED_HOSTS, as pytest-django's helper does
    yield shared_demo
    shared_server._live_server_modified_settings.disable()


@pytest.fixture
def demo(shared_demo, shared_server, db):
    """For a test that only reads the demo (logging in aside): the file's load, served by the
    session's server. The test runs in a transaction rolled back after it (`db`, which also has
    pytest-django create the test database: without a test asking for it, the session would
    run on the developer's own); on SQLite the server shares its connection, and so the
    transaction. A test that changes the demo uses `demo_to_change`."""
    assert not shared_demo.changed, "a test changed the shared demo before this one read it (the order)"
    yield from _served(shared_demo, shared_server)


@pytest.fixture
def demo_to_change(shared_demo, shared_server, tasks_in_process, transactional_db):
    """For a test that changes the demo, as its users would: the shared load, which nothing reads
    after it (it runs after every `demo` test); transactional, so the server's work commits (and
    its after-commit tasks run) as it would in production, and emptied after."""
    shared_demo.changed = True
    yield from _served(shared_demo, shared_server)
