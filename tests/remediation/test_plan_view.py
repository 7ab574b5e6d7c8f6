"""/plans/<unit>/<index>/<year>/ and its writes: who sees, who files, writes, submits and reviews;
a head of another unit learns nothing of the plan by any of its addresses."""

import re

import pytest
from django.urls import reverse

from remediation.models import ActionStatus, Plan, PlanAction, PlanStatus
from remediation.services import plan_submit
from tests.remediation.conftest import complete_plan, next_year


def plan_url(name="remediation_plan", code="A", year=2024):
    return reverse(name, kwargs={"code": code, "index": "par", "year": year})


@pytest.fixture
def plan(par, tree, head_a):
    return complete_plan(unit=tree.dept_a, index=par, user=head_a, codes=("1.1", "2.1"))


def test_the_head_is_offered_the_units_losses_chronic_ones_chosen(client, par, head_a, english):
    client.force_login(head_a)
    page = client.get(plan_url()).content.decode()
    assert re.search(r'<input type="checkbox" name="criteria" value="1.1"[^>]* checked>', page)
    assert not re.search(r'<input type="checkbox" name="criteria" value="2.1"[^>]* checked>', page)
    assert "chronic: 3 years running" in page
    assert "2.1" in page
    assert "1.2" not in page.split('id="plan-new"')[1]  # not lost: not offered


def test_the_head_files_a_plan_and_lands_on_it(client, par, tree, head_a):
    client.force_login(head_a)
    response = client.post(plan_url(), {"criteria": ["1.1"]})
    assert response.status_code == 302 and response["Location"] == plan_url()
    plan = Plan.objects.get(unit=tree.dept_a)
    assert [item.criterion.code for item in plan.items.all()] == ["1.1"]


def test_filing_without_a_criterion_says_what_is_wrong(client, par, head_a):
    client.force_login(head_a)
    response = client.post(plan_url(), {})
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một tiêu chí" in response.content.decode()
    assert not Plan.objects.exists()


@pytest.mark.parametrize("who", ["staff", "viewer_a", "appraiser"])
def test_those_who_only_read_see_the_plan_without_its_forms_and_may_not_file(client, plan, who, request):
    client.force_login(request.getfixturevalue(who))
    page = client.get(plan_url())
    assert page.status_code == 200
    assert "Chưa số hóa hồ sơ" in page.content.decode()
    assert 'class="plan-action-form' not in page.content.decode()
    assert client.post(plan_url(), {"criteria": ["1.1"]}).status_code == 403


def test_cause_and_action_from_the_page(client, plan, head_a, english):
    client.force_login(head_a)
    item = plan.items.get(criterion__code="2.1")
    assert client.post(reverse("remediation_item_cause", args=[item.pk]), {"cause": "Thiếu người"}).status_code == 302
    response = client.post(
        reverse("remediation_action_add", args=[item.pk]),
        {"what": "Tuyển thêm", "owner": "Phòng TCCB", "deadline": "31/03/2025", "status": "planned"},
    )
    assert response.status_code == 302
    assert item.actions.filter(what="Tuyển thêm", owner="Phòng TCCB").exists()
    refused = client.post(reverse("remediation_action_add", args=[item.pk]), {"what": "", "deadline": "soon"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Say what will be done." in text and "Give the deadline as a date" in text
    assert "Name who is responsible" in text


def test_submit_then_staff_return_with_a_reason_then_accept(client, plan, head_a, staff, english):
    client.force_login(head_a)
    assert client.post(plan_url("remediation_plan_submit")).status_code == 302
    assert client.post(plan_url("remediation_plan_review"), {"decision": "accept"}).status_code == 403
    client.force_login(staff)
    page = client.get(plan_url()).content.decode()
    assert 'id="plan-review"' in page
    refused = client.post(plan_url("remediation_plan_review"), {"decision": "return", "reason": ""})
    assert refused.status_code == 400 and "Say why the plan is returned" in refused.content.decode()
    client.post(plan_url("remediation_plan_review"), {"decision": "return", "reason": "Thiếu mốc thời gian"})
    assert Plan.objects.get().status == PlanStatus.RETURNED
    client.force_login(head_a)
    assert "Thiếu mốc thời gian" in client.get(plan_url()).content.decode()
    client.post(plan_url("remediation_plan_submit"))
    client.force_login(staff)
    client.post(plan_url("remediation_plan_review"), {"decision": "accept"})
    assert Plan.objects.get().status == PlanStatus.ACCEPTED


def test_after_submission_the_head_still_follows_the_actions(client, plan, head_a):
    plan_submit(plan=plan, user=head_a)
    action = PlanAction.objects.filter(item__plan=plan).first()
    client.force_login(head_a)
    data = {
        "what": action.what,
        "owner": action.owner,
        "deadline": action.deadline.isoformat(),
        "status": "done",
        "evidence_link": "https://example.org/bc.pdf",
    }
    assert client.post(reverse("remediation_action_update", args=[action.pk]), data).status_code == 302
    assert PlanAction.objects.get(pk=action.pk).status == ActionStatus.DONE
    refused = client.post(reverse("remediation_action_update", args=[action.pk]), {**data, "what": "Khác"})
    assert refused.status_code == 400


def test_the_page_shows_each_items_verification(client, plan, par, tree, head_a, english):
    next_year(par, tree.dept_a, {"1.1": "40", "2.1": "30"})
    client.force_login(head_a)
    page = client.get(plan_url()).content.decode()
    assert 'class="plan-outcome plan-recovered' in page.split('id="item-11"')[1].split("</section>")[0]
    assert "Still losing" in page.split('id="item-21"')[1].split("</section>")[0]


def test_another_units_head_learns_nothing_of_the_plan_by_any_address(client, plan, head_b):
    item = plan.items.first()
    action = PlanAction.objects.filter(item=item).first()
    client.force_login(head_b)
    asks = [
        client.get(plan_url()),
        client.post(plan_url(), {"criteria": ["1.1"]}),
        client.post(plan_url("remediation_plan_submit")),
        client.post(plan_url("remediation_plan_review"), {"decision": "accept"}),
        client.post(reverse("remediation_item_cause", args=[item.pk]), {"cause": "x"}),
        client.post(reverse("remediation_action_add", args=[item.pk]), {"what": "x"}),
        client.post(reverse("remediation_action_update", args=[action.pk]), {"status": "done"}),
    ]
    assert [response.status_code for response in asks] == [404] * len(asks)
    assert Plan.objects.get().items.get(criterion__code="1.1").cause == "Chưa số hóa hồ sơ"


def test_the_scorecard_and_the_chronic_losses_page_show_the_plan(client, plan, par, tree, head_a, staff, english):
    next_year(par, tree.dept_a, {"1.1": "40"})
    client.force_login(head_a)
    card = client.get(reverse("unit_scorecard", kwargs={"code": "A"}), {"index": "par", "year": 2024})
    text = card.content.decode()
    assert 'id="remediation-plan"' in text and plan_url() in text
    assert "plan-recovered" in text.split('class="table scorecard-lost"')[1]
    client.force_login(staff)
    chronic = client.get(reverse("chronic_losses"), {"index": "par", "year": 2024, "kind": "department"})
    text = chronic.content.decode()
    assert "plan · recovered" in text
    districts = client.get(reverse("chronic_losses"), {"index": "par", "year": 2024, "kind": "district"})
    assert "no plan" in districts.content.decode()


def test_a_year_out_of_range_or_an_unknown_index_is_not_found(client, par, head_a):
    client.force_login(head_a)
    assert client.get(plan_url(year=9223372036854775807)).status_code == 404
    assert (
        client.get(reverse("remediation_plan", kwargs={"code": "A", "index": "pci", "year": 2024})).status_code == 404
    )


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _with_file(action, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "what": action.what,
        "owner": action.owner,
        "deadline": action.deadline.isoformat(),
        "status": "done",
        "evidence_link": "",
        "evidence_upload": SimpleUploadedFile(name, content),
    }


def test_an_evidence_file_is_checked_kept_and_served_to_those_who_see_the_unit(
    client, plan, head_a, head_b, staff, english, django_capture_on_commit_callbacks
):
    plan_submit(plan=plan, user=head_a)
    action = PlanAction.objects.filter(item__plan=plan).first()
    update = reverse("remediation_action_update", args=[action.pk])
    client.force_login(head_a)
    refused = client.post(update, _with_file(action, "bao-cao.pdf", b"not a pdf"))
    assert refused.status_code == 400
    assert "content is not a PDF file" in refused.content.decode()
    assert not PlanAction.objects.get(pk=action.pk).evidence_file
    assert client.post(update, _with_file(action, "bao-cao.pdf", PDF)).status_code == 302
    action = PlanAction.objects.get(pk=action.pk)
    assert (action.evidence_name, action.evidence_content_type) == ("bao-cao.pdf", "application/pdf")
    download = reverse("remediation_action_evidence", args=[action.pk])
    assert download in client.get(plan_url()).content.decode()
    for reader in (head_a, staff):
        client.force_login(reader)
        response = client.get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
    client.force_login(head_b)
    assert client.get(download).status_code == 404
    # A second file replaces the first, which is removed once the change commits.
    client.force_login(head_a)
    first = action.evidence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(update, _with_file(action, "bao-cao-2.pdf", PDF))
    assert not PlanAction.objects.get(pk=action.pk).evidence_file.storage.exists(first)


def test_an_evidence_file_over_the_limit_is_refused_without_a_write(client, plan, head_a, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    action = PlanAction.objects.filter(item__plan=plan).first()
    client.force_login(head_a)
    response = client.post(
        reverse("remediation_action_update", args=[action.pk]), _with_file(action, "big.pdf", PDF + b"x" * 200)
    )
    assert response.status_code == 413
    assert "Tệp vượt quá dung lượng tối đa" in response.content.decode()
    assert PlanAction.objects.get(pk=action.pk).status != "done"


def test_a_post_without_its_csrf_token_is_refused(plan, head_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(head_a)
    item = plan.items.first()
    response = client.post(reverse("remediation_action_add", args=[item.pk]), {"what": "x"})
    assert response.status_code == 403


def test_an_id_past_the_databases_integers_is_not_found(client, plan, head_a):
    client.force_login(head_a)
    huge = 99999999999999999999
    assert client.get(reverse("remediation_action_evidence", args=[huge])).status_code == 404
    assert client.post(reverse("remediation_item_cause", args=[huge]), {"cause": "x"}).status_code == 404
    assert client.post(reverse("remediation_action_update", args=[huge]), {"what": "x"}).status_code == 404
