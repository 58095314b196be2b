"""On PostgreSQL the database writes JSONL and CSV exports itself (COPY ... TO STDOUT, from the
stored tallies): what it writes must be what the rows built in Python give, filters included."""

import csv
import datetime
import io
import json
import threading

import orjson
import pytest
from django.db import connections

from annotations.export import formats, services
from annotations.export.selectors import ExportFilters
from annotations.moderation.services import adjudicate
from tests.conftest import make_reviewer
from tests.export.conftest import SALT, all_rows, exported
from tests.reviewing import label, load_article, sentence
from tests.services import require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FILTERS = {
    "everything": ExportFilters(),
    "labels": ExportFilters(labels=("sourced", "false_flag")),
    "bases": ExportFilters(bases=("tie", "unlabelled")),
    "agreement": ExportFilters(min_agreement=1.0),
    "dates": ExportFilters(since=datetime.date(2023, 1, 1)),
    "rejected listed": ExportFilters(statuses=("pending", "approved", "rejected")),
}


@pytest.fixture
def copied(monkeypatch) -> list:
    """The format of each part of each export the database wrote (so a test knows it did)."""
    statements = []
    real = services.copy_statement

    def copy_statement(*args, **kwargs):
        statements.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "copy_statement", copy_statement)
    return statements


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
def test_the_database_writes_the_jsonl_rows_python_builds(dataset, copied, filters):
    require_postgres()
    data, result = exported("jsonl", filters=filters)
    assert copied, "the database did not write this export"
    expected = [json.loads(orjson.dumps(row)) for row in all_rows(filters)]
    assert [json.loads(line) for line in data.splitlines()] == expected
    assert result.rows == len(expected) > 0
    finals = [row["final_label"] or "unlabelled" for row in expected]
    assert result.label_counts == {label: finals.count(label) for label in result.label_counts}


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
def test_the_database_writes_the_csv_python_writes(dataset, copied, filters):
    require_postgres()
    data, result = exported("csv", filters=filters)
    assert copied, "the database did not write this export"
    written = io.BytesIO()
    writer = formats.CsvWriter(written)
    writer.write(all_rows(filters))
    assert _cells(data) == _cells(written.getvalue())
    assert result.rows == len(_cells(data)) - 1


def _cells(data: bytes) -> list[list]:
    """The CSV's cells, numbers as numbers (the database writes 1.0 as "1")."""
    return [[_number(cell) for cell in row] for row in csv.reader(io.StringIO(data.decode()))]


def _number(cell: str):
    try:
        return float(cell)
    except ValueError:
        return cell


def test_real_names_and_the_byte_order_mark(dataset, copied, reviewer):
    require_postgres()
    data, _ = exported("jsonl", real_names=True)
    names = {a["reviewer"] for line in data.splitlines() for a in json.loads(line)["annotations"]}
    assert reviewer.username in names
    marked, _ = exported("csv", bom=True)
    assert marked.startswith(formats.BOM + b"article_id,") and set(copied) == {"jsonl", "csv"}


PRINTABLE = 'say "no" \\ C:\\path\ttab </script> é ✓ 🙂'
HOSTILE = f"{PRINTABLE}\r\nnew line \x01\x1f"


def test_text_that_json_must_escape_is_written_as_python_writes_it(dataset, copied, moderator):
    """The database builds the JSON lines as text: quotes, backslashes, control characters and
    non-ASCII in every text it writes (article, sentence, annotation, adjudication, reviewer)."""
    require_postgres()
    article = load_article(
        title=f"Title {PRINTABLE}",
        url="https://news.example.com/escapes?q=%22a%22&b=%5C",
        date="20240101",
        body=f"It said {PRINTABLE} again.",
    )
    odd = make_reviewer('o"dd\\name')
    label(
        sentence(article, 0),
        odd,
        "sourced",
        claimant=HOSTILE[:60],
        source_name=HOSTILE[:60],
        evidence_url="https://example.org/a?b=%22c%22",
        note=HOSTILE,
    )
    adjudicate(sentence=sentence(article, 0), actor=moderator, label="sourced", reason=HOSTILE)
    for real_names in (False, True):
        data, _ = exported("jsonl", real_names=real_names)
        expected = all_rows(real_names=real_names)
        assert [json.loads(line) for line in data.splitlines()] == [
            json.loads(orjson.dumps(row)) for row in expected
        ]
    written = [json.loads(line) for line in data.splitlines()]
    assert HOSTILE in {a["note"] for row in written for a in row["annotations"]}
    assert set(copied) == {"jsonl"}


def test_a_reviewer_filter_or_a_status_left_out_is_exported_from_python_rows(dataset, copied):
    """The tallies count every pending and approved label: an export that counts fewer
    builds its rows here, and still counts what it keeps."""
    require_postgres()
    data, _ = exported("jsonl", filters=ExportFilters(statuses=("approved",)))
    assert not copied
    assert all(sum(json.loads(line)["label_counts"].values()) == 0 for line in data.splitlines())


def test_a_label_written_while_the_database_writes_the_export_is_not_in_it(
    dataset, copied, monkeypatch, other_reviewer, settings
):
    """The totals and the rows, each part's on its own connection, are read in one snapshot: a
    label committed between the reads appears in none."""
    require_postgres()
    settings.EXPORT_COPY_PARTS = 6  # a part for each row
    real_totals = services.copy_totals

    def totals_then_a_new_label(filters):
        totals = real_totals(filters)

        def write_elsewhere():
            try:
                label(dataset.unlabelled, other_reviewer, "disputed")
            finally:
                connections.close_all()

        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join()
        return totals

    monkeypatch.setattr(services, "copy_totals", totals_then_a_new_label)
    data, result = exported("jsonl")
    rows = {row["sentence_id"]: row for row in map(json.loads, data.splitlines())}
    assert rows[dataset.unlabelled.pk]["annotations"] == []
    assert result.label_counts["unlabelled"] == 1 and result.rows == len(rows)
    assert dataset.unlabelled.annotations.count() == 1  # it was written, after all
    assert len(copied) == 6


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_every_part_is_written_once_in_order_with_progress(dataset, copied, settings, parts):
    require_postgres()
    settings.EXPORT_BATCH_SIZE, settings.EXPORT_COPY_PARTS = 2, parts
    seen = []
    out = io.BytesIO()
    services.write_export(
        out, services.ExportOptions(format="jsonl", salt=SALT), lambda *p: seen.append(p)
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["sentence_id"] for row in lines] == [row["sentence_id"] for row in all_rows()]
    assert seen[-1] == (6, 6) and len(copied) == parts
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_an_export_that_matches_nothing_is_empty_but_for_the_csv_header(dataset, copied):
    require_postgres()
    nothing = ExportFilters(since=datetime.date(2030, 1, 1))
    data, result = exported("jsonl", filters=nothing)
    assert (data, result.rows) == (b"", 0)
    data, _ = exported("csv", filters=nothing)
    assert data.decode().splitlines() == [",".join(formats.CSV_COLUMNS)] and len(copied) == 2
