from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_rule766_recompute"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dossier",
            name="effective_due_at",
            field=models.DateTimeField(verbose_name="due at, plus the citizen's supplement time"),
        ),
    ]
