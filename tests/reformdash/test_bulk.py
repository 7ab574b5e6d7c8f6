"""reformdash.lib.bulk.rows_insert: COPY on PostgreSQL, batches on SQLite; every value comes back
as written, the awkward characters of COPY's text format included, and errors are Django's."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from dossiers.models import Dossier
from reformdash.lib import bulk
from reformdash.lib.bulk import CopyText, rows_insert

COLUMNS = [
    "source",
    "external_id",
    "unit_id",
    "procedure_code",
    "procedure_name",
    "received_at",
    "due_at",
    "completed_at",
    "status",
    "channel",
    "fully_online",
    "fee_required",
    "paid_online",
    "supplement_requests",
    "supplement_days",
    "result_entered",
    "received_month",
    "completed_month",
    "effective_completed_at",
    "effective_due_at",
    "updated_at",
]
AT = datetime.datetime(2025, 3, 4, 8, 30, 15, tzinfo=datetime.UTC)


def row(unit, external_id, name="Cấp giấy phép"):
    return (
        "test",
        external_id,
        unit.pk,
        "1.0001",
        name,
        AT,
        AT + datetime.timedelta(days=3),
        None,
        "pending",
        "online",
        True,
        False,
        False,
        2,
        Decimal("1.25"),
        False,
        202503,
        None,
        None,
        AT + datetime.timedelta(days=4.25),
        AT,
    )


@pytest.mark.django_db
def test_rows_come_back_as_written_tabs_newlines_and_backslashes_included(tree, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)  # SQLite: more than one batch and a short last one
    awkward = 'tab\there\nnew line\\back slash\r\\N, "quoted"\n\\.\nend of data?'

    count = rows_insert(Dossier, COLUMNS, (row(tree.dept_a, f"d{i}", awkward) for i in range(5)))
    assert count == 5
    stored = Dossier.objects.get(external_id="d3")
    assert stored.procedure_name == awkward
    assert (stored.received_at, stored.completed_at, stored.supplement_days) == (AT, None, Decimal("1.25"))
    assert (stored.fully_online, stored.fee_required, stored.supplement_requests) == (True, False, 2)
    assert Dossier.objects.count() == 5


@pytest.mark.django_db
def test_an_empty_text_stays_empty_and_none_is_null(tree):
    empty = (*row(tree.dept_a, "e")[:3], "", "", *row(tree.dept_a, "e")[5:])
    rows_insert(Dossier, COLUMNS, [empty])
    stored = Dossier.objects.get(external_id="e")
    assert (stored.procedure_code, stored.procedure_name, stored.completed_at, stored.completed_month) == (
        "",
        "",
        None,
        None,
    )


@pytest.mark.django_db
def test_a_unique_violation_is_djangos_integrity_error_and_writes_nothing(tree):
    rows_insert(Dossier, COLUMNS, [row(tree.dept_a, "same")])
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(Dossier, COLUMNS, [row(tree.dept_a, "new"), row(tree.dept_a, "same")])
    assert list(Dossier.objects.values_list("external_id", flat=True)) == ["same"]


@pytest.mark.django_db
def test_rows_made_ahead_as_copy_text_come_back_as_written(tree):
    """CopyText: the rows written out in one thread, copied by the connection in another."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    awkward = 'tab\there\nnew line\\back slash\r\\N, "quoted"\n\\.\nend of data?'
    made = CopyText(row(tree.dept_a, f"d{i}", awkward) for i in range(3000))  # more than one read's worth
    assert rows_insert(Dossier, COLUMNS, made) == 3000
    stored = Dossier.objects.get(external_id="d2999")
    assert (stored.procedure_name, stored.received_at, stored.completed_at) == (awkward, AT, None)
    assert (stored.supplement_days, stored.fully_online) == (Decimal("1.25"), True)
    assert Dossier.objects.count() == 3000
