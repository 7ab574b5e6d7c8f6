"""No lost updates: two people load the same version of an assessment; the second save is a conflict."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from assessments.workflow import (
    ConflictError,
    appraisal_scores_save,
    assessment_submit,
    self_scores_save,
)
from indicators.models import Score
from tests.indicators.workflow import FULL_SELF, ids, officer_a, reload, workflow  # noqa: F401 (fixtures, used as test arguments)


def test_the_second_of_two_saves_from_the_same_version_is_a_conflict_showing_what_changed(workflow, head_a, officer_a):
    a = workflow.assessment
    self_scores_save(assessment=a, user=head_a, scores=ids(workflow, FULL_SELF), version=1)
    loaded = reload(a).version  # both open the page now
    self_scores_save(
        assessment=a, user=head_a, scores=ids(workflow, {"1.1": (D(38), False, "Kế hoạch số 12")}), version=loaded
    )
    with pytest.raises(ConflictError) as conflict:
        self_scores_save(
            assessment=a,
            user=officer_a,
            scores=ids(workflow, {"1.1": (D(20), False, ""), "2.1": (D(1), False, "")}),
            version=loaded,
        )
    assert conflict.value.current_version == loaded + 1
    assert [(c["criterion_code"], c["self_score"]) for c in conflict.value.changes] == [("1.1", D(38))]
    assert {s.criterion.code: s.self_score for s in Score.objects.select_related("criterion")} == {
        "1.1": D(38),
        "1.2": D(20),
        "2.1": D(30),
    }
    # Loading again and saving works.
    self_scores_save(
        assessment=a,
        user=officer_a,
        scores=ids(workflow, {"2.1": (D(1), False, "")}),
        version=conflict.value.current_version,
    )
    assert Score.objects.get(criterion__code="2.1").self_score == D(1)


def test_a_conflict_message_tells_the_user_to_review(english, workflow, head_a):
    with pytest.raises(ConflictError) as conflict:
        self_scores_save(assessment=workflow.assessment, user=head_a, scores={}, version=7)
    assert "Someone else saved this assessment after you opened it" in str(conflict.value)


def test_a_transition_from_a_stale_version_is_a_conflict_too(workflow, head_a, appraiser):
    a = workflow.assessment
    assessment_submit(assessment=a, user=head_a, version=1, confirm_incomplete=True)
    with pytest.raises(ConflictError):
        appraisal_scores_save(assessment=a, user=appraiser, scores={}, version=1)


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_from_the_same_version_one_wins_one_conflicts(tree):
    """Two real transactions at once on PostgreSQL: the compare-and-swap lets exactly one through."""
    from django.contrib.auth.models import User

    from indicators.models import Assessment, Criterion, Index
    from tests.indicators.builders import methodology
    from units.models import Membership, MembershipRole

    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC")
    m = methodology(index, 2024)
    a = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    users = []
    for name in ("u1", "u2"):
        user = User.objects.create_user(username=name, password="x")
        Membership.objects.create(user=user, unit=tree.dept_a, role=MembershipRole.OFFICER)
        users.append(user)
    c11 = Criterion.objects.get(methodology=m, code="1.1").pk
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, value):
        try:
            barrier.wait()
            self_scores_save(assessment=a, user=user, scores={c11: (D(value), False, "")}, version=1)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u, v)) for u, v in zip(users, (10, 20), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Assessment.objects.get(pk=a.pk).version == 2
    assert Score.objects.count() == 1
