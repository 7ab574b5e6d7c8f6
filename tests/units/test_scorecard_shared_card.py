"""A unit's card is rendered once and kept for the readers who see the same of it
(indicators.scorecard_views._card_key, units.access.unit_reader_state): each test has one reader
fill the cache and another read after him, so it fails if the key forgets who reads — his sight of
the unit's group (other units' names, the group's figures), what he may do (the audit trail) —, or
what changed since (a score, a status). Data: tests/indicators/test_scorecard.py (district B's
2024 area 1: 94,33 %, group mean 89,78 %; B, C and D under province P)."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.workflow import appraisal_scores_save, assessment_submit
from indicators.models import Assessment, AssessmentStatus, Criterion, Result
from tests.units.test_scorecard_view import comparable, data, get, page, url  # noqa: F401 (fixtures)
from units.models import Membership, MembershipRole

GROUP_MEAN = "89,78 %"  # of area 1 in 2024: shown to a reader of the whole group only
WITHHELD = "Không hiển thị số liệu nhóm"


def member(tree, username, unit, role):
    user = User.objects.create_user(username=username, password="x")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def section(text, section_id):
    return text.split(f'id="{section_id}"')[1].split("</section>")[0]


# --- Who reads --------------------------------------------------------------------------------------


def test_the_head_of_b_after_staff_gets_no_group_figure(client, staff, head_b, data):
    assert GROUP_MEAN in page(get(client, staff, "B", index="par", year=2024))
    text = page(get(client, head_b, "B", index="par", year=2024))
    assert GROUP_MEAN not in text and "100,00 %" not in text and WITHHELD in text


def test_staff_after_the_head_of_b_get_the_group_figures(client, staff, head_b, data):
    assert WITHHELD in page(get(client, head_b, "B", index="par", year=2024))
    text = page(get(client, staff, "B", index="par", year=2024))
    assert GROUP_MEAN in text and WITHHELD not in text


def test_the_head_of_b_after_staff_is_not_told_which_units_passed_it(client, staff, head_b, comparable):
    assert "Huyện D (4 → 1)" in page(get(client, staff, "B"))
    text = page(get(client, head_b, "B"))
    assert "Huyện C" not in text and "Huyện D" not in text


def test_the_head_of_the_province_after_the_head_of_b_is_told_which(client, head_b, comparable, tree):
    # He sees every district of the group: his card is not the head of B's, who sees only B.
    head_p = member(tree, "head_p", tree.province, MembershipRole.HEAD)
    assert "Huyện D" not in page(get(client, head_b, "B"))
    text = page(get(client, head_p, "B"))
    assert "Huyện D (4 → 1)" in text and "Huyện C (1 → 3)" in text


def test_the_head_of_a_after_the_head_of_b_never_gets_bs_card(client, head_a, head_b, data):
    assert "Nguyễn Văn Một" in page(get(client, head_b, "B"))  # B's head in office, on B's card
    for params in ({}, {"index": "par", "year": "2024"}):
        response = get(client, head_a, "B", **params)
        assert response.status_code == 404 and "Nguyễn Văn Một" not in page(response)
    text = page(get(client, head_a, "A"))
    assert "Sở A" in text and "Nguyễn Văn Một" not in text and "Huyện B" not in text


def test_a_viewer_of_b_after_its_head_gets_no_audit_trail(client, head_b, data, tree):
    viewer = member(tree, "viewer_b", tree.district_b, MembershipRole.VIEWER)
    assert 'id="audit-trail"' in page(get(client, head_b, "B"))
    assert 'id="audit-trail"' not in page(get(client, viewer, "B"))


def test_the_head_of_b_after_its_viewer_gets_the_audit_trail(client, head_b, data, tree):
    viewer = member(tree, "viewer_b", tree.district_b, MembershipRole.VIEWER)
    assert 'id="audit-trail"' not in page(get(client, viewer, "B"))
    assert 'id="audit-trail"' in page(get(client, head_b, "B"))


def test_an_appraiser_after_the_head_of_b_gets_an_appraisers_card(client, appraiser, head_b, data):
    assert WITHHELD in page(get(client, head_b, "B", index="par", year=2024))
    text = page(get(client, appraiser, "B", index="par", year=2024))
    assert GROUP_MEAN in text and 'id="audit-trail"' in text


# --- What changed -----------------------------------------------------------------------------------


def test_a_status_and_a_score_changed_show_on_the_next_card(client, staff, head_b, appraiser, data):
    assessment = Assessment.objects.get(unit=data.district_b, methodology__year=2024)
    as_of = Result.objects.filter(year=2024).latest("updated_at").updated_at
    lost = section(page(get(client, staff, "B", index="par", year=2024)), "lost-points")
    assert "38,60" in lost and "1,40" in lost  # 1.1: 38,6 of 40

    assessment_submit(assessment=assessment, user=head_b, confirm_incomplete=True)
    text = page(get(client, staff, "B", index="par", year=2024))
    assert f'class="status-{AssessmentStatus.SUBMITTED}"' in text

    criterion = Criterion.objects.get(methodology=assessment.methodology, code="1.1")
    assessment.refresh_from_db()
    appraisal_scores_save(
        assessment=assessment,
        user=appraiser,
        scores={criterion.pk: (D("30"), "Thiếu minh chứng")},
        version=assessment.version,
    )
    # No recompute has run (it waits for the commit): the results' "as of" has not moved, the
    # score's audit entry moves the card's key.
    assert Result.objects.filter(year=2024).latest("updated_at").updated_at == as_of
    lost = section(page(get(client, staff, "B", index="par", year=2024)), "lost-points")
    assert "38,60" not in lost and "10,00" in lost


@pytest.mark.parametrize("reader", ["staff", "head_b"])
def test_the_next_request_is_given_the_kept_card(client, reader, data, request):
    client.force_login(request.getfixturevalue(reader))
    with CaptureQueriesContext(connection) as first:
        first_text = page(client.get(url("B"), {"index": "par", "year": 2024}))
    with CaptureQueriesContext(connection) as kept:
        kept_text = page(client.get(url("B"), {"index": "par", "year": 2024}))
    # The same card (the header's CSRF tokens are masked anew for each response).
    assert kept_text.split('<div class="scorecard">')[1] == first_text.split('<div class="scorecard">')[1]
    # The session, the reader, his groups and memberships, the unit, its results, the key's
    # states (the results' "as of", the ranking's, the dossier statistics'), his sight of the
    # group (the head), the header's unread count.
    assert len(kept) <= {"staff": 11, "head_b": 12}[reader] < len(first)


@pytest.mark.parametrize("reader", ["staff", "head_b"])
def test_the_access_check_runs_before_the_kept_card(client, reader, data, request):
    user = request.getfixturevalue(reader)
    assert get(client, user, "B").status_code == 200
    Membership.objects.filter(user=user).delete()
    user.groups.clear()
    assert get(client, user, "B").status_code == 404


# --- Every kind of reader after every other ---------------------------------------------------------

READERS = ("admin", "staff", "appraiser", "head_p", "head_b", "officer_b", "viewer_b", "viewer_p")


@pytest.fixture
def readers(data, tree, staff, appraiser, admin_user, head_b):
    """Every kind of reader who may open B: province-wide (an administrator, staff, an appraiser),
    a member of B (its head, an officer, a viewer) and of the province above it (its head, who
    sees every district of B's group and browses its trail, and a viewer, who does not)."""
    return {
        "admin": admin_user,
        "staff": staff,
        "appraiser": appraiser,
        "head_b": head_b,
        "head_p": member(tree, "head_p", tree.province, MembershipRole.HEAD),
        "officer_b": member(tree, "officer_b", tree.district_b, MembershipRole.OFFICER),
        "viewer_b": member(tree, "viewer_b", tree.district_b, MembershipRole.VIEWER),
        "viewer_p": member(tree, "viewer_p", tree.province, MembershipRole.VIEWER),
    }


def card_of(client, user):
    text = page(get(client, user, "B", index="par", year=2024))
    return text.split('<div class="scorecard">')[1]


@pytest.mark.parametrize("shown", ["group figures", "units that passed it"])
def test_every_reader_after_any_other_gets_the_card_rendered_for_him_alone(client, readers, shown, request):
    from django.core.cache import cache

    if shown == "units that passed it":
        request.getfixturevalue("comparable")  # a fifth district: B's move is explained by name
    alone = {}
    for name in READERS:
        cache.clear()
        alone[name] = card_of(client, readers[name])
    # What differs, so that the pairs below test something: the group's figures (withheld from a
    # reader of B alone in a group of three) or the names of the units that passed B (his only
    # counted), and the audit trail.
    if shown == "group figures":
        assert GROUP_MEAN in alone["staff"] and WITHHELD in alone["head_b"]
    else:
        assert "Huyện D (4 → 1)" in alone["head_p"] and "Huyện D" not in alone["officer_b"]
    assert 'id="audit-trail"' in alone["head_p"] and 'id="audit-trail"' not in alone["viewer_p"]
    # Whoever reads first keeps his copy under his key: any reader given that key after him, in
    # whatever order, is given that copy, so one pass after each first reader tries every pair.
    for first in READERS:
        cache.clear()
        card_of(client, readers[first])
        for second in READERS:
            assert card_of(client, readers[second]) == alone[second], (first, second)


def test_staff_and_a_head_of_the_whole_group_share_one_card(client, readers, comparable):
    # Neither the plans staff review nor anything else the card does not show keeps them apart.
    staff_card = card_of(client, readers["staff"])
    client.force_login(readers["head_p"])
    with CaptureQueriesContext(connection) as kept:
        assert (
            page(client.get(url("B"), {"index": "par", "year": 2024})).split('<div class="scorecard">')[1] == staff_card
        )
    assert len(kept) <= 12
