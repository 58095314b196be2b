"""Agreement over 2,000,000 annotations: 1,000,000 sentences in 10,000 articles, each sentence
labelled by 2 of 10 reviewers (who disagree on about a third), 1% of labels rejected; written
with COPY, then ANALYZE; then agreement.services.measure() over the whole project is timed.

    python bench/agreement.py [--runs 3]

Uses DATABASE_URL (default: a database of its own, factcheck_bench_agree on 127.0.0.1), which it
empties before loading and after timing. Targets: under 10 s and under 500 MB peak memory (the
measuring process's peak resident set).
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.copy_load import (  # noqa: E402
    CHUNK,
    copy_articles,
    copy_rows,
    empty,
    fresh_database,
    lines,
    peak_mb,
)
from bench.environment import use_database_bench_defaults  # noqa: E402

use_database_bench_defaults("factcheck_bench_agree")

ARTICLES = 10_000
SENTENCES_PER_ARTICLE = 100
REVIEWERS = 10
AGREE = 0.65  # chance the second reviewer gives the first one's label
REJECTED = 0.01
TARGET_SECONDS = 10
TARGET_MB = 500
TABLES = ("annotations_article", "auth_user")
URL_PREFIX = "https://bench-agreement.example.org/"
USER_PREFIX = "bench-agreement-"  # emptied (with what refers to them) before/after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of measure()")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.measure_only:
        time_measure(args.runs)
        return
    from annotations.agreement.services import measure_articles

    fresh_database(TABLES, URL_PREFIX, USER_PREFIX)
    started = time.perf_counter()
    load()
    loaded = count("annotations_annotation")
    print(f"loaded {loaded:,} annotations in {time.perf_counter() - started:.1f} s")
    # In a process of its own: its peak memory is that of measuring, not of generating the data.
    command = [sys.executable, __file__, "--measure-only", "--runs", str(args.runs)]
    subprocess.run(command, check=True)
    started = time.perf_counter()
    per_article = measure_articles(range(1, ARTICLES + 1))
    print(
        f"measure_articles() of all {len(per_article):,} articles (a first refresh): "
        f"{time.perf_counter() - started:.1f} s"
    )
    empty(TABLES)


def time_measure(runs: int) -> None:
    from django.db import connection

    from annotations.agreement.services import measure

    timings = []
    for _ in range(runs):
        queries = []
        with connection.execute_wrapper(timed(queries)):
            started = time.perf_counter()
            figures = measure()
            timings.append(time.perf_counter() - started)
    report(figures, timings, queries)


def timed(queries: list):
    """A query wrapper noting each query's time: the database's work, as the rows it returns
    are few."""

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql.split("FROM")[0][:60]))

    return wrapper


def report(figures: dict, timings: list[float], queries) -> None:
    wall = statistics.median(timings)
    peak = peak_mb()
    print(
        f"measure(): {figures['annotations']:,} counted annotations, {figures['sentences']:,} "
        f"sentences, {figures['reviewers']} reviewers, {len(figures['pairs'])} pairs; "
        f"alpha {figures['krippendorff_alpha']['value']:.3f}, Fleiss kappa "
        f"{figures['fleiss_kappa']['value']:.3f} (m={figures['fleiss_kappa']['raters']}), "
        f"agreement {figures['percent_agreement']['value']:.3f}"
    )
    runs = ", ".join(f"{t:.2f}" for t in timings)
    print(
        f"wall time: median {wall:.2f} s over {len(timings)} runs ({runs}) "
        f"(target < {TARGET_SECONDS} s: {'met' if wall < TARGET_SECONDS else 'NOT met'})"
    )
    for seconds, sql in queries:
        print(f"  last run, query {seconds:5.2f} s: {sql}...")
    print(
        f"peak memory: {peak:.0f} MB (max RSS of the measuring process, Django included) "
        f"(target < {TARGET_MB} MB: {'met' if peak < TARGET_MB else 'NOT met'})"
    )


def count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def load() -> None:
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.labels import Label

    rng = np.random.default_rng(12)
    now = timezone.now().isoformat()
    with transaction.atomic():
        copy_articles(ARTICLES, URL_PREFIX)
        sentences = ARTICLES * SENTENCES_PER_ARTICLE
        copy_rows(
            "annotations_sentence",
            'id, article_id, index, paragraph, start, "end", text',
            (
                lines(
                    ids,
                    (ids - 1) // SENTENCES_PER_ARTICLE + 1,
                    (ids - 1) % SENTENCES_PER_ARTICLE,
                    (ids - 1) % SENTENCES_PER_ARTICLE,
                    np.zeros(len(ids), dtype=int),
                    np.ones(len(ids), dtype=int),
                    np.full(len(ids), "x"),
                )
                for ids in np.array_split(np.arange(1, sentences + 1), sentences // CHUNK)
            ),
        )
        reviewers = User.objects.bulk_create(
            User(username=f"{USER_PREFIX}{n}") for n in range(REVIEWERS)
        )
        reviewer_ids = np.array([user.pk for user in reviewers])
        labels = np.array(Label.values)
        # Two different reviewers per sentence; the second agrees with the first AGREE of the time.
        first = rng.integers(0, REVIEWERS, sentences)
        second = (first + rng.integers(1, REVIEWERS, sentences)) % REVIEWERS
        label_first = rng.choice(len(labels), sentences, p=[0.3, 0.2, 0.05, 0.45])
        label_second = np.where(
            rng.random(sentences) < AGREE, label_first, rng.integers(0, len(labels), sentences)
        )
        sentence = np.repeat(np.arange(1, sentences + 1), 2)
        reviewer = reviewer_ids[np.stack([first, second], axis=1).ravel()]
        label = labels[np.stack([label_first, label_second], axis=1).ravel()]
        status = np.where(rng.random(2 * sentences) < REJECTED, "rejected", "pending")
        total = 2 * sentences
        copy_rows(
            "annotations_annotation",
            "sentence_id, reviewer_id, label, claimant, source_name, evidence_url, note, "
            "moderation_status, moderation_reason, version, created_at, updated_at",
            (
                lines(
                    sentence[part],
                    reviewer[part],
                    label[part],
                    *(np.full(len(part), "") for _ in range(4)),
                    status[part],
                    np.full(len(part), ""),
                    np.ones(len(part), dtype=int),
                    np.full(len(part), now),
                    np.full(len(part), now),
                )
                for part in np.array_split(np.arange(total), total // CHUNK)
            ),
        )
        with connection.cursor() as cursor:
            for table in ("annotations_article", "annotations_sentence"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
