"""assessment_start: a unit's officers and head open its draft self-assessment, nobody else."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.workflow import assessment_start
from audit.models import AuditEntry
from indicators.models import Assessment, AssessmentStatus, Criterion, CriterionKind, Index, Methodology
from tests.indicators.builders import methodology
from tests.indicators.workflow import head_province, officer_a, viewer_a  # noqa: F401 (fixtures, used as test arguments)
from units.models import UnitKind


@pytest.fixture
def par(db):
    return Index.objects.create(code="par", name_vi="Chỉ số CCHC")


def test_the_head_starts_a_draft_and_it_is_audited(par, tree, head_a):
    m = methodology(par, 2025)
    assessment = assessment_start(methodology=m, unit=tree.dept_a, user=head_a)
    assert (assessment.unit, assessment.methodology, assessment.status) == (tree.dept_a, m, AssessmentStatus.DRAFT)
    entry = AuditEntry.objects.get(action="assessment.start")
    assert (entry.user, entry.unit_id) == (head_a, tree.dept_a.pk)


def test_starting_twice_gives_the_same_assessment(par, tree, officer_a):
    m = methodology(par, 2025)
    first = assessment_start(methodology=m, unit=tree.dept_a, user=officer_a)
    assert assessment_start(methodology=m, unit=tree.dept_a, user=officer_a) == first
    assert Assessment.objects.count() == 1 and AuditEntry.objects.filter(action="assessment.start").count() == 1


@pytest.mark.parametrize("who", ["viewer_a", "head_province", "head_b", "staff", "appraiser", "admin_user", "outsider"])
def test_only_the_units_own_officers_and_head_may_start(par, tree, who, request):
    m = methodology(par, 2025)
    with pytest.raises(PermissionDenied):
        assessment_start(methodology=m, unit=tree.dept_a, user=request.getfixturevalue(who))
    assert not Assessment.objects.exists()


def test_a_methodology_for_another_kind_is_refused(par, tree, head_a):
    m = methodology(par, 2025, kind=UnitKind.DISTRICT)
    with pytest.raises(ValidationError):
        assessment_start(methodology=m, unit=tree.dept_a, user=head_a)


def test_a_methodology_without_self_assessed_criteria_is_refused(par, tree, head_a):
    empty = Methodology.objects.create(index=par, year=2025, unit_kind=UnitKind.DEPARTMENT, aggregation="sum")
    with pytest.raises(ValidationError):
        assessment_start(methodology=empty, unit=tree.dept_a, user=head_a)
    sipas = Index.objects.create(code="sipas", name_vi="SIPAS")
    survey = Methodology.objects.create(index=sipas, year=2025, unit_kind=UnitKind.DEPARTMENT, aggregation="mean")
    Criterion.objects.create(methodology=survey, code="S1", title="S1", max_points=D(100), kind=CriterionKind.SURVEY)
    with pytest.raises(ValidationError):
        assessment_start(methodology=survey, unit=tree.dept_a, user=head_a)
    assert not Assessment.objects.exists()


def test_a_year_the_unit_did_not_exist_in_is_refused(par, tree, head_a):
    tree.dept_a.valid_to = datetime.date(2024, 6, 30)
    tree.dept_a.save()
    with pytest.raises(ValidationError):
        assessment_start(methodology=methodology(par, 2025), unit=tree.dept_a, user=head_a)
