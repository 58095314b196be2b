"""Load N generated articles into PostgreSQL; compare the whole load with the segmenter alone.

    python bench/load_articles.py [--articles 2000]

Uses DATABASE_URL (default: a throwaway database factcheck_bench on 127.0.0.1) and
CELERY_BROKER_URL/REDIS_URL (default redis://127.0.0.1:6379/15) with a queue of its own, so the
on-commit enqueue is real but no worker runs the precompute. Target: whole load >= 50% of the
segmenter-alone rate.

It then measures the database writes alone, as the load does them but without the full-text
search index and without committing (rolled back): the fastest any load into this schema could
write, which bounds the ratio the target asks for.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import use_bench_defaults  # noqa: E402

use_bench_defaults()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from annotations.corpus.models import Article
    from annotations.corpus.seedfile import parse_seed_file
    from annotations.corpus.segmenter import split_sentences
    from annotations.corpus.services import ingest_files
    from bench.generate import articles
    from factcheck.celery import app

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    Article.objects.all().delete()
    files = articles(args.articles)
    bodies = [parse_seed_file(name, data).body for name, data in files]

    started = time.perf_counter()
    sentence_count = sum(len(split_sentences(body)) for body in bodies)
    segmenter_seconds = time.perf_counter() - started

    started = time.perf_counter()
    outcomes = list(ingest_files(files))
    load_seconds = time.perf_counter() - started
    assert all(o.status == "loaded" for o in outcomes), outcomes[:3]

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"articles: {len(files)}, sentences: {sentence_count}")
    for name, seconds in (("segmenter alone", segmenter_seconds), ("whole load", load_seconds)):
        print(
            f"{name:>16}: {len(files) / seconds:10,.0f} articles/s "
            f"{sentence_count / seconds:12,.0f} sentences/s ({seconds:.2f} s)"
        )
    ratio = segmenter_seconds / load_seconds
    print(f"whole load runs at {ratio:.0%} of the segmenter-alone rate (target >= 50%)")
    Article.objects.all().delete()

    if connection.vendor == "postgresql":
        started = time.perf_counter()
        seeds = [parse_seed_file(name, data) for name, data in files]
        parse_seconds = time.perf_counter() - started
        write_seconds = database_writes_seconds(seeds)
        bound = segmenter_seconds / (parse_seconds + segmenter_seconds + write_seconds)
        print(
            f"parse alone {parse_seconds:.2f} s; database writes alone, without the search index "
            f"or a commit, {write_seconds:.2f} s: a load doing only these would run at "
            f"{bound:.0%} of the segmenter-alone rate"
        )
    app.control.purge()


def database_writes_seconds(seeds: list) -> float:
    """Seconds the load's own writes take without the search index, rolled back afterwards."""
    from django.db import connection, transaction

    from annotations.corpus.segmenter import split_sentences
    from annotations.corpus.services import BATCH_SIZE, store_segmented

    segmented = {
        position: (seed, split_sentences(seed.body)) for position, seed in enumerate(seeds)
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX sentence_text_search")  # of migration 0003
        started = time.perf_counter()
        items = list(segmented.items())
        for first in range(0, len(items), BATCH_SIZE):
            store_segmented(dict(items[first : first + BATCH_SIZE]))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


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
