"""The self-assessment in a real Chromium: a unit head opens his draft, types scores (the Vietnamese
way), marks a criterion not applicable with the reason, saves, finds his values kept, submits; the
running total follows what he types, and a bad evidence file sent with the scores comes back with
the scores as typed, its message beside the file input and in the focused error summary."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments.models import EvidenceFile
from indicators.models import Assessment, AssessmentStatus, Score
from tests.assessments.conftest import PDF
from tests.indicators.workflow import workflow  # noqa: F401 (fixtures, used as test arguments)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "screenshots"


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


def log_in(page, assessment):
    page.goto(f"/assessments/{assessment.pk}/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: url.endswith(f"/assessments/{assessment.pk}/"))


@pytest.mark.django_db(transaction=True)
def test_the_running_total_follows_what_is_typed(page, workflow, head_a):
    a, c = workflow.assessment, workflow.criteria
    log_in(page, a)
    total = page.locator("#sheet-total")
    expect(total).to_have_text("Đã chấm 0/3 tiêu chí — tổng 0,00/100 điểm")
    page.fill(f"input[name='score-{c['1.1'].pk}']", "35,5")
    expect(total).to_have_text("Đã chấm 1/3 tiêu chí — tổng 35,50/100 điểm")
    page.fill(f"input[name='score-{c['2.1'].pk}']", "7.25")
    expect(total).to_have_text("Đã chấm 2/3 tiêu chí — tổng 42,75/100 điểm")
    page.check(f"input[name='na-{c['1.2'].pk}']")  # not applicable: scored, with no points
    expect(total).to_have_text("Đã chấm 3/3 tiêu chí — tổng 42,75/100 điểm")
    expect(page.locator("#sheet-meter")).to_have_attribute("value", "3")
    page.fill(f"input[name='score-{c['2.1'].pk}']", "41")  # above the maximum of 40: no score
    expect(total).to_have_text("Đã chấm 2/3 tiêu chí — tổng 35,50/100 điểm")


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_sent_with_the_scores_keeps_them_and_says_why_beside_it(page, workflow, head_a, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    a, c = workflow.assessment, workflow.criteria
    log_in(page, a)
    page.fill(f"input[name='score-{c['1.1'].pk}']", "35,5")
    page.fill(f"input[name='score-{c['1.2'].pk}']", "12")
    page.fill(f"textarea[name='note-{c['1.2'].pk}']", "Kế hoạch số 12")
    file_input = f"input[name='file-{c['1.1'].pk}']"
    page.set_input_files(file_input, files=[{"name": "anh.png", "mimeType": "image/png", "buffer": PDF}])
    page.click("button[value=save]")

    summary = page.locator("#page-errors")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Nội dung tệp không phải định dạng PNG")
    expect(page.locator(f"#id_file-{c['1.1'].pk}-error")).to_contain_text("Nội dung tệp không phải định dạng PNG")
    expect(page.locator(file_input)).to_have_attribute("aria-describedby", f"id_file-{c['1.1'].pk}-error")
    expect(page.locator(f"input[name='score-{c['1.1'].pk}']")).to_have_value("35,5")
    expect(page.locator(f"input[name='score-{c['1.2'].pk}']")).to_have_value("12")
    expect(page.locator(f"textarea[name='note-{c['1.2'].pk}']")).to_have_value("Kế hoạch số 12")
    expect(page.locator("#sheet-total")).to_have_text("Đã chấm 2/3 tiêu chí — tổng 47,50/100 điểm")
    assert not Score.objects.exists() and not EvidenceFile.objects.exists()

    # The summary's link takes the reader to the file input; a right file then goes with the scores.
    summary.locator(f"a[href='#id_file-{c['1.1'].pk}']").click()
    expect(page.locator(file_input)).to_be_focused()
    page.set_input_files(file_input, files=[{"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("button[value=save]")
    expect(page.locator("#page-errors")).to_have_count(0)
    expect(page.locator(f"#line-{c['1.1'].pk} a.evidence-link")).to_have_text("ke-hoach.pdf")
    assert Score.objects.get(assessment=a, criterion=c["1.1"]).self_score == 35.5
    assert EvidenceFile.objects.get().criterion == c["1.1"]


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_limit_is_said_before_anything_is_sent(page, workflow, head_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    a, c = workflow.assessment, workflow.criteria
    log_in(page, a)
    page.fill(f"input[name='score-{c['1.1'].pk}']", "35,5")
    file_input = page.locator(f"input[name='file-{c['1.1'].pk}']")
    file_input.set_input_files(files=[{"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": PDF * 100}])
    assert file_input.evaluate("input => input.validationMessage") == "Tệp vượt quá dung lượng tối đa 1000\xa0byte."
    page.click("button[value=save]")  # the browser keeps the page: nothing typed is lost
    expect(page.locator(f"input[name='score-{c['1.1'].pk}']")).to_have_value("35,5")
    assert not Score.objects.exists()


def test_the_demo_heads_draft_fits_a_phone_as_cards_and_stays_a_table_on_a_desk(browser, demo):
    """Issue 19: on a 390 px phone the sheet (twenty criteria with the demo's long titles) is one
    card per criterion, the page and the sheet's box never wider than the screen, every input in
    view; at 1366 it is the table it was, its header row shown."""
    context = browser.new_context(base_url=demo.url, viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login/")
    page.fill("#id_username", "head_department")
    page.fill("#id_password", demo.passwords["head_department"])
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    draft = Assessment.objects.get(unit__code="48-STP", methodology__year=2026, status=AssessmentStatus.DRAFT)
    page.goto(f"/assessments/{draft.pk}/")
    expect(page.locator("#assessment-status")).to_have_text("Bản nháp")

    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width == 390
    box = page.evaluate("(e => [e.scrollWidth, e.clientWidth])(document.querySelector('.sheet-container'))")
    assert box[0] <= box[1], f"the sheet scrolls sideways in its box: {box}"
    # The header row is out of sight (kept for the inputs' names); each cell says its column.
    assert page.evaluate("document.querySelector('.assessment-table thead').getBoundingClientRect().height") <= 1
    first = page.locator("tr.assessment-line").first
    expect(first.locator("td[data-label='Điểm tự đánh giá']")).to_be_visible()
    rights = page.evaluate(
        "[...document.querySelectorAll('#sheet-form input:not([type=hidden]), #sheet-form textarea, #sheet-form button')]"
        ".map(e => e.getBoundingClientRect().right)"
    )
    assert len(rights) > 20 and max(rights) <= width
    page.screenshot(path=str(SCREENSHOTS / "assessment-draft-phone.png"), full_page=True)

    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.locator(".assessment-table thead th", has_text="Điểm tự đánh giá")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    # One row a criterion: the self score sits beside the criterion, not under it.
    criterion, self_score = first.locator("td").nth(0).bounding_box(), first.locator("td").nth(2).bounding_box()
    assert abs(criterion["y"] - self_score["y"]) < 2 and self_score["x"] > criterion["x"]
    assert errors == []
    context.close()
