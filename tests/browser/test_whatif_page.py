"""The what-if in a real Chromium, at a desk and on a phone: a head opens it from his scorecard,
types other scores, sees the value, band and rank they would give and the points to the next
band; the page fits the screen and logs no error; nothing is saved."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from indicators.models import Criterion, Index, Result
from tests.indicators.builders import four_departments_2025
from units.models import Membership, MembershipRole


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
@pytest.mark.django_db(transaction=True)
def test_a_head_tries_other_scores_from_his_scorecard(browser, live_server, tree, width, height):
    par = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m, units = four_departments_2025(par, tree)  # D4: 80 (Khá), 3rd of 4
    head = User.objects.create_user(username="head_d4", password="correct horse battery staple")
    Membership.objects.create(user=head, unit=units["D4"], role=MembershipRole.HEAD)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/units/D4/?index=par&year=2025")
        page.fill("#id_username", "head_d4")
        page.fill("#id_password", "correct horse battery staple")
        page.click("main button[type=submit]:has-text('Đăng nhập')")
        page.click("#what-if-link")
        expect(page.locator("h1")).to_contain_text("Thử tính")
        expect(page.locator("#what-if-rank")).to_have_text("3/4")
        leaf = Criterion.objects.get(methodology=m, code="2.1").pk
        page.fill(f"#id_final-{leaf}", "40")  # 30 → 40: 90, Tốt
        page.fill("#id_rank", "1")
        page.click("form.what-if-form button[type=submit]")
        expect(page.locator("#what-if-value")).to_have_text("90,00 %")
        expect(page.locator("#what-if-band")).to_have_text("Tốt")
        expect(page.locator("#what-if-rank")).to_have_text("2/4")
        expect(page.locator("#to-rank")).to_contain_text("8,00")  # 98 for the first: 8 more points
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    finally:
        context.close()
    assert scroll_width <= width
    assert not errors, errors
    assert Result.objects.get(unit=units["D4"], index=par, year=2025).value == D("80")
