"""The inbox on a phone (390×844) in a real Chromium: the unread count in sight beside the folded
menu, the page no wider than the phone, opening a notification goes to its assessment and counts
it read. Its own small data (a real return by an appraiser, swept), not the demo."""

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from notifications.workflow import workflow_sweep
from tests.browser.axe import described, serious_violations
from tests.browser.test_layout import PHONE, log_in, no_horizontal_overflow, shoot
from tests.browser.watch import open_context
from tests.indicators.workflow import workflow  # noqa: F401 (fixture)
from tests.notifications.moves import give_back, submit


@pytest.mark.django_db(transaction=True)
def test_a_head_reads_and_opens_a_returned_assessment_on_a_phone(browser, live_server, workflow, head_a, appraiser):
    give_back(submit(workflow.assessment, by=head_a), by=appraiser, comment="Bổ sung minh chứng tiêu chí 1.1")
    workflow_sweep()
    context, problems = open_context(browser, live_server, viewport=PHONE, language="vi")
    page = context.new_page()
    log_in(page, "head_a")
    expect(page.locator(".unread-phone .unread-count")).to_have_text("1")
    page.click(".unread-phone")
    expect(page.locator("main h1")).to_have_text("Thông báo")
    expect(page.locator(".notification.unread")).to_have_count(1)
    expect(page.locator(".notification-body")).to_contain_text("Bổ sung minh chứng tiêu chí 1.1")
    assert no_horizontal_overflow(page)
    violations = serious_violations(page)
    assert not violations, described(violations)
    shoot(page, "notifications-phone-vi")

    page.click(".notification-subject button")
    page.wait_for_url(f"**/assessments/{workflow.assessment.pk}/")
    expect(page.locator(".unread-phone")).to_have_count(0)
    assert Notification.objects.get(user=head_a).read_at is not None

    page.goto("/notifications/settings/")
    assert no_horizontal_overflow(page)
    page.uncheck("#returned-by_email")
    page.click("main button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("Đã lưu")
    expect(page.locator("#returned-by_email")).not_to_be_checked()
    violations = serious_violations(page)
    assert not violations, described(violations)
    shoot(page, "notification-settings-phone-vi")
    context.close()
    assert not problems, problems
