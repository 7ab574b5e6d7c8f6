"""Issue 6's acceptance, on the demo `make run` loads, in a real Chromium: the director of Đà Nẵng's
Department of Justice completes his PAR 2026 self-assessment (a draft, part of it scored), an
appraiser adjusts two criteria (each with its reason) and accepts, an administrator publishes under
a decision, and the director finds the published result on his unit's scorecard with the audit
trail of who changed what and why."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from indicators.models import Assessment, AssessmentStatus, Methodology, Result, Score

UNIT = "48-STP"
YEAR = 2026
DECISION = "77/QĐ-UBND"
# The two criteria the appraisal council lowers, what it gives, and why.
ADJUSTED = {
    "PAR.1.1": ("2,5", "Kế hoạch ban hành chậm so với quy định"),
    "PAR.2.1": ("1", "Chưa rà soát đủ văn bản quy phạm pháp luật"),
}
# The survey criteria: no self score, the appraiser enters the survey's result.
SURVEY = {"PAR.8.1": "6,5", "PAR.8.2": "5"}


def log_in(browser, demo, username):
    context = browser.new_context(base_url=demo.url, locale="vi-VN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.passwords[username])
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    return context, page, errors


def line(page, code):
    return page.locator("tr.assessment-line").filter(
        has=page.locator(".criterion-code", has_text=re.compile(f"^{re.escape(code)}$"))
    )


def test_a_year_is_self_assessed_appraised_published_and_shown_with_its_audit_trail(browser, demo_to_change):
    demo = demo_to_change
    # 1. The unit head opens his PAR 2026 draft from his worklist, claims every criterion's maximum, submits.
    context, page, errors = log_in(browser, demo, "head_department")
    page.goto("/assessments/")
    draft = page.locator("#unit-assessments tr").filter(has_text=str(YEAR)).filter(has_text="Bản nháp")
    draft.get_by_role("link", name="Chỉ số cải cách hành chính").click()
    expect(page.locator("#assessment-status")).to_have_text("Bản nháp")
    assessment_id = int(re.search(r"/assessments/(\d+)/", page.url).group(1))
    assert Assessment.objects.get(pk=assessment_id).methodology.year == YEAR

    entered = 0
    for row in page.locator("tr.assessment-line").all():
        score = row.locator("input[name^='score-']")
        if score.count():
            score.fill(row.locator("td.num").first.inner_text())  # the maximum, as shown: "14,5"
            entered += 1
    assert entered >= 20
    page.fill(f"{_textarea(page, 'PAR.1.1', 'note')}", "Kế hoạch số 12/KH-STP ngày 10/01/2026")
    page.click("button[value=submit]")
    expect(page.locator("#assessment-status")).to_have_text("Đã gửi")
    expect(page.locator("#history")).to_contain_text("head_department")
    assert errors == []
    context.close()

    # 2. The appraiser lowers two criteria. Without a reason the page refuses and keeps his values.
    context, page, errors = log_in(browser, demo, "appraiser")
    # The demo's 2026 has dozens of submitted self-assessments: he narrows the list to PAR 2026.
    page.goto(f"/assessments/?year={YEAR}&index=par&status=submitted")
    page.locator("main a", has_text="Chỉ số cải cách hành chính").and_(
        page.locator(f"a[href='/assessments/{assessment_id}/']")
    ).click()
    expect(page.locator("#assessment-status")).to_have_text("Đã gửi")
    for code, value in SURVEY.items():
        line(page, code).locator("input[name^='final-']").fill(value)
    code, (value, reason) = next(iter(ADJUSTED.items()))
    line(page, code).locator("input[name^='final-']").fill(value)
    page.click("button[value=appraise]")
    expect(line(page, code).locator(".line-error")).to_be_visible()
    expect(line(page, code).locator("input[name^='final-']")).to_have_value(value)
    expect(page.locator("#assessment-status")).to_have_text("Đã gửi")
    for code, (_value, reason) in ADJUSTED.items():
        line(page, code).locator("input[name^='final-']").fill(value)
        line(page, code).locator("textarea[name^='reason-']").fill(reason)
    page.click("button[value=appraise]")
    expect(page.locator("#assessment-status")).to_have_text("Đã thẩm định")
    assert errors == []
    context.close()

    # 3. The administrator publishes the year's appraised PAR for departments under a decision.
    methodology = Methodology.objects.get(
        index__code="par", year=YEAR, unit_kind=Assessment.objects.get(pk=assessment_id).unit.kind
    )
    appraised_count = Assessment.objects.filter(methodology=methodology, status=AssessmentStatus.APPRAISED).count()
    context, page, errors = log_in(browser, demo, "admin")
    page.goto("/assessments/")
    page.locator(f"#methodologies a[href='/assessments/publish/{methodology.pk}/']").click()
    expect(page.locator("#count-appraised")).to_have_text(str(appraised_count))
    page.fill("#id_decision_reference", DECISION)
    page.fill("#id_published_on", "01/12/2026")
    # The other departments' 2026 self-assessments are not all appraised: publishing without them is a choice, ticked.
    expect(page.locator("#left-out")).to_be_visible()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .error")).to_contain_text("chưa có kết quả thẩm định đầy đủ")
    page.check("#id_publish_partial")
    page.fill("#id_published_on", "01/12/2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/rankings/\?"))
    expect(page.locator("main")).to_contain_text(DECISION)
    expect(page.locator("#units-left-out")).to_be_visible()
    assert errors == []
    context.close()

    # What was written: the appraised scores with their reasons, and an official result.
    assessment = Assessment.objects.get(pk=assessment_id)
    assert assessment.status == AssessmentStatus.PUBLISHED
    finals = {s.criterion.code: s for s in Score.objects.filter(assessment=assessment).select_related("criterion")}
    for code, (_value, reason) in ADJUSTED.items():
        assert finals[code].final_score == Decimal(value.replace(",", "."))
        assert finals[code].appraisal_reason == reason
    result = Result.objects.get(unit__code=UNIT, index__code="par", year=YEAR)
    assert result.publication.decision_reference == DECISION
    assert result.value == sum(s.final_score for s in finals.values() if s.final_score is not None)

    # 4. The unit head's scorecard: the official result, and the trail with the council's reasons.
    context, page, errors = log_in(browser, demo, "head_department")
    page.goto(f"/units/{UNIT}/?index=par&year={YEAR}")
    expect(page.locator("#publication")).to_contain_text(f"01/12/2026 theo quyết định {DECISION}")
    expect(page.locator("main")).to_contain_text(f"{result.value:.2f}".replace(".", ","))
    trail = page.locator("#audit-trail")
    for code, (_value, reason) in ADJUSTED.items():
        expect(trail.locator("tr", has_text=reason)).to_contain_text("appraiser")
        expect(trail.locator("tr", has_text=reason)).to_contain_text(code)
    expect(trail).to_contain_text("head_department")
    expect(trail).to_contain_text("admin")
    assert errors == []
    context.close()


def _textarea(page, code, key):
    criterion_id = line(page, code).get_attribute("id").removeprefix("line-")
    return f"textarea[name='{key}-{criterion_id}']"
