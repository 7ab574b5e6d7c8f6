"""Drop the score's own index on assessment: the unique (assessment, criterion) serves every lookup
by assessment, and an import writes each index of every score it changes."""

import django.db.models.deletion
from django.db import migrations, models

from reformdash.lib.migrations import covered_index_drop


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
            database_operations=[covered_index_drop("indicators_score", "assessment_id")],
        ),
    ]
