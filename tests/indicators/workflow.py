"""Fixtures and helpers shared by the assessment workflow tests (assessments.workflow)."""

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User

from indicators.models import Assessment, Criterion, Index
from tests.indicators.builders import methodology
from units.models import Membership, MembershipRole


@pytest.fixture
def workflow(tree):
    """PAR 2024 for departments (1.1 max 40, 1.2 max 20, 2.1 max 40) and Sở A's draft assessment."""
    index = Index.objects.create(code="par", name_vi="Chỉ số CCHC", name_en="PAR Index")
    m = methodology(index, 2024)
    assessment = Assessment.objects.create(unit=tree.dept_a, methodology=m)
    criteria = {c.code: c for c in Criterion.objects.filter(methodology=m)}
    return type("Workflow", (), {"index": index, "methodology": m, "assessment": assessment, "criteria": criteria})


@pytest.fixture
def officer_a(tree):
    user = User.objects.create_user(username="officer_a", password="x")
    Membership.objects.create(user=user, unit=tree.dept_a, role=MembershipRole.OFFICER)
    return user


@pytest.fixture
def viewer_a(tree):
    user = User.objects.create_user(username="viewer_a", password="x")
    Membership.objects.create(user=user, unit=tree.dept_a, role=MembershipRole.VIEWER)
    return user


@pytest.fixture
def head_province(tree):
    """The head of the province above Sở A: he oversees A, he does not score for it."""
    user = User.objects.create_user(username="head_p", password="x")
    Membership.objects.create(user=user, unit=tree.province, role=MembershipRole.HEAD)
    return user


def reload(assessment):
    return Assessment.objects.get(pk=assessment.pk)


def ids(workflow, values):
    """{criterion code: v} → {criterion id: v}."""
    return {workflow.criteria[code].pk: v for code, v in values.items()}


PUBLISHED_ON = datetime.date(2025, 3, 1)
FULL_SELF = {"1.1": (D(35), False, "Kế hoạch số 12"), "1.2": (D(20), False, ""), "2.1": (D(30), False, "")}
