"""The API documentation page (/api/docs/) in a real Chromium: the vendored Swagger UI draws every
operation of our OpenAPI document under our Content-Security-Policy (self only, no inline style or
script) with no console error, no page error and no CSP violation, and loads nothing from outside."""

import pytest
from playwright.sync_api import expect

from api import openapi


@pytest.mark.django_db(transaction=True)
def test_the_docs_page_draws_every_endpoint_without_an_error_or_a_csp_violation(page, staff):
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append((message.text, message.location["url"])) if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Chromium reports a refused inline style or script as this DOM event (and on the console).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.goto("/api/docs/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url("**/api/docs/")

    operations = page.locator("#swagger-ui .opblock")
    expect(operations).to_have_count(len(openapi.endpoints()), timeout=20000)
    for endpoint in openapi.endpoints():
        expect(page.locator(f"#swagger-ui .opblock-summary-path[data-path='{endpoint['path']}']")).to_have_count(1)
    expect(page.locator("#swagger-ui")).to_contain_text("reformdash API")
    # Not even the /favicon.ico 404: the page names its icon (base.html).
    assert problems == []
