"""The self-assessment in a real Chromium: a unit head opens his draft, types scores (the Vietnamese
way), marks a criterion not applicable with the reason, saves, finds his values kept, submits."""

import pytest
from playwright.sync_api import expect

from indicators.models import Assessment, AssessmentStatus, Score
from tests.indicators.workflow import workflow  # noqa: F401 (fixtures, used as test arguments)


@pytest.mark.django_db(transaction=True)
def test_the_head_fills_in_saves_and_submits_his_self_assessment(page, workflow, head_a):
    a, c = workflow.assessment, workflow.criteria
    page.goto(f"/assessments/{a.pk}/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: url.endswith(f"/assessments/{a.pk}/"))
    expect(page.locator("#assessment-status")).to_have_text("Bản nháp")

    page.fill(f"input[name='score-{c['1.1'].pk}']", "35,5")
    page.check(f"input[name='na-{c['1.2'].pk}']")
    page.fill(f"textarea[name='note-{c['1.2'].pk}']", "Đơn vị không có thủ tục hành chính")
    page.fill(f"input[name='score-{c['2.1'].pk}']", "30")
    page.click("button[value=save]")
    page.wait_for_url(lambda url: url.endswith(f"/assessments/{a.pk}/"))

    expect(page.locator(f"input[name='score-{c['1.1'].pk}']")).to_have_value("35,5")
    expect(page.locator(f"input[name='na-{c['1.2'].pk}']")).to_be_checked()
    expect(page.locator(f"textarea[name='note-{c['1.2'].pk}']")).to_have_value("Đơn vị không có thủ tục hành chính")
    expect(page.locator(f"input[name='score-{c['2.1'].pk}']")).to_have_value("30")
    expect(page.locator("#assessment-status")).to_have_text("Bản nháp")

    page.click("button[value=submit]")
    expect(page.locator("#assessment-status")).to_have_text("Đã gửi")
    expect(page.locator(f"input[name='score-{c['1.1'].pk}']")).to_have_count(0)  # read-only now
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.SUBMITTED
    assert Score.objects.get(assessment=a, criterion=c["1.2"]).not_applicable


@pytest.mark.django_db(transaction=True)
def test_submitting_with_a_criterion_not_scored_needs_the_confirmation(page, workflow, head_a):
    """Issue 17: a blank criterion reads "chưa chấm"; Submit is refused until the head ticks the confirmation."""
    a, c = workflow.assessment, workflow.criteria
    page.goto(f"/assessments/{a.pk}/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: url.endswith(f"/assessments/{a.pk}/"))

    page.fill(f"input[name='score-{c['1.1'].pk}']", "35,5")
    page.fill(f"input[name='score-{c['1.2'].pk}']", "20")
    page.click("button[value=save]")
    page.wait_for_url(lambda url: url.endswith(f"/assessments/{a.pk}/"))
    expect(page.locator("#unscored")).to_contain_text("Còn 1 tiêu chí chưa chấm")
    expect(page.locator("#unscored")).to_contain_text("2.1")

    page.click("button[value=submit]")
    expect(page.locator("#page-errors")).to_contain_text("Còn 1 tiêu chí chưa chấm: 2.1")
    expect(page.locator("#assessment-status")).to_have_text("Bản nháp")
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.DRAFT

    page.check("input[name='confirm_incomplete']")
    page.click("button[value=submit]")
    expect(page.locator("#assessment-status")).to_have_text("Đã gửi")
    expect(page.locator(f"#line-{c['2.1'].pk}")).to_contain_text("chưa chấm")
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.SUBMITTED
