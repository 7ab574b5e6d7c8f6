"""The 766 rule as the decision states it (issue 17): fill every dossier's effective due date, then
have the statistics recomputed under the new rules.

The statistics are not recomputed here: that would import dossiers.stats, app code that changes
after this migration is written, and hold the migration for minutes on a large table. Instead,
every unit-month the new rules may change is marked dirty, in bulk, in SQL, and the incremental
statistics job is requested (a pending job, which jobs_sweep sends within a minute; the nightly
full recompute would catch everything too). The marked unit-months: every month a dossier was
received or ended in, every month that has statistics, and every month from receipt to now of a
dossier returned or withdrawn without an end time (pending under the new rules)."""

import datetime

from django.db import migrations
from django.utils import timezone

BATCH = 5000


def fill_effective_due(apps, schema_editor):
    """effective_due_at = due_at + supplement_days, as dossiers.measures.effective_due computes it
    (a whole number of seconds: two decimals of a day are a multiple of 864 s)."""
    connection = schema_editor.connection
    Dossier = apps.get_model("dossiers", "Dossier")
    table = Dossier._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET effective_due_at = "
                "due_at + make_interval(secs => (supplement_days * 86400)::double precision)"
            )
        return
    batch = []
    for dossier in Dossier.objects.only("pk", "due_at", "supplement_days").iterator(chunk_size=BATCH):
        dossier.effective_due_at = dossier.due_at + datetime.timedelta(days=float(dossier.supplement_days or 0))
        batch.append(dossier)
        if len(batch) == BATCH:
            Dossier.objects.bulk_update(batch, ["effective_due_at"])
            batch = []
    Dossier.objects.bulk_update(batch, ["effective_due_at"])


def mark_dirty(apps, schema_editor):
    connection = schema_editor.connection
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierMonth = apps.get_model("dossiers", "DossierMonth")
    DossierMonthDirty = apps.get_model("dossiers", "DossierMonthDirty")
    Job = apps.get_model("jobs", "Job")
    local = timezone.localtime(timezone.now())
    now_month = local.year * 100 + local.month
    dossier, month, dirty = Dossier._meta.db_table, DossierMonth._meta.db_table, DossierMonthDirty._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE open_months(unit_id, month) AS (
                SELECT unit_id, received_month FROM {dossier}
                WHERE completed_at IS NULL AND status <> 'pending'
                UNION
                SELECT unit_id, CASE WHEN month %% 100 = 12 THEN month + 89 ELSE month + 1 END
                FROM open_months WHERE month < %s
            ),
            marks(unit_id, month) AS (
                SELECT unit_id, received_month FROM {dossier}
                UNION SELECT unit_id, completed_month FROM {dossier} WHERE completed_month IS NOT NULL
                UNION SELECT unit_id, month FROM {month} WHERE scope = 'own'
                UNION SELECT unit_id, month FROM open_months
            )
            INSERT INTO {dirty} (unit_id, month)
            SELECT unit_id, month FROM marks WHERE 1 = 1
            ON CONFLICT (unit_id, month) DO NOTHING
            """,
            [now_month],
        )
    if DossierMonthDirty.objects.exists():
        Job.objects.get_or_create(kind="dossiers.stats", key="all", status="pending", defaults={"arguments": {}})


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_rule766_columns"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fill_effective_due, migrations.RunPython.noop),
        migrations.RunPython(mark_dirty, migrations.RunPython.noop),
    ]
