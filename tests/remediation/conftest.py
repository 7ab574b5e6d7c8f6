"""The remediation tests' world: department A losing points on 1.1 three years running (chronic)
and on 2.1 in 2024, district B losing on 1.1 three years too; A's head and officer, B's head."""

import datetime

import pytest

from indicators.models import Index
from indicators.recompute import results_recompute
from remediation.services import plan_action_add, plan_create, plan_item_cause_save
from tests.indicators.builders import methodology, score
from tests.indicators.workflow import officer_a, viewer_a  # noqa: F401 (fixtures: the unit's officer and viewer)
from units.models import UnitKind

YEARS = (2022, 2023, 2024)


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    """Evidence files in the test's own directory, never in var/."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def par(tree, tasks_in_process):
    """PAR for departments and districts, 2022–2025: A loses 10 on 1.1 every year, 5 on 2.1 in
    2024; B loses 10 on 1.1 every year. 2025's methodologies exist, nothing is scored in them."""
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    for year in (*YEARS, 2025):
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT):
            methodology(index, year, kind=kind)
    for year in YEARS:
        dept = index.methodologies.get(year=year, unit_kind=UnitKind.DEPARTMENT)
        district = index.methodologies.get(year=year, unit_kind=UnitKind.DISTRICT)
        score(dept, tree.dept_a, {"1.1": "30", "1.2": "20", "2.1": "35" if year == 2024 else "40"})
        score(district, tree.district_b, {"1.1": "30", "1.2": "20", "2.1": "40"})
        results_recompute(index_id=index.pk, year=year)
    return index


def next_year(index, unit, values):
    """Scores of `unit` in 2025 (its kind's methodology): what verifies a 2024 plan."""
    score(index.methodologies.get(year=2025, unit_kind=unit.kind), unit, values)


def complete_plan(*, unit, index, user, codes=("1.1",), deadline=datetime.date(2030, 1, 1)):
    """A 2024 plan of the unit with a cause and an action on each item, ready to submit."""
    plan = plan_create(unit=unit, index=index, year=2024, criterion_codes=list(codes), user=user)
    for item in plan.items.all():
        plan_item_cause_save(item=item, cause="Chưa số hóa hồ sơ", user=user)
        plan_action_add(item=item, what="Số hóa kết quả", owner="Văn phòng", deadline=deadline, user=user)
    return plan
