"""Drop the dossier's and the monthly statistics' own index on the unit: indexes leading with the
unit serve every lookup by it, and each index is written for every dossier an import adds."""

import django.db.models.deletion
from django.db import migrations, models

from reformdash.lib.migrations import covered_index_drop


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_dossiermonth_computed_at_index"),
        ("units", "0004_unit_commune_type_and_place"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dossier",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dossiers",
                        to="units.unit",
                        verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossiermonth",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dossier_months",
                        to="units.unit",
                        verbose_name="unit",
                    ),
                ),
            ],
            database_operations=[
                covered_index_drop("dossiers_dossier", "unit_id"),
                covered_index_drop("dossiers_dossiermonth", "unit_id"),
            ],
        ),
    ]
