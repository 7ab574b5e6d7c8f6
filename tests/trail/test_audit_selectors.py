"""audit_entries: each viewer sees only the entries of units he may see; the export is safe to open."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from reformdash.lib.export import csv_response
from trail.selectors import audit_entries, audit_export_rows


@pytest.fixture
def trail(tree, staff, appraiser):
    return {
        "a": audit_record(action="score.self", user=staff, unit=tree.dept_a),
        "b": audit_record(action="score.final", user=appraiser, unit=tree.district_b),
        "b1": audit_record(action="score.self", user=staff, unit=tree.commune_b1),
        "none": audit_record(action="band.change", user=staff),
    }


def seen(user, **filters):
    return {entry.pk for entry in audit_entries(user_viewing=user, **filters)}


def ids(trail, *keys):
    return {trail[key].pk for key in keys}


def test_staff_appraisers_and_admins_see_every_entry(trail, staff, appraiser, admin_user):
    for user in (staff, appraiser, admin_user):
        assert seen(user) == ids(trail, "a", "b", "b1", "none")


def test_a_head_sees_his_unit_and_those_under_it_never_another_unit_nor_unit_less_entries(trail, head_a, head_b):
    assert seen(head_b) == ids(trail, "b", "b1")
    assert seen(head_a) == ids(trail, "a")
    assert seen(head_b, unit=trail["a"].unit) == set()


def test_an_outsider_and_an_anonymous_visitor_see_nothing(trail, outsider):
    from django.contrib.auth.models import AnonymousUser

    assert seen(outsider) == set()
    assert seen(AnonymousUser()) == set()


def test_entries_filter_by_unit_actor_action_and_time(trail, staff, appraiser, tree):
    assert seen(staff, unit=tree.district_b) == ids(trail, "b")
    assert seen(staff, actor=appraiser) == ids(trail, "b")
    assert seen(staff, action="score.self") == ids(trail, "a", "b1")
    AuditEntry.objects.filter(pk=trail["a"].pk).update(at=timezone.now() - datetime.timedelta(days=10))
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assert seen(staff, since=week_ago) == ids(trail, "b", "b1", "none")
    assert seen(staff, until=week_ago) == ids(trail, "a")


def test_entries_filter_by_criterion(tree, staff):
    from decimal import Decimal as D

    from indicators.models import Index
    from tests.indicators.builders import methodology

    m = methodology(Index.objects.create(code="par", name_vi="PAR"), 2023)
    criterion = m.criteria.get(code="1.1")
    kept = audit_record(
        action="score.self", unit=tree.dept_a, criterion=criterion, changes={"self_score": (None, D(1))}
    )
    audit_record(action="score.self", unit=tree.dept_a)
    assert seen(staff, criterion=criterion) == {kept.pk}


def test_the_listing_takes_the_same_queries_for_many_entries(trail, head_b, tree, django_assert_max_num_queries):
    for _ in range(50):
        audit_record(action="score.self", unit=tree.commune_b1)
    with django_assert_max_num_queries(3):
        rows = [(e.user and e.user.username, e.unit.code) for e in audit_entries(user_viewing=head_b)]
    assert len(rows) == 52


def test_the_export_lists_changes_and_makes_formula_cells_safe(tree, staff):
    audit_record(
        action="score.final",
        user=staff,
        unit=tree.dept_a,
        changes={"final_score": ("2", "3")},
        reason='=HYPERLINK("http://evil")',
    )
    response = csv_response(audit_export_rows(audit_entries(user_viewing=staff)), filename="audit.csv")
    text = b"".join(response.streaming_content).decode()
    assert "final_score: 2 → 3" in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert ",A," in text and "score.final" in text


def test_the_export_of_a_head_holds_no_row_of_another_unit(trail, head_b):
    response = csv_response(audit_export_rows(audit_entries(user_viewing=head_b)), filename="audit.csv")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 3  # the header, B and B1
    assert not any(",A," in line for line in lines)
