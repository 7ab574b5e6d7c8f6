"""Issue 21: a source system writes only the dossiers of the units it serves.

The sources registered before this keep writing every unit's dossiers, explicitly: all_units is
added as True for the existing rows, then its default for new sources becomes False (a new source
serves nothing until the administrator names its units)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_dossier_effective_due_at_required"),
        ("units", "0002_headrating"),
    ]

    operations = [
        migrations.AddField(
            model_name="sourcesystem",
            name="all_units",
            field=models.BooleanField(
                default=True,
                help_text="The province's own one-stop system: it may send the dossiers of any unit.",
                verbose_name="every unit",
            ),
        ),
        migrations.AlterField(
            model_name="sourcesystem",
            name="all_units",
            field=models.BooleanField(
                default=False,
                help_text="The province's own one-stop system: it may send the dossiers of any unit.",
                verbose_name="every unit",
            ),
        ),
        migrations.AddField(
            model_name="sourcesystem",
            name="units",
            field=models.ManyToManyField(
                blank=True,
                help_text="It may send the dossiers of these units and of every unit under them.",
                related_name="+",
                to="units.unit",
                verbose_name="units served",
            ),
        ),
    ]
