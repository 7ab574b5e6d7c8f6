"""What `make run` gives a newcomer: every demo user logs in and walks every page of the header,
with the demo's own data, in Vietnamese and then in English, and no request leaves the machine
(the `page` fixture fails the test otherwise) and no page fails, throws or logs an error (a refused
inline style, say) in the browser.

One test loads the demo once (seconds) and walks all five users through it.
"""

import pytest
from playwright.sync_api import expect

# Where each user lands, and a unit of his whose scorecard he opens from the rankings.
USERS = {
    "staff": "20341",
    "appraiser": "48-SNV",
    "admin": "L502",
    "head_department": "48-STP",
    "head_ward": "20341",
}
# Text only the English pages have, and only the Vietnamese ones.
ENGLISH, VIETNAMESE = "Log out", "Đăng xuất"


def walk(page, *, language_marker):
    """Open every page the header links to (the admin aside) and the user's first scorecard link;
    each answers 200 with a heading, in the language expected, and draws its charts."""
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


@pytest.mark.django_db(transaction=True)
def test_every_demo_user_walks_every_page_in_vietnamese_and_english(browser, live_server, demo_passwords):
    for username, own_unit in USERS.items():
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        page = context.new_page()
        outside, errors = [], []
        # Default arguments bind this user's lists, not the loop's last ones.
        page.on(
            "request",
            lambda r, outside=outside: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
        )
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        # Console errors too: CSP violations are reported there (and a 404, such as /favicon.ico
        # when a page does not name its icon).
        page.on(
            "console",
            lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None,
        )

        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", demo_passwords[username])
        page.click("main button[type=submit]")
        page.wait_for_url("**/")
        expect(page.locator("main h1")).to_have_text("Tổng quan")

        walk(page, language_marker=VIETNAMESE)
        # His own unit's scorecard, with the demo's results on it.
        response = page.goto(f"/units/{own_unit}/")
        assert response.status == 200, username
        expect(page.locator("main")).to_contain_text("%")

        page.goto("/")
        page.click("button:has-text('English')")
        page.wait_for_load_state()
        expect(page.locator("main h1")).to_have_text("Overview")
        walk(page, language_marker=ENGLISH)

        context.close()
        assert not outside, (username, outside)
        assert not errors, (username, errors)


@pytest.mark.django_db(transaction=True)
def test_a_ward_head_cannot_open_another_units_scorecard(browser, live_server, demo_passwords):
    """Phường Tam Kỳ's chairman: his ward's card, with its predecessors' history on it, and no
    other unit's card — not his old district's, not a predecessor's own."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "head_ward")
    page.fill("#id_password", demo_passwords["head_ward"])
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    for path in ("/units/20194/", "/units/48-STP/", "/units/L502/", "/units/L20341/", "/dossiers/units/20194/overdue/"):
        assert page.goto(path).status == 404, path
    assert page.goto("/units/20341/").status == 200
    expect(page.locator("main")).to_contain_text("Phường An Mỹ")
    context.close()
