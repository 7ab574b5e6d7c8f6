"""/targets/warnings/: the units of the reader's whose rate so far this year is short of their
target, worst first; none of another unit's; the overview counts them."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Index, Result, Target
from indicators.targets import early_warnings
from units.models import Unit, UnitKind

YEAR = timezone.localdate().year


@pytest.fixture
def rates(tree):
    """Overdue rates so far this year (lower is better): departments A 5 %, A2 1 %, A3 3 %,
    district B 4 %; target ≤ 2 % for the departments, rank 1 for B (it is 1st of 1: met), and
    last year A missed too (not this page's)."""
    overdue = Index.objects.create(
        code="overdue", name_vi="Tỷ lệ trễ hạn", direction="lower", dossier_measure="overdue_rate"
    )
    a2 = Unit.objects.create(code="A2", name="Sở A2", kind=UnitKind.DEPARTMENT, parent=tree.province)
    a3 = Unit.objects.create(code="A3", name="Sở A3", kind=UnitKind.DEPARTMENT, parent=tree.province)
    for unit, rate, rank in [(tree.dept_a, "5", 3), (a2, "1", 1), (a3, "3", 2)]:
        Result.objects.create(unit=unit, index=overdue, year=YEAR, value=D(rate), rank=rank, group_size=3)
    Result.objects.create(unit=tree.district_b, index=overdue, year=YEAR, value=D(4), rank=1, group_size=1)
    Result.objects.create(unit=tree.dept_a, index=overdue, year=YEAR - 1, value=D(9), rank=1, group_size=1)
    Target.objects.create(index=overdue, year=YEAR, unit_kind=UnitKind.DEPARTMENT, value=D(2))
    Target.objects.create(index=overdue, year=YEAR - 1, unit_kind=UnitKind.DEPARTMENT, value=D(2))
    Target.objects.create(index=overdue, year=YEAR, unit=tree.district_b, rank=1)
    return overdue


def codes(user):
    return [warning.result.unit.code for warning in early_warnings(user=user, year=YEAR)]


def test_staff_see_every_unit_short_of_its_target_worst_first(staff, rates):
    assert codes(staff) == ["A", "A3"]  # 3 short, then 1 short; A2 and B meet theirs


def test_a_head_sees_only_his_units(head_a, head_b, rates):
    assert codes(head_a) == ["A"]
    assert codes(head_b) == []


def test_a_rank_target_missed_is_a_warning(staff, rates, tree):
    Result.objects.filter(unit=tree.district_b, year=YEAR).update(rank=2, group_size=2)
    assert "B" in codes(staff)


def test_the_page_lists_them_with_their_targets(client, head_a, rates):
    client.force_login(head_a)
    html = client.get(reverse("early_warning")).content.decode()
    assert "Sở A" in html and "Sở A3" not in html and "Huyện B" not in html
    assert "≤ 2,00 %" in html and "chưa đạt (thiếu 3,00)" in html


def test_without_a_warning_the_page_says_so(client, head_b, rates):
    client.force_login(head_b)
    html = client.get(reverse("early_warning")).content.decode()
    assert 'id="no-warnings"' in html and 'id="early-warnings"' not in html


def test_the_overview_counts_them_and_links_here(client, staff, rates):
    client.force_login(staff)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("early_warning")}"><strong class="count">2</strong>' in html


def test_a_visitor_is_sent_to_log_in(client, rates):
    assert client.get(reverse("early_warning")).status_code == 302
