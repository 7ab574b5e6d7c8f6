"""/assessments/<id>/: who sees the page, who gets inputs, and what Save / Submit / Accept write."""

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from assessments.models import EvidenceFile
from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStatus, AssessmentStep, Score
from tests.assessments.conftest import PDF, appraisal_post, page_url, self_post, submitted
from tests.assessments.evidence import upload

S = AssessmentStatus


def scores(workflow):
    return {
        s.criterion.code: (s.self_score, s.not_applicable, s.note, s.final_score, s.appraisal_reason)
        for s in Score.objects.filter(assessment=workflow.assessment).select_related("criterion")
    }


@pytest.mark.parametrize(
    ("who", "status", "inputs"),
    [
        ("anonymous", 302, None),
        ("staff", 200, False),
        ("head_a", 200, True),
        ("head_b", 404, None),
        ("appraiser", 200, False),  # a draft is the unit's to enter
        ("admin_user", 200, False),
    ],
)
def test_who_sees_the_draft_and_who_gets_inputs(login, workflow, who, status, inputs, english):
    response = login(who).get(page_url(workflow.assessment))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Lĩnh vực 1" in body and "1.1" in body
        assert ('name="score-' in body) is inputs
        assert ('value="submit"' in body) is inputs
        assert "Draft" in body


def test_anonymous_is_sent_to_log_in(client, workflow):
    response = client.get(page_url(workflow.assessment))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_missing_assessment_is_404(login, workflow):
    assert login("admin_user").get("/assessments/999999/").status_code == 404


def test_the_unit_saves_a_draft_and_the_values_are_kept(login, workflow, head_a, english):
    client = login("head_a")
    data = self_post(
        workflow,
        1,
        {"1.1": ("35,5", False, "Kế hoạch 12"), "1.2": ("", True, "Không có TTHC"), "2.1": ("30", False, "")},
    )
    response = client.post(page_url(workflow.assessment), data)
    assert response.status_code == 302
    assert scores(workflow) == {
        "1.1": (D("35.5"), False, "Kế hoạch 12", None, ""),
        "1.2": (None, True, "Không có TTHC", None, ""),
        "2.1": (D(30), False, "", None, ""),
    }
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT
    assert AuditEntry.objects.filter(action="score.self").count() == 2
    assert AuditEntry.objects.filter(action="score.not_applicable").count() == 1
    page = client.get(page_url(workflow.assessment)).content.decode()
    assert 'value="35.5"' in page and "Kế hoạch 12" in page and "checked" in page


def test_submit_saves_and_submits(login, workflow, head_a):
    client = login("head_a")
    data = self_post(
        workflow, 1, {"1.1": ("35", False, ""), "1.2": ("20", False, ""), "2.1": ("30", False, "")}, "submit"
    )
    assert client.post(page_url(workflow.assessment), data).status_code == 302
    a = Assessment.objects.get(pk=workflow.assessment.pk)
    assert a.status == S.SUBMITTED
    assert scores(workflow)["1.1"][0] == D(35)
    step = AssessmentStep.objects.get(assessment=a)
    assert (step.from_status, step.to_status, step.user) == (S.DRAFT, S.SUBMITTED, head_a)
    assert AuditEntry.objects.filter(action="assessment.submit", unit=a.unit).exists()


def test_a_refused_submit_writes_nothing_and_says_why_beside_the_line(login, workflow, head_a, english):
    client = login("head_a")
    data = self_post(workflow, 1, {"1.1": ("35", False, ""), "1.2": ("", True, ""), "2.1": ("45", False, "")}, "submit")
    response = client.post(page_url(workflow.assessment), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "1.2: say why the criterion is not applicable." in body
    assert "2.1: the score is above the criterion" in body
    assert 'class="error line-error"' in body
    assert 'value="35"' in body  # what was typed is kept
    assert not Score.objects.exists()
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT


def test_a_score_that_is_not_a_number_is_a_form_error(login, workflow, head_a, english):
    response = login("head_a").post(
        page_url(workflow.assessment), self_post(workflow, 1, {"1.1": ("ba mươi", False, "")})
    )
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()
    assert not Score.objects.exists()


@pytest.mark.parametrize("who", ["staff", "appraiser", "admin_user"])
def test_a_reader_who_may_not_enter_gets_403_and_nothing_is_written(login, workflow, who):
    data = self_post(workflow, 1, {"1.1": ("35", False, "")}, "submit")
    response = login(who).post(page_url(workflow.assessment), data)
    assert response.status_code == 403
    assert not Score.objects.exists()
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT


def test_head_b_posting_on_a_gets_404(login, workflow):
    data = self_post(workflow, 1, {"1.1": ("35", False, "")})
    assert login("head_b").post(page_url(workflow.assessment), data).status_code == 404
    assert not Score.objects.exists()


def test_the_appraiser_sees_the_self_score_beside_his_input(login, workflow, head_a, english):
    submitted(workflow, head_a)
    body = login("appraiser").get(page_url(workflow.assessment)).content.decode()
    assert 'name="final-' in body and 'name="score-' not in body
    assert 'value="appraise"' in body and f'action="/assessments/{workflow.assessment.pk}/return/"' in body


def test_a_changed_appraised_score_without_reason_is_a_form_error_beside_the_line(login, workflow, head_a, english):
    a = submitted(workflow, head_a)
    data = appraisal_post(workflow, a.version, {"1.1": ("30", ""), "1.2": ("20", ""), "2.1": ("30", "")}, "appraise")
    response = login("appraiser").post(page_url(a), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "1.1: give a reason for an appraised score that differs from the self-assessed one." in body
    assert 'class="error line-error"' in body
    assert scores(workflow)["1.1"][3] is None
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED


def test_the_appraiser_adjusts_with_a_reason_and_accepts(login, workflow, head_a, appraiser):
    a = submitted(workflow, head_a)
    data = appraisal_post(
        workflow, a.version, {"1.1": ("30", "Thiếu kế hoạch"), "1.2": ("20", ""), "2.1": ("30", "")}, "appraise"
    )
    assert login("appraiser").post(page_url(a), data).status_code == 302
    a = Assessment.objects.get(pk=a.pk)
    assert a.status == S.APPRAISED
    assert scores(workflow)["1.1"][3:] == (D(30), "Thiếu kế hoạch")
    assert scores(workflow)["2.1"][3] == D(30)
    assert AssessmentStep.objects.filter(assessment=a, to_status=S.APPRAISED, user=appraiser).exists()
    assert AuditEntry.objects.filter(action="score.final", reason="Thiếu kế hoạch").count() == 1


def test_the_history_shows_who_when_and_the_step(login, workflow, head_a, english):
    a = submitted(workflow, head_a)
    step = AssessmentStep.objects.get(assessment=a)
    body = login("staff").get(page_url(a)).content.decode()
    from django.utils import timezone

    assert timezone.localtime(step.at).strftime("%d/%m/%Y %H:%M") in body
    assert "Draft → Submitted" in body and "head_a" in body


def test_a_criterion_name_with_script_is_shown_as_text(login, workflow):
    criterion = workflow.criteria["1.1"]
    criterion.title = "<script>alert(1)</script>"
    criterion.save()
    body = login("head_a").get(page_url(workflow.assessment)).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


# Completeness (issue 17): a criterion not scored is "not scored", and submitting so needs a confirmation.


def test_submitting_with_a_blank_criterion_asks_for_the_confirmation_and_writes_nothing(
    login, workflow, head_a, english
):
    client = login("head_a")
    data = self_post(
        workflow, 1, {"1.1": ("35", False, ""), "1.2": ("", False, ""), "2.1": ("30", False, "")}, "submit"
    )
    response = client.post(page_url(workflow.assessment), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Criteria not scored yet (1): 1.2." in body
    assert 'name="confirm_incomplete"' in body and "Submit with criteria not scored" in body
    assert not Score.objects.exists()
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT


def test_the_confirmed_submission_with_a_blank_criterion_goes_through(login, workflow, head_a, english):
    client = login("head_a")
    data = self_post(
        workflow, 1, {"1.1": ("35", False, ""), "1.2": ("", False, ""), "2.1": ("30", False, "")}, "submit"
    )
    data["confirm_incomplete"] = "on"
    assert client.post(page_url(workflow.assessment), data).status_code == 302
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.SUBMITTED
    assert AssessmentStep.objects.get().comment == "Submitted with criteria not scored (1): 1.2."


def test_the_draft_lists_its_criteria_not_scored_and_offers_the_confirmation(login, workflow, head_a, english):
    client = login("head_a")
    client.post(page_url(workflow.assessment), self_post(workflow, 1, {"1.1": ("35", False, "")}))
    body = client.get(page_url(workflow.assessment)).content.decode()
    assert 'id="unscored"' in body and "2 criteria are not scored yet:" in body and "<strong>1.2, 2.1</strong>" in body
    assert 'name="confirm_incomplete"' in body


def test_a_complete_draft_offers_no_confirmation(login, workflow, head_a):
    client = login("head_a")
    client.post(
        page_url(workflow.assessment),
        self_post(
            workflow, 1, {"1.1": ("35", False, ""), "1.2": ("", True, "Không có TTHC"), "2.1": ("30", False, "")}
        ),
    )
    body = client.get(page_url(workflow.assessment)).content.decode()
    assert 'id="unscored"' not in body and 'name="confirm_incomplete"' not in body


def test_a_blank_score_reads_not_scored_never_zero(login, workflow, head_a):
    """In Vietnamese, the default: "chưa chấm" where nothing was entered."""
    a = self_post(workflow, 1, {"1.1": ("35", False, "")})
    login("head_a").post(page_url(workflow.assessment), a)
    body = login("staff").get(page_url(workflow.assessment)).content.decode()
    assert body.count('<span class="not-scored">chưa chấm</span>') == 5  # 1.2 and 2.1 self, every final
    assert ">0,00<" not in body


def test_accepting_with_a_criterion_without_appraised_score_is_refused(login, workflow, head_a, english):
    client = login("head_a")
    data = self_post(workflow, 1, {"1.1": ("35", False, ""), "1.2": ("20", False, "")}, "submit")
    data["confirm_incomplete"] = "on"
    client.post(page_url(workflow.assessment), data)
    a = Assessment.objects.get(pk=workflow.assessment.pk)
    data = appraisal_post(workflow, a.version, {"1.1": ("35", ""), "1.2": ("20", ""), "2.1": ("", "")}, "appraise")
    response = login("appraiser").post(page_url(a), data)
    assert response.status_code == 400
    assert "cannot be accepted while criteria have no appraised score" in response.content.decode()
    assert Assessment.objects.get(pk=a.pk).status == S.SUBMITTED
    body = login("appraiser").get(page_url(a)).content.decode()
    # 1.1 and 1.2 start from their self scores: accepting the page as it is leaves only 2.1 blank.
    assert "1 criterion has no appraised score yet:" in body and "<strong>2.1</strong>" in body


# Issue 19: the page's inputs are labelled and bounded, every mistake comes back at once in a
# summary linked to its input, evidence files go with the scores, and the page adds up as it is typed.


def tag(body, name):
    """The HTML tag of the input (or textarea) named `name`."""
    found = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', body)
    assert found, f"no input {name}"
    return found.group(0)


def test_every_mistake_of_the_page_comes_back_on_the_first_save(login, workflow, english):
    c = workflow.criteria
    data = self_post(
        workflow, 1, {"1.1": ("ba mươi", False, ""), "1.2": ("25", False, ""), "2.1": ("", True, "")}, "submit"
    )
    response = login("head_a").post(page_url(workflow.assessment), data)
    assert response.status_code == 400
    body = response.content.decode()
    summary = body[body.index('id="page-errors"') : body.index("</div>", body.index('id="page-errors"'))]
    assert 'role="alert"' in body[body.index("<div", body.index("page-errors") - 80) :][:300]
    # Format, maximum and the missing reason: one round, each linked to its input.
    assert f'<a href="#id_score-{c["1.1"].pk}">1.1: Enter a number, such as 35,5.</a>' in summary
    assert f'<a href="#id_score-{c["1.2"].pk}">1.2: the score is above the criterion' in summary
    assert f'<a href="#id_note-{c["2.1"].pk}">2.1: say why the criterion is not applicable.</a>' in summary
    # Beside each input too, which points at its message.
    assert f'id="id_note-{c["2.1"].pk}-error"' in body
    assert f'aria-describedby="id_note-{c["2.1"].pk}-error"' in tag(body, f"note-{c['2.1'].pk}")
    assert 'aria-invalid="true"' in tag(body, f"score-{c['1.1'].pk}")
    assert 'value="ba mươi"' in body and 'value="25"' in body  # what was typed is kept
    assert not Score.objects.exists()
    assert Assessment.objects.get(pk=workflow.assessment.pk).status == S.DRAFT


def test_a_negative_score_and_a_scored_line_not_applicable_are_said_together(login, workflow, english):
    data = self_post(workflow, 1, {"1.1": ("-1", False, ""), "1.2": ("5", True, "Không có TTHC")})
    body = login("head_a").post(page_url(workflow.assessment), data).content.decode()
    assert "1.1: the score cannot be negative." in body
    assert "1.2: a criterion marked not applicable has no score." in body


def test_the_appraisers_mistakes_come_back_together(login, workflow, head_a, english):
    a = submitted(workflow, head_a)
    data = appraisal_post(workflow, a.version, {"1.1": ("30", ""), "1.2": ("x", ""), "2.1": ("41", "")})
    body = login("appraiser").post(page_url(a), data).content.decode()
    assert "1.1: give a reason for an appraised score that differs" in body
    assert "1.2: Enter a number" in body and "1.2: give a reason" not in body
    assert "2.1: the score is above the criterion" in body


def test_each_input_is_labelled_by_its_criterion_and_carries_its_range(login, workflow, head_a):
    c = workflow.criteria
    body = login("head_a").get(page_url(workflow.assessment)).content.decode()
    assert (
        'aria-label="score-' not in body and 'aria-label="' not in body.split('id="sheet-form"')[1].split("</form>")[0]
    )
    cid = c["1.1"].pk
    assert re.search(rf'<span id="criterion-{cid}"><span class="criterion-code">1.1</span> [^<]+</span>', body)
    assert '<th class="num" id="col-self">Điểm tự đánh giá</th>' in body
    score = tag(body, f"score-{cid}")
    for attribute in (
        f'aria-labelledby="criterion-{cid} col-self"',
        'min="0"',
        'max="40"',
        'step="0.01"',
        'inputmode="decimal"',
    ):
        assert attribute in score, attribute
    assert 'max="20"' in tag(body, f"score-{c['1.2'].pk}")
    assert f'aria-labelledby="criterion-{cid} col-na"' in tag(body, f"na-{cid}")
    assert f'aria-labelledby="criterion-{cid} col-note"' in tag(body, f"note-{cid}")
    assert f'aria-labelledby="criterion-{cid} col-evidence"' in tag(body, f"file-{cid}")
    assert 'enctype="multipart/form-data"' in body


def test_the_appraisers_inputs_are_labelled_and_bounded_too(login, workflow, head_a):
    a = submitted(workflow, head_a)
    body = login("appraiser").get(page_url(a)).content.decode()
    cid = workflow.criteria["2.1"].pk
    final = tag(body, f"final-{cid}")
    assert f'aria-labelledby="criterion-{cid} col-final"' in final and 'max="40"' in final
    assert f'aria-labelledby="criterion-{cid} col-reason"' in tag(body, f"reason-{cid}")
    assert 'name="file-' not in body  # the evidence is the unit's, before it submits


def with_file(data, workflow, name, content, code="1.1"):
    """The post with a file in the criterion's row, sent before the scores (as a browser sends
    the rows in order, the file of 1.1 comes before the scores of 1.2 and 2.1)."""
    return {f"file-{workflow.criteria[code].pk}": upload(name, content), **data}


def test_a_bad_file_comes_back_beside_its_input_with_the_scores_as_typed(login, workflow, english):
    c = workflow.criteria
    data = self_post(
        workflow, 1, {"1.1": ("35,5", False, ""), "1.2": ("12", False, "ghi chú"), "2.1": ("30", False, "")}
    )
    response = login("head_a").post(page_url(workflow.assessment), with_file(data, workflow, "anh.png", PDF))
    assert response.status_code == 400
    body = response.content.decode()
    cid = c["1.1"].pk
    beside = body[body.index(f'name="file-{cid}"') :][:600]
    assert f'id="id_file-{cid}-error"' in beside and "whatever its name says" in beside
    assert f'<a href="#id_file-{cid}">1.1: The file' in body
    assert 'value="35,5"' in body and 'value="12"' in body and "ghi chú" in body and 'value="30"' in body
    assert not Score.objects.exists() and not EvidenceFile.objects.exists()


def test_the_scores_and_the_file_are_saved_together(login, workflow, head_a):
    data = self_post(workflow, 1, {"1.1": ("35,5", False, ""), "1.2": ("12", False, "")})
    response = login("head_a").post(page_url(workflow.assessment), with_file(data, workflow, "ke-hoach.pdf", PDF))
    assert response.status_code == 302
    assert scores(workflow)["1.1"][0] == D("35.5") and scores(workflow)["1.2"][0] == D(12)
    evidence = EvidenceFile.objects.get()
    assert (evidence.criterion, evidence.original_name, evidence.uploaded_by) == (
        workflow.criteria["1.1"],
        "ke-hoach.pdf",
        head_a,
    )
    assert Path(evidence.file.path).read_bytes() == PDF
    assert AuditEntry.objects.filter(action="evidence.add").count() == 1


def held_token(body, workflow, code="1.1"):
    found = re.search(rf'name="held-{workflow.criteria[code].pk}" value="([^"]+)"', body)
    return found and found.group(1)


def test_a_good_file_is_held_while_the_scores_have_a_mistake_then_saved_with_them(
    login, workflow, head_a, evidence_root, english, django_capture_on_commit_callbacks
):
    client = login("head_a")
    data = self_post(workflow, 1, {"1.1": ("45", False, ""), "1.2": ("12", False, "")})
    response = client.post(page_url(workflow.assessment), with_file(data, workflow, "ke-hoach.pdf", PDF))
    assert response.status_code == 400
    body = response.content.decode()
    assert "ke-hoach.pdf: kept, attached when the page is saved" in body
    token = held_token(body, workflow)
    assert token and not EvidenceFile.objects.exists() and not Score.objects.exists()
    assert [p.read_bytes() for p in Path(evidence_root, "held").iterdir()] == [PDF]

    # Corrected, without choosing the file again: the held file goes with the scores.
    data = self_post(workflow, 1, {"1.1": ("35", False, ""), "1.2": ("12", False, "")})
    data[f"held-{workflow.criteria['1.1'].pk}"] = token
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page_url(workflow.assessment), data).status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (evidence.criterion, evidence.original_name) == (workflow.criteria["1.1"], "ke-hoach.pdf")
    assert Path(evidence.file.path).read_bytes() == PDF
    assert scores(workflow)["1.1"][0] == D(35)
    assert not any(Path(evidence_root, "held").iterdir())  # taken, not copied


def test_a_held_file_is_only_for_its_user_assessment_and_line(login, workflow, head_a, officer_a):
    client = login("head_a")
    body = client.post(
        page_url(workflow.assessment),
        with_file(self_post(workflow, 1, {"1.1": ("45", False, "")}), workflow, "ke-hoach.pdf", PDF),
    ).content.decode()
    token = held_token(body, workflow)
    for who, code, value in [
        (officer_a, "1.1", token),  # another member of the unit
        (head_a, "1.2", token),  # another line
        (head_a, "1.1", token[:-2] + "xx"),  # a forged token
    ]:
        client.force_login(who)
        data = self_post(
            workflow, Assessment.objects.get(pk=workflow.assessment.pk).version, {"1.1": ("35", False, "")}
        )
        data[f"held-{workflow.criteria[code].pk}"] = value
        assert client.post(page_url(workflow.assessment), data).status_code == 302
    assert not EvidenceFile.objects.exists()


def test_a_refused_submission_takes_back_its_file_too(login, workflow, evidence_root, english):
    """The scores are fine but the submission is refused (criteria not scored): nothing stays, not even the file's bytes."""
    data = self_post(workflow, 1, {"1.1": ("35", False, "")}, "submit")
    response = login("head_a").post(page_url(workflow.assessment), with_file(data, workflow, "ke-hoach.pdf", PDF))
    assert response.status_code == 400
    assert "Criteria not scored yet (2): 1.2, 2.1." in response.content.decode()
    assert not EvidenceFile.objects.exists() and not Score.objects.exists()
    assert not any(Path(evidence_root).rglob("*.*"))


def test_a_file_over_the_limit_is_skipped_and_the_scores_still_come_back(login, workflow, settings, english):
    settings.EVIDENCE_MAX_BYTES = 1000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    data = self_post(workflow, 1, {"1.1": ("35,5", False, ""), "1.2": ("12", False, "")})
    response = login("head_a").post(
        page_url(workflow.assessment), with_file(data, workflow, "ke-hoach.pdf", PDF + b"\0" * 3000)
    )
    assert response.status_code == 400
    body = response.content.decode()
    cid = workflow.criteria["1.1"].pk
    assert "larger than the limit of 1000" in body[body.index(f'name="file-{cid}"') :][:600]
    assert 'value="35,5"' in body and 'value="12"' in body  # read past the file
    assert not EvidenceFile.objects.exists() and not Score.objects.exists()


def test_a_body_over_what_a_save_may_carry_is_refused_unread(login, workflow, settings, english):
    settings.EVIDENCE_MAX_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = self_post(workflow, 1, {"1.1": ("35", False, "")})
    response = login("head_a").post(
        page_url(workflow.assessment), with_file(data, workflow, "ke-hoach.pdf", PDF + b"\0" * 40_000)
    )
    assert response.status_code == 413
    assert "larger than one save may carry" in response.content.decode()
    assert not EvidenceFile.objects.exists() and not Score.objects.exists()


def test_the_running_total_is_computed_when_the_page_is_drawn(login, workflow):
    client = login("head_a")
    client.post(
        page_url(workflow.assessment),
        self_post(workflow, 1, {"1.1": ("35,5", False, ""), "1.2": ("", True, "Không có")}),
    )
    body = client.get(page_url(workflow.assessment)).content.decode()
    assert "Đã chấm 2/3 tiêu chí — tổng 35,50/100 điểm" in body
    assert '<progress id="sheet-meter" max="3" value="2"' in body
    assert "js/assessment-sheet.js" in body
    # With mistakes, it adds up what was typed: 1.1's "x" is no score.
    typed = self_post(workflow, 2, {"1.1": ("x", False, ""), "1.2": ("12,25", False, ""), "2.1": ("30", False, "")})
    body = client.post(page_url(workflow.assessment), typed).content.decode()
    assert "Đã chấm 2/3 tiêu chí — tổng 42,25/100 điểm" in body


def test_a_reader_without_inputs_gets_no_total_nor_script(login, workflow):
    body = login("staff").get(page_url(workflow.assessment)).content.decode()
    assert 'id="sheet-total"' not in body and "assessment-sheet.js" not in body


def test_a_save_without_the_csrf_token_is_refused(workflow, head_a):
    """The page reads its body only once the upload limits are in place, then checks the token itself."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(head_a)
    data = self_post(workflow, 1, {"1.1": ("35", False, "")})
    assert client.post(page_url(workflow.assessment), with_file(data, workflow, "kh.pdf", PDF)).status_code == 403
    assert not Score.objects.exists() and not EvidenceFile.objects.exists()


def test_a_submission_with_mistakes_and_blank_lines_says_both_at_once(login, workflow, english):
    data = self_post(workflow, 1, {"1.1": ("45", False, ""), "1.2": ("", False, ""), "2.1": ("", False, "")}, "submit")
    body = login("head_a").post(page_url(workflow.assessment), data).content.decode()
    assert "1.1: the score is above the criterion" in body
    assert "Criteria not scored yet (2): 1.2, 2.1." in body  # 1.1 has a score, with its own mistake
    data["confirm_incomplete"] = "on"
    body = login("head_a").post(page_url(workflow.assessment), data).content.decode()
    assert "Criteria not scored yet" not in body
