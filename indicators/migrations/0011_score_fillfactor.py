"""Scores' pages kept half empty on PostgreSQL (fillfactor 50), so that changing a score leaves its
new version on the same page: a HOT update, which writes none of the table's three indexes.

An import of a year's scores changes every score of an assessment, and an assessment's scores lie
together: on full pages each new version went to another page and into every index (100,000
changed scores: 379 of them HOT; the upsert 1.3–1.5 s of PostgreSQL CPU). With half of each page
free, every score of a page can be changed at once and stay on it (100,000 of 100,000 HOT; the
upsert 0.7–1.0 s). The price is twice the pages: reading a year's scores by criterion read 10–40 %
longer at the national size (bench/README.md, "The score import in one statement, its updates in
place").

Only pages written from now on are filled so: a score changed once moves to such a page, and is
changed in place after that. SQLite has no fill factor.
"""

from django.db import migrations


def _fillfactor(value):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            option = f"SET (fillfactor = {value})" if value else "RESET (fillfactor)"
            schema_editor.execute(f"ALTER TABLE indicators_score {option}", params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_score_check_per_statement")]

    operations = [migrations.RunPython(_fillfactor(50), _fillfactor(None))]
