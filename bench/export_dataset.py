"""Dataset export speed and memory: N sentences (100 to an article) each labelled by 2 of 10
reviewers and scored by the detector, written with COPY with their tallies, then ANALYZE; then
the JSONL and CSV exports (annotations.export.services.write_export into a file), each in a
fresh process, next to PostgreSQL's own COPY (SELECT ...) TO STDOUT of the same columns as the
ceiling.

    python bench/export_dataset.py [--sentences 1000000]

Uses DATABASE_URL (default: a database of its own, factcheck_bench_export on 127.0.0.1), which
it empties before loading and after timing. Targets: at least 40% of the COPY rate, and peak
memory (VmHWM of the exporting process) under 250 MB whatever the size.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.copy_load import (  # noqa: E402
    chunks,
    copy_articles,
    copy_rows,
    copy_tallies,
    empty,
    fresh_database,
    lines,
    peak_mb,
)
from bench.environment import use_database_bench_defaults  # noqa: E402

use_database_bench_defaults("factcheck_bench_export")

SENTENCES_PER_ARTICLE = 100
REVIEWERS = 10
TARGET_SHARE = 0.40
TARGET_MB = 250
TABLES = ("annotations_article", "annotations_detectorversion", "auth_user")
URL_PREFIX = "https://bench-export.example.org/"
USER_PREFIX = "bench-export-"
# The export's columns, joined as export_rows() reads them, in the same order: the ceiling.
COPY_SQL = """
COPY (
    SELECT s.id, s.index, s.paragraph, s.start, s."end", s.text,
           a.id, a.url, a.title, a.published_on,
           c.score, c.suggested_label, d.name,
           u.username, n.label, n.span_start, n.span_end, n.claimant, n.source_name,
           n.evidence_url, n.note, n.moderation_status, n.updated_at,
           j.label, j.reason, j.updated_at
    FROM annotations_sentence s
    JOIN annotations_article a ON a.id = s.article_id AND NOT a.hidden
    LEFT JOIN annotations_candidate c ON c.sentence_id = s.id
    LEFT JOIN annotations_detectorversion d ON d.id = c.detector_version_id
    LEFT JOIN annotations_annotation n
        ON n.sentence_id = s.id AND n.moderation_status IN ('pending', 'approved')
    LEFT JOIN auth_user u ON u.id = n.reviewer_id
    LEFT JOIN annotations_adjudication j ON j.sentence_id = s.id
    ORDER BY s.id, n.id
) TO STDOUT
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--export-only", choices=("jsonl", "csv"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.export_only:
        export(args.export_only)
        return
    fresh_database(TABLES, URL_PREFIX, USER_PREFIX)
    started = time.perf_counter()
    load(args.sentences)
    print(
        f"loaded {args.sentences:,} sentences, {2 * args.sentences:,} annotations and "
        f"{args.sentences:,} candidates in {time.perf_counter() - started:.1f} s"
    )
    ceiling = copy_rate(args.sentences)
    for format in ("jsonl", "csv"):
        # In a process of its own: its peak memory is the export's, not the loading's.
        result = subprocess.run(
            [sys.executable, __file__, "--export-only", format],
            check=True,
            capture_output=True,
            text=True,
        )
        rate, peak = (float(value) for value in result.stdout.split())
        share = rate / ceiling
        print(
            f"{format}: {rate:,.0f} sentences/s = {share:.0%} of COPY "
            f"(target >= {TARGET_SHARE:.0%}: {'met' if share >= TARGET_SHARE else 'NOT met'}); "
            f"peak memory {peak:.0f} MB (target < {TARGET_MB} MB: "
            f"{'met' if peak < TARGET_MB else 'NOT met'})"
        )
    empty(TABLES)


def copy_rate(sentences: int) -> float:
    """PostgreSQL's COPY of the joined columns to this process (read and dropped): sentences/s."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        size = 0
        with cursor.cursor.copy(COPY_SQL) as copy:
            for data in copy:
                size += len(data)
        seconds = time.perf_counter() - started
    print(
        f"COPY (SELECT ...) TO STDOUT: {size / 2**20:,.0f} MB in {seconds:.1f} s, "
        f"{sentences / seconds:,.0f} sentences/s"
    )
    return sentences / seconds


def export(format: str) -> None:
    """One export into a temporary file; prints sentences/s and the peak memory in MB."""
    from annotations.export.services import ExportOptions, write_export

    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        result = write_export(out, ExportOptions(format=format, salt="bench"))
        seconds = time.perf_counter() - started
    print(result.rows / seconds, peak_mb())


def load(sentences: int) -> None:
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.detection.models import DetectorVersion
    from annotations.labels import Label

    rng = np.random.default_rng(13)
    now = timezone.now().isoformat()
    articles = sentences // SENTENCES_PER_ARTICLE
    with transaction.atomic():
        copy_articles(articles, URL_PREFIX)

        def text(ids):
            # About 80 characters, like a news sentence.
            return np.char.add(
                np.char.add("Officials said shelling hit the plant ", ids.astype(str)),
                " times overnight, the ministry reported.",
            )

        copy_rows(
            "annotations_sentence",
            'id, article_id, index, paragraph, start, "end", text',
            (
                lines(
                    ids,
                    (ids - 1) // SENTENCES_PER_ARTICLE + 1,
                    (ids - 1) % SENTENCES_PER_ARTICLE,
                    (ids - 1) % SENTENCES_PER_ARTICLE // 3,
                    np.zeros(len(ids), dtype=int),
                    np.char.str_len(text(ids)),
                    text(ids),
                )
                for ids in chunks(sentences)
            ),
        )
        detector_id = DetectorVersion.objects.create(name="bench-rules", rules_version="bench").pk
        scores = rng.random(sentences).round(4)
        suggested = np.where(scores >= 0.5, "sourced", "\\N")
        copy_rows(
            "annotations_candidate",
            "sentence_id, detector_version_id, score, suggested_label, reasons",
            (
                lines(
                    ids,
                    np.full(len(ids), detector_id),
                    scores[ids - 1],
                    suggested[ids - 1],
                    np.full(len(ids), "{}"),
                )
                for ids in chunks(sentences)
            ),
        )
        reviewers = User.objects.bulk_create(
            User(username=f"{USER_PREFIX}{n}") for n in range(REVIEWERS)
        )
        reviewer_ids = np.array([user.pk for user in reviewers])
        labels = np.array(Label.values)
        first = rng.integers(0, REVIEWERS, sentences)
        second = (first + rng.integers(1, REVIEWERS, sentences)) % REVIEWERS
        label_first = rng.choice(len(labels), sentences, p=[0.3, 0.2, 0.05, 0.45])
        label_second = np.where(
            rng.random(sentences) < 0.65, label_first, rng.integers(0, len(labels), sentences)
        )
        reviewer = reviewer_ids[np.stack([first, second], axis=1).ravel()]
        label = labels[np.stack([label_first, label_second], axis=1).ravel()]
        sentence = np.repeat(np.arange(1, sentences + 1), 2)
        claimant = np.where(label == "not_claim", "", "Defence ministry")
        copy_rows(
            "annotations_annotation",
            "sentence_id, reviewer_id, label, claimant, source_name, evidence_url, note, "
            "moderation_status, moderation_reason, version, created_at, updated_at",
            (
                lines(
                    sentence[part - 1],
                    reviewer[part - 1],
                    label[part - 1],
                    claimant[part - 1],
                    np.full(len(part), ""),
                    np.full(len(part), ""),
                    np.full(len(part), ""),
                    np.full(len(part), "pending"),
                    np.full(len(part), ""),
                    np.full(len(part), 1),
                    np.full(len(part), now),
                    np.full(len(part), now),
                )
                for part in chunks(2 * sentences)
            ),
        )
        votes = list(zip(label.tolist(), claimant.tolist(), strict=True))
        copy_tallies(
            range(1, sentences + 1),
            zip(votes[0::2], votes[1::2], strict=True),
            scores,
            suggested,
            now,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
