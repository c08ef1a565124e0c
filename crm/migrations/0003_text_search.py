"""The text search's folding function and trigram indexes (crm.textsearch).

PostgreSQL only: ``unaccent`` and ``pg_trgm`` are trusted extensions (a
database owner may create them); SQLite gets its ``crm_fold`` from Python.
"""

from django.db import migrations

FOLD = """
CREATE OR REPLACE FUNCTION crm_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
"""

# The columns the searches read, by table.
SEARCHED = {
    "contacts_contact": ("number", "name", "email", "phone", "mobile", "city"),
    "opportunities_opportunity": ("number", "description"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(FOLD)
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX {table}_{column}_fold_trgm ON {table} "
                f"USING gin (crm_fold({column}) gin_trgm_ops)"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_fold_trgm")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_fold(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_default_number_series"),
        ("contacts", "0002_contact_version"),
        ("opportunities", "0009_entry_note"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
