# The 766 rule as the decision states it (issue 17): the due date a pending dossier is judged
# against, and the counts of dossiers ended by return or refusal. Filled by 0004.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_dossier_unit_completed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="effective_due_at",
            field=models.DateTimeField(null=True, verbose_name="due at, plus the citizen's supplement time"),
        ),
        migrations.AddField(
            model_name="dossiermonth",
            name="returned_on_time",
            field=models.PositiveIntegerField(default=0, verbose_name="returned or stopped on time"),
        ),
        migrations.AddField(
            model_name="dossiermonth",
            name="returned_late",
            field=models.PositiveIntegerField(default=0, verbose_name="returned or stopped late"),
        ),
    ]
