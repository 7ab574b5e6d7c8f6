import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_a_head_logs_in_sees_his_unit_and_switches_to_english(page, head_b):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("#id_username", "head_b")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Tổng quan"
    assert "Huyện B" in page.content()
    page.click("button:has-text('English')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Overview"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_shown_as_an_error_on_the_page(page, staff):
    page.goto("/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]:has-text('Đăng nhập')")
    # expect() waits for the answer to the POST; is_visible() would look at the page being left.
    expect(page.locator("[role=alert]")).to_contain_text("không đúng")


@pytest.mark.django_db(transaction=True)
def test_the_login_page_fits_a_phone_screen(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.goto("/login/")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
