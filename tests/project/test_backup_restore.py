"""The backup and restore recipe of docs/operations.md, run as written: pg_dump -Fc of a
database holding articles, annotations, their history and adjudications, pg_restore into a new
database, and everything found there again, row for row."""

import psycopg
import pytest
from django.db import connection

from annotations.corpus.models import Article, Sentence
from annotations.corpus.services import ingest_files
from annotations.moderation.services import adjudicate, moderate
from annotations.review.models import Adjudication, Annotation, History
from annotations.review.services import annotation_save
from tests.conftest import SEED_ARTICLE, make_reviewer
from tests.project.databases import database_url, run_tool, scratch_database
from tests.services import require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
# Every row of these tables is compared; the others by count.
COMPARED = [Article, Sentence, Annotation, History, Adjudication]


def test_a_dump_restores_articles_annotations_history_and_adjudications(tmp_path, superuser):
    require_postgres()
    [loaded] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    first, second, third = Sentence.objects.filter(article_id=loaded.article_id)[:3]
    alice, bob = make_reviewer("alice"), make_reviewer("bob")
    for reviewer, label in ((alice, "sourced"), (bob, "disputed")):
        annotation_save(sentence=first, reviewer=reviewer, changes={"label": label})
    annotation_save(sentence=second, reviewer=alice, changes={"label": "false_flag", "note": "é"})
    annotation, _ = annotation_save(sentence=third, reviewer=bob, changes={"label": "sourced"})
    moderate(annotation=annotation, actor=superuser, decision="approve")
    adjudicate(sentence=first, actor=superuser, label="disputed", reason="the sources disagree")
    assert History.objects.count() >= 6 and Adjudication.objects.count() == 1

    # docs/operations.md, "Backup and restore".
    source = database_url(connection.settings_dict["NAME"])
    dump = tmp_path / "factcheck.dump"
    run_tool("pg_dump", "--format=custom", "--no-owner", f"--dbname={source}", f"--file={dump}")
    with scratch_database("factcheck_restored") as restored:
        run_tool("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump))
        # Both read the same way (plain psycopg), so each value compares as its type.
        with psycopg.connect(source) as original, psycopg.connect(restored) as copy:
            for table in connection.introspection.table_names():
                query = f"SELECT count(*) FROM {connection.ops.quote_name(table)}"
                assert copy.execute(query).fetchone() == original.execute(query).fetchone(), table
            for model in COMPARED:
                query = f"SELECT * FROM {model._meta.db_table} ORDER BY id"
                rows = original.execute(query).fetchall()
                assert rows, model.__name__
                assert copy.execute(query).fetchall() == rows, model.__name__
