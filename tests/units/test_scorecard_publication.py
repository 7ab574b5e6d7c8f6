"""The scorecard tells whether its result is official (the publishing decision), shows a correction
published later as a visible revision with the earlier values still readable, the assessment's
status, and the latest entries of the unit's audit trail — these only to those who may read it."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record
from indicators.models import Result
from tests.indicators.test_publication import appraised, publish, published, revised  # noqa: F401 (fixtures, used as test arguments)
from tests.indicators.workflow import reload, workflow  # noqa: F401 (fixtures, used as test arguments)
from units.models import Membership, MembershipRole


def card(client, user, code="A", **params):
    client.force_login(user)
    response = client.get(reverse("unit_scorecard", args=[code]), {"index": "par", "year": 2024, **params})
    return response, response.content.decode()


def test_an_unpublished_result_is_provisional(client, staff, tree, english):
    Result.objects.create(unit=tree.dept_a, index_id=_par(), year=2024, value=D(80))
    response, text = card(client, staff)
    assert response.status_code == 200
    assert "Not yet published: this result is provisional." in text
    assert "Revised" not in text


def _par():
    from indicators.models import Index

    return Index.objects.get_or_create(code="par", defaults={"name_vi": "Chỉ số CCHC"})[0].pk


def test_a_published_result_names_its_decision_and_date(client, staff, published, english):
    _, text = card(client, staff)
    assert "Official: published on 01/03/2025 by decision QĐ 345/QĐ-UBND." in text
    assert 'Assessment: <strong class="status-published">Published</strong>' in text
    assert "badge-revised" not in text


def test_a_revision_is_visible_with_when_and_why_and_the_earlier_values_stay_readable(client, head_a, revised, english):
    _, text = card(client, head_a)
    assert "Official: published on 02/04/2025 by decision QĐ 400/QĐ-UBND." in text
    assert "badge-revised" in text
    assert "revision published on 02/04/2025 by decision QĐ 400/QĐ-UBND" in text
    assert "Sai số liệu tiêu chí 2.1" in text
    # The first publication's value (35 + 20 + 30 of 100) is still there, in its row of earlier values.
    earlier = text.split('class="table scorecard-revisions"')[1].split("</table>")[0]
    assert "85.00 %" in earlier and "QĐ 345/QĐ-UBND" in earlier and "01/03/2025" in earlier
    assert "80.00 %" not in earlier  # the current value is the headline, not an earlier one


def test_the_revision_in_vietnamese_numbers(client, head_a, revised):
    _, text = card(client, head_a)
    assert "85,00 %" in text and "80,00 %" in text


def test_the_audit_trail_section_lists_this_years_changes_and_links_to_the_whole_trail(
    client, head_a, revised, english, tree
):
    # The unit's own score, entered without a reason, as the assessment page records it.
    audit_record(
        action="score.self",
        user=head_a,
        unit=tree.dept_a,
        criterion=revised.criteria["1.1"],
        changes={"self_score": (None, "35")},
    )
    _, text = card(client, head_a)
    section = text.split('id="audit-trail"')[1].split("</section>")[0]
    assert "Result published" in section and "Published assessment reopened" in section
    assert "Appraised score entered" in section and "30,00" not in section and "30.00 → 25.00" in section
    assert "Thiếu minh chứng" in section
    assert 'href="/audit/?unit=A&amp;index=par&amp;year=2024"' in section
    assert 'href="/audit/?unit=A"' in section
    # The unit's own entries and the appraised scores left as the unit's (no reason) are only in
    # the full trail: here the steps and the reasoned changes stay in sight.
    assert "Self-assessed score entered" not in section
    routine = AuditEntry.objects.filter(unit=tree.dept_a, action__in=["score.self", "score.final"], reason="")
    assert routine.count() == 1
    shown = AuditEntry.objects.filter(unit=tree.dept_a).count() - routine.count()
    assert section.count("<tr>") == 1 + min(shown, 15)  # the header and the latest fifteen


def test_the_trail_holds_nothing_of_another_year_or_unit(client, staff, revised, tree):
    audit_record(action="score.self", user=staff, unit=tree.district_b, reason="của huyện B")
    _, text = card(client, staff)
    assert "của huyện B" not in text


@pytest.mark.parametrize("user", ["staff", "appraiser", "admin_user", "head_a"])
def test_who_may_browse_the_trail_sees_the_section(client, revised, user, request):
    _, text = card(client, request.getfixturevalue(user))
    assert 'id="audit-trail"' in text


def test_a_viewer_of_the_unit_sees_the_publication_but_not_the_trail(client, revised, tree):
    viewer = User.objects.create_user(username="viewer_a", password="x")
    Membership.objects.create(user=viewer, unit=tree.dept_a, role=MembershipRole.VIEWER)
    response, text = card(client, viewer)
    assert response.status_code == 200
    assert "badge-revised" in text and 'id="audit-trail"' not in text


def test_head_b_cannot_open_as_card(client, head_b, revised):
    response, _ = card(client, head_b)
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, revised):
    response = client.get(reverse("unit_scorecard", args=["A"]))
    assert response.status_code == 302
