"""Drop the score's own index on assessment: the unique (assessment, criterion) serves every lookup
by assessment, and an import writes each index of every score it changes.

The index is dropped by name rather than by AlterField, which on SQLite rebuilds the whole table
and breaks the triggers that name it (indicators_criterion_max_covers_scores)."""

import django.db.models.deletion
from django.db import migrations, models


def _assessment_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "indicators_score")
    return [
        name
        for name, about in constraints.items()
        if about["index"] and not about["unique"] and about["columns"] == ["assessment_id"]
    ]


def drop_index(apps, schema_editor):
    for name in _assessment_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_index(apps, schema_editor):
    if not _assessment_indexes(schema_editor):
        schema_editor.execute(
            'CREATE INDEX "indicators_score_assessment_id_33d33f20" ON "indicators_score" ("assessment_id")'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_target"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="score",
                    name="assessment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="indicators.assessment",
                        verbose_name="assessment",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
    ]
