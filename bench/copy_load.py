"""What the benchmarks that fill a database of their own by COPY share: preparing it (refusing a
database that holds other data, emptying their tables), writing numpy-built rows and sentence
tallies by COPY, and the peak memory of the measuring process."""

import datetime
import functools
import io
import itertools
import sys
from pathlib import Path

CHUNK = 200_000  # rows per COPY write


def fresh_database(tables, url_prefix: str, user_prefix: str) -> None:
    """The benchmark's own database, created if missing, migrated, and its tables emptied of an
    earlier run's data (refusing a database that holds anything else)."""
    from django.core.management import call_command

    from bench.load_articles import create_database_if_missing

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    refuse_foreign_data(url_prefix, user_prefix)
    empty(tables)


def refuse_foreign_data(url_prefix: str, user_prefix: str) -> None:
    """The tables are emptied wholesale (TRUNCATE): only in a database holding nothing else."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM annotations_article WHERE url NOT LIKE %s)"
            " + (SELECT COUNT(*) FROM auth_user WHERE username NOT LIKE %s)",
            [f"{url_prefix}%", f"{user_prefix}%"],
        )
        if cursor.fetchone()[0]:
            sys.exit(
                f"{connection.settings_dict['NAME']} holds articles or users besides this "
                "benchmark's; point DATABASE_URL at a database of its own"
            )


def empty(tables) -> None:
    """Empty the tables and what refers to them; the work queue's rows too, which have no
    constraint for TRUNCATE ... CASCADE to follow."""
    from django.db import connection

    tables = ", ".join((*tables, "annotations_sentencework"))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def copy_rows(table: str, columns: str, chunks) -> None:
    """COPY text-format chunks (each a str of tab-separated lines) into the table."""
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)


def lines(*columns) -> str:
    """Tab-separated lines from equally long numpy columns (built column-wise, not row by row)."""
    import numpy as np

    text = columns[0].astype(str)
    for column in columns[1:]:
        text = np.char.add(np.char.add(text, "\t"), column.astype(str))
    buffer = io.StringIO()
    buffer.write("\n".join(text.tolist()))
    buffer.write("\n")
    return buffer.getvalue()


def chunks(count: int):
    """The ids 1..count in pieces of about CHUNK."""
    import numpy as np

    return np.array_split(np.arange(1, count + 1), max(1, count // CHUNK))


def peak_mb() -> float:
    """The process's peak resident memory: VmHWM, its image's high-water mark. (ru_maxrss would
    carry over the parent's peak through fork and exec on Linux: it read 800 MB in one run, the
    loading process's.)"""
    status = Path("/proc/self/status").read_text()
    [kilobytes] = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(kilobytes) / 1024


def copy_articles(count: int, url_prefix: str) -> None:
    """Articles 1..count, precomputed, their URLs under url_prefix."""
    import numpy as np
    from django.utils import timezone

    ids = np.arange(1, count + 1)
    copy_rows(
        "annotations_article",
        "id, title, url, published_on, body, content_hash, source_name, precompute_status, "
        "precompute_error, locked, hidden, created_at",
        [
            lines(
                ids,
                np.char.add("Bench article ", ids.astype(str)),
                np.char.add(url_prefix, ids.astype(str)),
                np.full(count, "2022-02-24"),
                np.full(count, "x"),
                np.full(count, "0" * 64),
                np.full(count, "bench"),
                np.full(count, "done"),
                np.full(count, ""),
                np.full(count, "f"),
                np.full(count, "f"),
                np.full(count, timezone.now().isoformat()),
            )
        ],
    )


def copy_tallies(sentence_ids, votes, scores, suggested, now: str) -> None:
    """The tallies of labelled sentences whose labels all wait for moderation, decided by
    labels.decide() as review.services.retally() decides them, written with COPY (retally's own
    writes take about 0.8 ms a sentence). Equally long: sentence_ids; votes, each sentence's
    (label, claimant) pairs in the order given; scores and suggested, its candidate's score and
    suggested label ("\\N" for none)."""
    import orjson

    from annotations.labels import Label, Vote, decide

    at = datetime.datetime.fromisoformat(now)

    @functools.cache
    def counted(votes: tuple, suggested: str) -> str:
        # The columns after sentence and score: the same for every sentence with these votes.
        decision = decide([Vote(label, claimant, "", "", at) for label, claimant in votes])
        expected = Label.NOT_CLAIM if suggested == "\\N" else suggested
        return "\t".join(
            map(
                str,
                (
                    len(votes),
                    len(votes),  # labels: none rejected
                    len({label for label, _ in votes}),
                    sum(label != expected for label, _ in votes),
                    len(votes),
                    "f",
                    decision.label or "",
                    decision.basis,
                    now if decision.decided_at else "\\N",
                    orjson.dumps(decision.counts).decode(),
                    "\\N" if decision.agreement is None else decision.agreement,
                    orjson.dumps(decision.claimants).decode(),
                    "[]",
                    "[]",
                ),
            )
        )

    def text():
        rows = zip(sentence_ids, votes, scores, suggested, strict=True)
        while part := list(itertools.islice(rows, CHUNK)):
            yield "".join(
                f"{pk}\t{score}\t{counted(tuple(pairs), label)}\n"
                for pk, pairs, score, label in part
            )

    copy_rows(
        "annotations_sentencetally",
        "sentence_id, score, votes, labels, distinct_labels, contradicting, pending, adjudicated, "
        "final_label, final_basis, final_at, label_counts, agreement, claimants, sources, "
        "evidence_urls",
        text(),
    )
