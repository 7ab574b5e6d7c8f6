"""Migration operations of our own."""

from django.db import migrations


def covered_index_drop(table, column):
    """Drop the index Django gives a foreign key of its own, when another index leading with the
    same column serves every lookup: each index is written for every row an import adds.

    Pair it with the field's AlterField(db_index=False) in SeparateDatabaseAndState's state: the
    AlterField itself would rebuild the table on SQLite (create, copy, rename), which breaks the
    triggers that name it. Reversed, the index is made again under Django's name for it."""

    def indexes(schema_editor):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        return [
            name
            for name, about in constraints.items()
            if about["index"] and not about["unique"] and about["columns"] == [column]
        ]

    def drop(apps, schema_editor):
        for name in indexes(schema_editor):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def create(apps, schema_editor):
        if not indexes(schema_editor):
            name = schema_editor._create_index_name(table, [column])
            quote = schema_editor.quote_name
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")

    return migrations.RunPython(drop, create)
