"""The export's file formats, each a writer fed batches of sentence rows (selectors.export_rows'
shape) and closed once: JSONL, CSV, Parquet, ClaimReview JSON-LD and CheckThat! TSV.

Plain Python (no Django), like the rows themselves: each writer writes bytes to a binary file
object as the batches come, holding no more than one batch.
"""

import csv
import datetime
import functools
import io
import re
from typing import BinaryIO

import orjson

from annotations.export.claimreview import claim_review, review_url

LABELS = ("sourced", "disputed", "false_flag", "not_claim")
CLAIM_LABELS = frozenset(LABELS) - {"not_claim"}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = " | "  # a CSV cell's several claimants, sources or evidence URLs
BOM = "\ufeff".encode()  # first in a CSV file for spreadsheets, when asked


class Writer:
    """What every format's writer does: write(rows) for each batch, then close(), which writes
    what a format keeps until the end (Parquet's footer; the others write as they go)."""

    def __init__(self, out: BinaryIO):
        self.out = out

    def close(self) -> None:
        """Nothing to finish: each batch was written whole."""


class JsonlWriter(Writer):
    """One JSON object per line: the rows exactly."""

    extension = "jsonl"

    def write(self, rows: list[dict]) -> None:
        self.out.write(b"".join(orjson.dumps(row) + b"\n" for row in rows))


class CsvWriter(Writer):
    """One line per sentence: the row's fields flattened to CSV_COLUMNS. The annotations are
    summarised as "reviewer:label" pairs in the order they were made; the lists are joined by
    LIST_SEPARATOR. Text cells a spreadsheet would run as a formula get a leading single quote.
    """

    extension = "csv"

    def __init__(self, out: BinaryIO, *, bom: bool = False):
        super().__init__(out)
        self.text = io.StringIO()
        self.csv = csv.writer(self.text, lineterminator="\n")
        if bom:
            out.write(BOM)
        self.csv.writerow(CSV_COLUMNS)
        self._flush()

    def write(self, rows: list[dict]) -> None:
        self.csv.writerows(map(csv_line, rows))
        self._flush()

    def _flush(self) -> None:
        self.out.write(self.text.getvalue().encode())
        self.text.seek(0)
        self.text.truncate()


CSV_COLUMNS = (
    "article_id",
    "article_url",
    "article_title",
    "published_on",
    "sentence_id",
    "sentence_index",
    "paragraph",
    "start",
    "end",
    "text",
    "candidate_score",
    "suggested_label",
    "detector_version",
    "annotations",
    *(f"count_{label}" for label in LABELS),
    "final_label",
    "final_basis",
    "adjudication_note",
    "decided_at",
    "claimants",
    "sources",
    "evidence_urls",
    "agreement",
)


def csv_line(row: dict) -> list:
    annotations = "; ".join(f"{a['reviewer']}:{a['label']}" for a in row["annotations"])
    counts = row["label_counts"]
    return [
        row["article_id"],
        neutralised(row["article_url"]),
        neutralised(row["article_title"]),
        row["published_on"],
        row["sentence_id"],
        row["sentence_index"],
        row["paragraph"],
        row["start"],
        row["end"],
        neutralised(row["text"]),
        row["candidate_score"],
        row["suggested_label"],
        neutralised(row["detector_version"]),
        neutralised(annotations),
        *(counts[label] for label in LABELS),
        row["final_label"],
        row["final_basis"],
        neutralised(row["adjudication_note"]),
        row["decided_at"],
        neutralised(LIST_SEPARATOR.join(row["claimants"])),
        neutralised(LIST_SEPARATOR.join(row["sources"])),
        neutralised(LIST_SEPARATOR.join(row["evidence_urls"])),
        row["agreement"],
    ]


def neutralised(text: str | None) -> str | None:
    """The text, with a leading single quote when a spreadsheet would run it as a formula."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@functools.cache
def parquet_schema():
    """The Parquet files' schema: the rows' fields typed (dates and times as such, the
    annotations a list of structs). pyarrow is imported here, not with the module: it brings
    numpy into every web process that only queues exports."""
    import pyarrow as pa

    annotation = pa.struct(
        [
            ("reviewer", pa.string()),
            ("label", pa.string()),
            ("span_start", pa.int32()),
            ("span_end", pa.int32()),
            ("claimant", pa.string()),
            ("source_name", pa.string()),
            ("evidence_url", pa.string()),
            ("note", pa.string()),
            ("moderation_status", pa.string()),
            ("updated_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    return pa.schema(
        [
            ("article_id", pa.int64()),
            ("article_url", pa.string()),
            ("article_title", pa.string()),
            ("published_on", pa.date32()),
            ("sentence_id", pa.int64()),
            ("sentence_index", pa.int32()),
            ("paragraph", pa.int32()),
            ("start", pa.int32()),
            ("end", pa.int32()),
            ("text", pa.string()),
            ("candidate_score", pa.float64()),
            ("suggested_label", pa.string()),
            ("detector_version", pa.string()),
            ("annotations", pa.list_(annotation)),
            ("label_counts", pa.struct([(label, pa.int32()) for label in LABELS])),
            ("final_label", pa.string()),
            ("final_basis", pa.string()),
            ("adjudication_note", pa.string()),
            ("decided_at", pa.timestamp("us", tz="UTC")),
            ("claimants", pa.list_(pa.string())),
            ("sources", pa.list_(pa.string())),
            ("evidence_urls", pa.list_(pa.string())),
            ("agreement", pa.float64()),
        ]
    )


class ParquetWriter(Writer):
    """parquet_schema(), a row group per batch."""

    extension = "parquet"

    def __init__(self, out: BinaryIO):
        import pyarrow.parquet as pq

        self.parquet = pq.ParquetWriter(out, parquet_schema(), compression="zstd")

    def write(self, rows: list[dict]) -> None:
        import pyarrow as pa

        if rows:
            typed = [typed_for_parquet(row) for row in rows]
            self.parquet.write_table(pa.Table.from_pylist(typed, schema=parquet_schema()))

    def close(self) -> None:
        self.parquet.close()


def typed_for_parquet(row: dict) -> dict:
    """The row with its ISO dates and times as date and datetime objects."""
    return {
        **row,
        "published_on": datetime.date.fromisoformat(row["published_on"]),
        "decided_at": row["decided_at"] and datetime.datetime.fromisoformat(row["decided_at"]),
        "annotations": [
            {**a, "updated_at": datetime.datetime.fromisoformat(a["updated_at"])}
            for a in row["annotations"]
        ],
    }


class ClaimReviewWriter(Writer):
    """One schema.org ClaimReview JSON-LD object per line (claimreview.claim_review()), for the
    rows whose final label is a claim label; the others are left out."""

    extension = "jsonl"

    def __init__(self, out: BinaryIO, *, organisation: str, organisation_url: str, site_url: str):
        super().__init__(out)
        self.organisation = organisation
        self.organisation_url = organisation_url
        self.site_url = site_url

    def write(self, rows: list[dict]) -> None:
        reviews = (
            claim_review(
                row,
                organisation=self.organisation,
                organisation_url=self.organisation_url,
                url=review_url(self.site_url, row["sentence_id"]),
            )
            for row in rows
        )
        self.out.write(b"".join(orjson.dumps(r) + b"\n" for r in reviews if r is not None))


class CheckThatWriter(Writer):
    """CheckThat! TSV as `manage.py import_labels` reads it (line, speaker, text, 0/1): 1 for a
    sentence whose final label is a claim label, 0 for "not a claim" (an explicit negative).
    Unlabelled sentences are left out: the format has no value for them. The line number is the
    sentence id (unique in the file, so an import keeps every sentence); the speaker, the first
    claimant named with the final label. Tabs and line breaks inside a field become spaces."""

    extension = "tsv"

    def write(self, rows: list[dict]) -> None:
        lines = (
            f"{row['sentence_id']}\t{one_line(row['claimants'][:1])}\t{one_line([row['text']])}"
            f"\t{int(row['final_label'] in CLAIM_LABELS)}\n"
            for row in rows
            if row["final_label"] is not None
        )
        self.out.write("".join(lines).encode())


def one_line(texts: list[str]) -> str:
    return re.sub(r"[\t\r\n]+", " ", " ".join(texts)).strip()
