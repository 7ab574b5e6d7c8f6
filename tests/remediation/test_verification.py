"""The next year's appraised score verifies each item of a plan (remediation.selectors.with_outcome):
recovered at full points, still losing below, not yet known without an appraised, applicable score."""

import pytest

from indicators.models import Assessment, Criterion, Score
from remediation.models import Outcome
from remediation.selectors import plan_for
from remediation.services import plan_create
from tests.remediation.conftest import next_year


@pytest.fixture
def plan(par, tree, head_a):
    return plan_create(unit=tree.dept_a, index=par, year=2024, criterion_codes=["1.1", "2.1"], user=head_a)


def outcomes(plan):
    found = plan_for(unit=plan.unit, index=plan.index, year=plan.year)
    return {item.criterion.code: (item.outcome, item.next_score) for item in found.items.all()}


def test_not_yet_known_before_the_next_year_is_scored(plan):
    assert outcomes(plan) == {"1.1": (Outcome.UNKNOWN, None), "2.1": (Outcome.UNKNOWN, None)}


def test_full_points_next_year_is_recovered_and_less_is_still_losing(plan, par, tree):
    next_year(par, tree.dept_a, {"1.1": "40", "2.1": "39.99"})
    found = outcomes(plan)
    assert found["1.1"][0] == Outcome.RECOVERED
    assert found["2.1"][0] == Outcome.STILL_LOSING
    assert str(found["2.1"][1].normalize()) == "39.99"


def test_a_self_score_alone_is_not_a_verification(plan, par, tree):
    m = par.methodologies.get(year=2025, unit_kind=tree.dept_a.kind)
    assessment = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    Score.objects.create(
        assessment=assessment, criterion=Criterion.objects.get(methodology=m, code="1.1"), self_score=40
    )
    assert outcomes(plan)["1.1"] == (Outcome.UNKNOWN, None)


def test_not_applicable_next_year_is_not_known(plan, par, tree):
    next_year(par, tree.dept_a, {"1.1": "NA", "2.1": "40"})
    assert outcomes(plan) == {"1.1": (Outcome.UNKNOWN, None), "2.1": (Outcome.RECOVERED, 40)}


def test_another_units_or_years_score_does_not_count(plan, par, tree):
    next_year(par, tree.district_b, {"1.1": "40", "2.1": "40"})  # B's 2025 full marks: not A's
    assert outcomes(plan)["1.1"][0] == Outcome.UNKNOWN


def test_a_corrected_score_changes_the_outcome_at_once(plan, par, tree):
    next_year(par, tree.dept_a, {"1.1": "40"})
    assert outcomes(plan)["1.1"][0] == Outcome.RECOVERED
    Score.objects.filter(assessment__unit=tree.dept_a, assessment__methodology__year=2025).update(final_score=20)
    assert outcomes(plan)["1.1"][0] == Outcome.STILL_LOSING


def test_the_same_code_verifies_even_when_next_years_maximum_changed(plan, par, tree):
    m = par.methodologies.get(year=2025, unit_kind=tree.dept_a.kind)
    Criterion.objects.filter(methodology=m, code="1.1").update(max_points=30)
    next_year(par, tree.dept_a, {"1.1": "30"})
    assert outcomes(plan)["1.1"][0] == Outcome.RECOVERED
