"""The audit trail in a real Chromium: an administrator opens it, filters on one unit, reads its
entries and downloads them as CSV — the file holds that unit's entries and no other."""

import csv
import io
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from audit.services import audit_record


def _log_in(page, username):
    page.goto("/audit/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: url.endswith("/audit/"))


@pytest.mark.django_db(transaction=True)
def test_an_admin_filters_the_trail_by_a_unit_and_downloads_it(page, tree, admin_user, staff):
    audit_record(
        action="score.final",
        user=staff,
        unit=tree.dept_a,
        changes={"final_score": (D("2.5"), D("2.25"))},
        reason="Thiếu minh chứng A",
    )
    audit_record(action="score.final", user=staff, unit=tree.district_b, reason="Lý do của B")
    _log_in(page, "admin")
    rows = page.locator("table.audit-table tbody tr")
    expect(rows).to_have_count(2)

    page.fill("#id_unit", "A")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(lambda url: "unit=A" in url)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sở A")
    expect(rows.first).to_contain_text("2,50 → 2,25")
    expect(rows.first).to_contain_text("Thiếu minh chứng A")
    assert "Lý do của B" not in page.content()

    with page.expect_download() as download_info:
        page.click("a[href*='export=csv']")
    download = download_info.value
    text = open(download.path(), encoding="utf-8-sig").read()
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 2  # the header and A's entry
    assert lines[1][5] == "A" and lines[1][8] == "Thiếu minh chứng A"
    assert "Lý do của B" not in text
    assert download.suggested_filename.endswith(".csv")


@pytest.mark.django_db(transaction=True)
def test_the_nav_offers_the_trail_to_a_unit_head(page, tree, head_a):
    _log_in(page, "head_a")
    expect(page.locator(".site-nav a[href='/audit/']")).to_be_visible()
