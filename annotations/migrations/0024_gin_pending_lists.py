"""Short pending lists for the GIN indexes (sentence search, article title and URL search),
PostgreSQL only. New rows wait in an index's pending list until it is merged into the index,
and every search reads the whole list: by autovacuum, or when the list outgrows this limit.
With autovacuum off, PostgreSQL's default of 4 MB let each search read about 440 pages of it
(12 ms of a two-word search at 2,000,000 sentences); 256 kB bounds that at 32, while a load
still merges its new rows in batches."""

from django.db import migrations

INDEXES = ["sentence_text_search", "article_title_trigrams", "article_url_trigrams"]


def alter(option: str):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in INDEXES:
                schema_editor.execute(f"ALTER INDEX IF EXISTS {name} {option}")

    return operation


class Migration(migrations.Migration):
    dependencies = [("annotations", "0023_annotation_by_reviewer")]

    operations = [
        migrations.RunPython(
            alter("SET (gin_pending_list_limit = 256)"), alter("RESET (gin_pending_list_limit)")
        )
    ]
