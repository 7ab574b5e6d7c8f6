"""The assessment page costs the same number of queries for 10 criteria as for 60."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.services import evidence_add
from indicators.models import Assessment, Criterion, Index, Score
from tests.assessments.conftest import PDF
from tests.assessments.evidence import upload
from tests.indicators.builders import methodology


def build(tree, head_a, year, leaves):
    index = Index.objects.get_or_create(code="par", defaults={"name_vi": "Chỉ số CCHC"})[0]
    half = leaves // 2
    areas = {
        "1": (D(50), None, {f"1.{i}": D(1) for i in range(half)}),
        "2": (D(50), None, {f"2.{i}": D(1) for i in range(leaves - half)}),
    }
    m = methodology(index, year, areas=areas)
    a = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    for criterion in Criterion.objects.filter(methodology=m, parent__isnull=False):
        Score.objects.create(assessment=a, criterion=criterion, self_score=D(1), note="ghi chú")
        evidence_add(assessment=a, criterion_id=criterion.pk, upload=upload("a.pdf", PDF), user=head_a)
    return a


def count(client, assessment):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/assessments/{assessment.pk}/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["head_a", "appraiser", "staff"])
def test_the_page_does_not_grow_with_the_criteria(login, tree, head_a, who):
    small, big = build(tree, head_a, 2023, 10), build(tree, head_a, 2024, 60)
    client = login(who)
    count(client, small)  # warm up the session and the content types
    assert count(client, small) == count(client, big)
    assert count(client, big) <= 20
