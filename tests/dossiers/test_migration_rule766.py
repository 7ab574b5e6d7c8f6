"""The data migration of issue 17 (dossiers 0004): every dossier gets its effective due date, and
every unit-month the new 766 rules may change is marked for the statistics job, with the job."""

import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BEFORE = [("dossiers", "0003_rule766_columns"), ("jobs", "0001_initial")]
AFTER = [("dossiers", "0005_dossier_effective_due_at_required")]


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """Back to the latest migrations afterwards: a later migration (dossiers 0006) would otherwise
    stay unapplied for the tests that follow in this process."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def vn(*args):
    return datetime.datetime(*args, tzinfo=VN)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_effective_due_dates_and_marks_the_unit_months_dirty():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Unit = apps.get_model("units", "Unit")
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierMonth = apps.get_model("dossiers", "DossierMonth")
    unit = Unit.objects.create(code="A", name="Sở A", kind="department")
    common = dict(source="s", unit=unit, channel="in_person", received_month=202401)

    def dossier(external_id, **fields):
        Dossier.objects.create(external_id=external_id, **common, **fields)

    due = vn(2024, 1, 10, 17)
    dossier("D1", received_at=vn(2024, 1, 2, 9), due_at=due, status="pending", supplement_days=D("1.49"))
    dossier(
        "D2",
        received_at=vn(2024, 1, 3, 9),
        due_at=due,
        status="returned",
        completed_at=vn(2024, 3, 1, 9),
        completed_month=202403,
    )
    # Returned without an end time (the import took them then): pending from January on.
    dossier("D3", received_at=vn(2024, 1, 4, 9), due_at=due, status="withdrawn")
    DossierMonth.objects.create(unit=unit, month=202312, scope="own", computed_at=due)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Dossier = apps.get_model("dossiers", "Dossier")
    dues = dict(Dossier.objects.values_list("external_id", "effective_due_at"))
    assert dues == {"D1": due + datetime.timedelta(days=1, seconds=42336), "D2": due, "D3": due}
    dirty = set(apps.get_model("dossiers", "DossierMonthDirty").objects.values_list("unit_id", "month"))
    now = datetime.datetime.now(VN)
    months = {202312, *range(202401, 202413)} | {
        year * 100 + month for year in range(2025, now.year + 1) for month in range(1, 13)
    }
    months = {month for month in months if month <= now.year * 100 + now.month}
    assert dirty == {(unit.pk, month) for month in months}
    jobs = apps.get_model("jobs", "Job").objects.values_list("kind", "key", "status")
    assert list(jobs) == [("dossiers.stats", "all", "pending")]
