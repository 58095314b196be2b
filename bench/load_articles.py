"""Load N generated articles into PostgreSQL; compare the whole load with the database's own
bulk-load ceiling, measured in the same run.

    python bench/load_articles.py [--articles 2000] [--runs 3]

Uses DATABASE_URL (default: a throwaway database factcheck_bench on 127.0.0.1) and
CELERY_BROKER_URL/REDIS_URL (default redis://127.0.0.1:6379/15) with a queue of its own, so the
on-commit enqueue is real but no worker runs the precompute.

The ceiling: the same articles, parsed and split beforehand, written as the load writes them
(their article and sentence rows, the same tables with the same indexes and constraints) but in
one COPY per table and one committed transaction, nothing else. The whole load: ingest_files()
from the files' bytes (parse, segment, check, write in batches, announce, commit, ANALYZE).
Target: the whole load at >= 60% of the ceiling's rate. Also printed: the ceiling with the
sentences' work-queue rows (assignment's bookkeeping, which the load writes in the same
transaction), to tell the load's own overhead from that table's cost. Each run starts from empty
tables.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import use_bench_defaults  # noqa: E402

use_bench_defaults()
URL_PREFIX = "https://news.example.org/"
TABLES = ["annotations_article", "annotations_sentence"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from annotations.corpus.seedfile import parse_seed_file
    from annotations.corpus.segmenter import split_sentences
    from annotations.corpus.services import ingest_files
    from bench.copy_load import empty, fresh_database
    from bench.generate import articles
    from factcheck.celery import app

    fresh_database(TABLES, URL_PREFIX, "bench-")
    files = articles(args.articles)
    started = time.perf_counter()
    seeds = [parse_seed_file(name, data) for name, data in files]
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    segmented = [(seed, split_sentences(seed.body)) for seed in seeds]
    segment_seconds = time.perf_counter() - started
    sentence_count = sum(len(spans) for _, spans in segmented)

    ceiling, with_queue, load = [], [], []
    for _ in range(args.runs):
        empty(TABLES)
        ceiling.append(copy_seconds(segmented))
        empty(TABLES)
        with_queue.append(copy_seconds(segmented, work_queue=True))
        empty(TABLES)
        started = time.perf_counter()
        outcomes = list(ingest_files(files))
        load.append(time.perf_counter() - started)
        assert all(o.status == "loaded" for o in outcomes), outcomes[:3]
    empty(TABLES)
    app.control.purge()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"articles: {len(files)}, sentences: {sentence_count}, runs: {args.runs} (medians)")
    for name, seconds in (
        ("COPY ceiling", statistics.median(ceiling)),
        ("+ work queue", statistics.median(with_queue)),
        ("whole load", statistics.median(load)),
    ):
        print(
            f"{name:>13}: {len(files) / seconds:9,.0f} articles/s "
            f"{sentence_count / seconds:11,.0f} sentences/s ({seconds:.2f} s)"
        )
    ratio = statistics.median(ceiling) / statistics.median(load)
    print(f"whole load runs at {ratio:.0%} of the COPY ceiling's rate (target >= 60%)")
    ratio = statistics.median(with_queue) / statistics.median(load)
    print(f"and at {ratio:.0%} of the ceiling with the work queue's rows")
    print(f"of which alone: parsing {parse_seconds:.2f} s, segmenting {segment_seconds:.2f} s")


def copy_seconds(segmented: list, work_queue: bool = False) -> float:
    """Seconds to write the articles' rows and their sentences' rows with one COPY per table,
    committed: the database's own bulk-load rate for exactly what the load writes. The tables
    were just emptied with their sequences restarted, so the articles' ids are 1, 2, ...
    work_queue: the sentences' work-queue rows too, written as the load writes them (one
    INSERT ... SELECT in the same transaction), the bookkeeping the load cannot do without."""
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.assignment.services import add_stored_articles
    from annotations.bulk import insert_rows
    from annotations.corpus.models import Article, Sentence
    from annotations.corpus.services import SENTENCE_COLUMNS, _article_row

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The rows exactly as the load makes them (its own row builder), built before the clock.
    articles = [_article_row(seed, len(spans), now) for seed, spans in segmented]
    article_rows = [(pk, *row.values()) for pk, row in enumerate(articles, start=1)]
    sentence_rows = [
        (pk, index, span.paragraph, span.start, span.end, span.text)
        for pk, (_, spans) in enumerate(segmented, start=1)
        for index, span in enumerate(spans)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        insert_rows(Article, ("id", *articles[0]), article_rows)
        insert_rows(Sentence, SENTENCE_COLUMNS, sentence_rows)
        if work_queue:
            add_stored_articles(Article, article_ids=[pk for pk, *_ in article_rows])
    return time.perf_counter() - started


def create_database_if_missing() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    with server_connection() as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]])
        if not exists.fetchone():
            admin.execute(f'CREATE DATABASE "{database["NAME"]}"')


def drop_database() -> None:
    """Drop the benchmark's own database (Django's connection to it closed first)."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    with server_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{settings.DATABASES["default"]["NAME"]}"')


def server_connection():
    """A connection to the PostgreSQL server of DATABASE_URL, outside the benchmark's database
    (which cannot be created or dropped from inside)."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        dbname="postgres",
        autocommit=True,
    )


if __name__ == "__main__":
    main()
