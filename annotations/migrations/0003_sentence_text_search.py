"""Full-text search index on sentence text, PostgreSQL only (SQLite searches by substring)."""

from django.db import migrations

# Must match the expression selectors.search_sentences() filters on.
CREATE = (
    "CREATE INDEX IF NOT EXISTS sentence_text_search ON annotations_sentence "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)
DROP = "DROP INDEX IF EXISTS sentence_text_search"


def run_on_postgres(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_candidates_annotations_webhooks")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
