"""Trigram indexes for the article list's search in titles and URLs, PostgreSQL only (SQLite
scans its few rows): pg_trgm, a trusted extension that ships with PostgreSQL."""

from django.db import migrations

# The expressions Django's icontains filters on (UPPER(column::text) LIKE UPPER(...)), so that
# the indexes serve review.selectors.filter_articles().
INDEXES = {
    "article_title_trigrams": "title",
    "article_url_trigrams": "url",
}
# Left in place when migrating back: other databases' objects may use the extension.
CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS {name} ON annotations_article "
    f"USING gin (UPPER({column}::text) gin_trgm_ops)"
    for name, column in INDEXES.items()
]
DROP = [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]


def run_on_postgres(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("annotations", "0020_list_figures")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
