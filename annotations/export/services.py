"""Writing the dataset export: one file in one format, or the zip bundle of several formats in
train/dev/test splits with its dataset card and manifest. The CLI, the export jobs and the API
all go through write_export()."""

import datetime
import hashlib
import json
import logging
import math
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, connections
from django.db.models import F, Q
from django.utils import timezone

from annotations.export import claimreview, formats
from annotations.export.models import ExportJob
from annotations.export.selectors import (
    BASES,
    ExportFilters,
    copies,
    copy_bounds,
    copy_statement,
    copy_totals,
    count_sentences,
    export_rows,
    shared_snapshot,
    snapshot,
)
from annotations.export.tasks import run_export_task
from annotations.jobs import queue_on_commit
from annotations.labels import LABEL_GUIDELINES, LABEL_PRECEDENCE_RULE, UNLABELLED, Label
from annotations.review.models import ModerationStatus
from annotations.roles import can_export_real_names, check_can_export

FORMATS = ("jsonl", "csv", "parquet", "claimreview", "checkthat", "bundle")
FILE_FORMATS = FORMATS[:-1]  # what a bundle can hold
SPLITS = ("train", "dev", "test")
FINAL_LABELS = (*Label.values, UNLABELLED)  # ExportResult.label_counts' keys
COPY_CHUNK = 1 << 20  # bytes of a COPY'd export written at once


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how. salt: reviewers' pseudonyms are stable within an export and
    differ across salts; empty, a random one is drawn (so two exports cannot be linked).
    real_names: usernames instead (only for roles.can_export_real_names). bom: CSV starts with
    a UTF-8 byte order mark (spreadsheets). splits, bundle_formats: the bundle's split ratios
    (train, dev, test) and the formats it holds."""

    format: str
    filters: ExportFilters = ExportFilters()
    salt: str = ""
    real_names: bool = False
    bom: bool = False
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1)
    bundle_formats: tuple[str, ...] = FILE_FORMATS


@dataclass(frozen=True)
class ExportResult:
    """rows: sentence rows exported (a ClaimReview or CheckThat! file holds those of them it can
    express); sha256: of the bytes written; label_counts: rows by final label ("unlabelled"
    for none); filename: a name to save it as."""

    rows: int
    sha256: str
    label_counts: dict[str, int] = field(default_factory=dict)
    filename: str = ""


def validate(options: ExportOptions) -> None:
    """Raise ValidationError naming each option that is wrong."""
    errors = {}
    filters = options.filters
    if options.format not in FORMATS:
        errors["format"] = f"unknown format {options.format!r}; choose from {', '.join(FORMATS)}"
    if options.format == "bundle":
        unknown = sorted(set(options.bundle_formats) - set(FILE_FORMATS))
        if unknown or not options.bundle_formats:
            errors["bundle_formats"] = f"choose one or more of {', '.join(FILE_FORMATS)}" + (
                f"; unknown: {', '.join(unknown)}" if unknown else ""
            )
    ratios = options.splits
    if (
        len(ratios) != len(SPLITS)
        or not all(math.isfinite(r) and r >= 0 for r in ratios)
        or not math.isclose(sum(ratios), 1, abs_tol=1e-6)
    ):
        errors["splits"] = "three ratios (train, dev, test), none negative, adding up to 1"
    for name, allowed in (
        ("labels", Label.values),
        ("statuses", ModerationStatus.values),
        ("bases", BASES),
    ):
        unknown = sorted(set(getattr(filters, name)) - set(allowed))
        if unknown:
            errors[name] = f"unknown: {', '.join(unknown)}; choose from {', '.join(allowed)}"
    if not filters.statuses:
        errors["statuses"] = "choose at least one moderation status"
    if filters.min_agreement is not None and not 0 <= filters.min_agreement <= 1:
        errors["min_agreement"] = "a share between 0 and 1"
    if filters.since and filters.until and filters.since > filters.until:
        errors["until"] = "the end of the date range is before its start"
    if errors:
        raise ValidationError(errors)


def write_export(
    out: BinaryIO,
    options: ExportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the export to `out` (a binary file object, written in order, never sought),
    reading one database snapshot a batch at a time; progress(rows written, sentences to read)
    is called after each batch and once at the end (rows, rows)."""
    validate(options)
    started = timezone.now()
    hashed = Hashing(out)
    with snapshot() as isolated, _reporter(progress, isolated) as report:
        salt = options.salt or secrets.token_hex(16)
        # Only in a snapshot of its own: progress is then recorded from another connection,
        # as this one is busy with the COPY until it ends.
        if isolated and copies(options.filters, options.format):
            tally = _copy_export(hashed, options, salt, report)
        else:
            tally = _write_rows(hashed, options, salt, started, report)
        report(tally.rows, tally.rows)
    return ExportResult(
        rows=tally.rows,
        sha256=hashed.hexdigest(),
        label_counts=tally.labels(),
        filename=export_filename(options.format, started),
    )


def _write_rows(out: BinaryIO, options: ExportOptions, salt: str, started, report) -> "Tally":
    """An export of the rows built here (selectors.export_rows()), a batch at a time."""
    total = count_sentences(options.filters)
    batches = export_rows(options.filters, salt=salt, real_names=options.real_names)
    if options.format == "bundle":
        return _write_bundle(out, batches, options, started, total, report)
    writer = _writer(options.format, out, options)
    tally = Tally()
    for batch in batches:
        writer.write(batch)
        tally.add("", batch)
        report(tally.rows, total)
    writer.close()
    return tally


def _copy_export(out: BinaryIO, options: ExportOptions, salt: str, report) -> "Tally":
    """A JSONL or CSV export the database writes (selectors.copies()), in EXPORT_COPY_PARTS
    parts at once by id range, each on a connection of its own reading the export's snapshot:
    the first streamed to `out`, the others into temporary files appended in order after it."""
    filters = options.filters
    tally = Tally()
    totals = copy_totals(filters)
    tally.counts.update({("", label or UNLABELLED): n for label, n in totals.labels.items()})
    bounds = copy_bounds(filters, settings.EXPORT_COPY_PARTS, tally.rows)
    starts, ends = [totals.first - 1, *bounds], [*bounds, totals.last]
    statements = [
        copy_statement(
            filters,
            options.format,
            salt=salt,
            real_names=options.real_names,
            ids=ids,
            header=not part,
        )
        for part, ids in enumerate(zip(starts, ends, strict=True))
    ]
    if options.bom:
        out.write(formats.BOM)
    shared = shared_snapshot() if bounds else ""
    progress = _Progress(report, tally.rows)
    with ThreadPoolExecutor(max_workers=max(1, len(bounds))) as threads:
        later = [
            threads.submit(_copy_part, statement, shared, progress.add)
            for statement in statements[1:]
        ]
        _copy(statements[0], out, progress.add)
        for part in later:
            with part.result() as file:
                shutil.copyfileobj(file, out, COPY_CHUNK)
    return tally


class _Progress:
    """The rows several parts write at once, reported as their sum, in order."""

    def __init__(self, report: Callable[[int, int], None], total: int):
        self.report, self.total, self.done = report, total, 0
        self.lock = threading.Lock()

    def add(self, rows: int) -> None:
        with self.lock:
            self.done += rows
            self.report(self.done, self.total)


def _copy_part(statement: tuple[str, dict], shared: str, progress) -> BinaryIO:
    """One part of a COPY'd export, read in the shared snapshot on this thread's connection,
    into a temporary file, returned at its start."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    try:
        with snapshot(shared):
            _copy(statement, file, progress)
    except BaseException:
        file.close()
        raise
    finally:
        connection.close()  # this thread's
    file.seek(0)
    return file


def _copy(statement: tuple[str, dict], out: BinaryIO, progress: Callable[[int], None]) -> None:
    """Run a COPY ... TO STDOUT, writing what it gives to `out` in chunks of about COPY_CHUNK
    bytes; progress(EXPORT_BATCH_SIZE) after each EXPORT_BATCH_SIZE rows."""
    sql, params = statement
    rows = -("HEADER" in sql)  # a CSV header, first, is not a row
    with connection.cursor() as cursor:
        # Compiling these row-building queries (JIT) takes longer than it saves.
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(sql, params) as copy:
            chunk, size = [], 0
            for data in copy:  # a row at a time
                chunk.append(data)
                size += len(data)
                rows += 1
                if size >= COPY_CHUNK:
                    out.write(b"".join(chunk))
                    chunk, size = [], 0
                if rows > 0 and rows % settings.EXPORT_BATCH_SIZE == 0:
                    progress(settings.EXPORT_BATCH_SIZE)
            out.write(b"".join(chunk))


def export_filename(format: str, at: datetime.datetime) -> str:
    extension = "zip" if format == "bundle" else WRITERS[format].extension
    return f"factcheck-{format}-{at:%Y%m%d-%H%M%S}.{extension}"


class Hashing:
    """A binary file object's write(), counting and hashing what passes. It has no seek(), so
    zipfile and pyarrow write straight through."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.out.write(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.out.flush()

    @property
    def closed(self) -> bool:
        return False

    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


WRITERS = {
    "jsonl": formats.JsonlWriter,
    "csv": formats.CsvWriter,
    "parquet": formats.ParquetWriter,
    "claimreview": formats.ClaimReviewWriter,
    "checkthat": formats.CheckThatWriter,
}


def _writer(format: str, out: BinaryIO, options: ExportOptions):
    if format == "csv":
        return formats.CsvWriter(out, bom=options.bom)
    if format == "claimreview":
        return formats.ClaimReviewWriter(
            out,
            organisation=settings.CLAIMREVIEW_ORGANISATION,
            organisation_url=settings.CLAIMREVIEW_ORGANISATION_URL,
            site_url=settings.SITE_URL,
        )
    return WRITERS[format](out)


@contextmanager
def _reporter(progress, isolated: bool) -> Iterator[Callable[[int, int], None]]:
    """progress() as the export calls it. While the export holds its snapshot transaction open
    on this thread's database connection, whatever progress() writes to the database would stay
    invisible until the export ends; so it then runs on a thread of its own, whose connection
    commits each write at once."""
    if progress is None:
        yield lambda done, total: None
    elif not isolated:
        yield progress
    else:
        with ThreadPoolExecutor(max_workers=1) as thread:
            try:
                yield lambda done, total: thread.submit(progress, done, total).result()
            finally:
                thread.submit(connections.close_all).result()


class Tally:
    """Rows counted by split and final label, the articles and detector versions seen, and the
    per-sentence agreement figures, as the batches go by."""

    def __init__(self):
        self.counts: Counter = Counter()  # (split, final label) -> rows
        self.articles: dict[str, set] = {split: set() for split in ("", *SPLITS)}
        self.detectors: set[str] = set()
        # Their sum and count, not a list: memory must not grow with the export.
        self.agreement_sum = 0.0
        self.agreed_sentences = 0

    def add(self, split: str, rows: list[dict]) -> None:
        for row in rows:
            self.counts[split, row["final_label"] or UNLABELLED] += 1
            self.articles[split].add(row["article_id"])
            if row["detector_version"]:
                self.detectors.add(row["detector_version"])
            if row["agreement"] is not None:
                self.agreement_sum += row["agreement"]
                self.agreed_sentences += 1

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def labels(self, split: str | None = None) -> dict[str, int]:
        return {
            label: sum(
                n
                for (row_split, row_label), n in self.counts.items()
                if row_label == label and split in (None, row_split)
            )
            for label in FINAL_LABELS
        }


def split_of(article_id: int, ratios: tuple[float, float, float]) -> str:
    """The article's split, by a hash of its id: the same on every export with these ratios,
    and the same for all its sentences."""
    digest = hashlib.sha256(f"article {article_id}".encode()).digest()
    # Uniform in [0, total): always below the last bound, summed in the same order.
    position = int.from_bytes(digest[:8]) / 2**64 * sum(ratios)
    bound = 0.0
    for split, ratio in zip(SPLITS, ratios, strict=True):
        bound += ratio
        if position < bound:
            return split
    raise AssertionError("unreachable: position is below the sum of the ratios")


def _write_bundle(out, batches, options, started, total, report) -> Tally:
    """Each format's file for each split in a temporary folder as the batches go by, then the
    zip of them with the dataset card and the manifest of every file's SHA-256."""
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="export-") as folder, ExitStack() as files:
        hashed: dict[str, Hashing] = {}
        writers = {}
        for format in options.bundle_formats:
            Path(folder, format).mkdir()
            for split in SPLITS:
                name = f"{format}/{split}.{WRITERS[format].extension}"
                hashed[name] = Hashing(files.enter_context(open(Path(folder, name), "wb")))
                writers[format, split] = _writer(format, hashed[name], options)
        for batch in batches:
            by_split = {split: [] for split in SPLITS}
            for row in batch:
                by_split[split_of(row["article_id"], options.splits)].append(row)
            for split, rows in by_split.items():
                for format in options.bundle_formats:
                    writers[format, split].write(rows)
                tally.add(split, rows)
            report(tally.rows, total)
        for writer in writers.values():
            writer.close()
        files.close()
        card = dataset_card(options, tally, started).encode()
        manifest = {name: {"sha256": h.hexdigest(), "bytes": h.size} for name, h in hashed.items()}
        manifest["README.md"] = {"sha256": hashlib.sha256(card).hexdigest(), "bytes": len(card)}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("README.md", card)
            bundle.writestr("manifest.json", json.dumps({"files": manifest}, indent=2) + "\n")
            for name in hashed:
                bundle.write(Path(folder, name), name)
    return tally


def dataset_card(options: ExportOptions, tally: Tally, started: datetime.datetime) -> str:
    """The bundle's README.md: what was exported, when and how, its counts, agreement, label
    guideline, detector versions, the ClaimReview rating scale and how to load it."""
    # Imported here: numpy (agreement figures) is for the processes that export, not every one.
    from annotations.agreement.selectors import Scope
    from annotations.agreement.services import measure

    filters = options.filters
    figures = measure(
        Scope(
            articles=filters.articles,
            since=filters.since,
            until=filters.until,
            reviewers=filters.reviewers,
        )
    )
    loadable = [f for f in ("parquet", "jsonl") if f in options.bundle_formats]
    lines = []
    if loadable:
        # Hugging Face's dataset viewer and load_dataset(folder) read this block.
        extension = WRITERS[loadable[0]].extension
        lines += ["---", "configs:", "- config_name: default", "  data_files:"]
        for split in SPLITS:
            lines += [f"  - split: {split}", f"    path: {loadable[0]}/{split}.{extension}"]
        lines += ["---", ""]
    lines += [
        "# Fact-check annotations: labelled sentences",
        "",
        f"Exported on {started:%Y-%m-%d at %H:%M:%S %Z} from {settings.SITE_URL}: "
        f"{tally.rows} sentences of {len(set().union(*tally.articles.values()))} articles, "
        "one row per sentence with every annotation kept, the final label and how it was "
        "reached.",
        "",
        "## Filters",
        "",
        *_described_filters(options),
        "",
        "## Counts per split and final label",
        "",
        "Splits are assigned by a hash of the article id (ratios "
        + " / ".join(f"{s} {r:g}" for s, r in zip(SPLITS, options.splits, strict=True))
        + "): every sentence of an article is in the same split, and an article keeps its "
        "split in every export with the same ratios.",
        "",
        "| split | articles | sentences | " + " | ".join(FINAL_LABELS) + " |",
        "|---|---|---|" + "---|" * len(FINAL_LABELS),
    ]
    for split in (*SPLITS, None):
        counts = tally.labels(split)
        articles = len(tally.articles[split] if split else set().union(*tally.articles.values()))
        lines.append(
            f"| {split or 'all'} | {articles} | {sum(counts.values())} | "
            + " | ".join(str(counts[label]) for label in FINAL_LABELS)
            + " |"
        )
    agreed = tally.agreed_sentences
    mean = tally.agreement_sum / agreed if agreed else None
    lines += [
        "",
        "## Agreement",
        "",
        "Of the counted (not rejected) labels of the same articles, dates and reviewers "
        f"({figures['annotations']} labels of {figures['sentences']} sentences by "
        f"{figures['reviewers']} reviewers):",
        "",
        f"- percent agreement: {_figure(figures['percent_agreement'])}",
        f"- Fleiss' kappa: {_figure(figures['fleiss_kappa'])}",
        f"- Krippendorff's alpha: {_figure(figures['krippendorff_alpha'])}",
        f"- mean of the rows' `agreement` (share of agreeing pairs of labels on a sentence, "
        f"over the {agreed} exported sentences with two labels or more): "
        + (f"{mean:.3f}" if mean is not None else "none"),
        "",
        "## Labels",
        "",
        *(f"- `{g.label.value}` ({g.label.label}): {g.meaning}" for g in LABEL_GUIDELINES),
        "",
        LABEL_PRECEDENCE_RULE,
        "",
        "`final_basis` says how the final label was reached: `adjudicated` (a moderator decided), "
        "`majority` (of the counted labels), `tie` (the most specific of the tied labels; "
        "unresolved until adjudicated) or `unlabelled` (no counted label, no decision).",
        "",
        "## Detector",
        "",
        "`candidate_score`, `suggested_label` and `detector_version` come from each sentence's "
        "latest candidate; detector versions in this export: "
        + (", ".join(f"`{name}`" for name in sorted(tally.detectors)) or "none")
        + ".",
        "",
        "## ClaimReview rating scale",
        "",
        f"`reviewRating.ratingValue` runs from {claimreview.WORST} (worstRating) to "
        f"{claimreview.BEST} (bestRating); it rates how the article presents the claim, not "
        "whether it is true:",
        "",
        *(
            f"- {value}: `{label}` ({claimreview.RATING_NAMES[label]})"
            for label, value in sorted(claimreview.RATINGS.items(), key=lambda item: -item[1])
        ),
        "",
        "## Reviewers",
        "",
        "Reviewers are named by their username."
        if options.real_names
        else "Reviewers are pseudonyms (`r-` and 10 hex digits), stable within this export and "
        "unrelated to those of any other export.",
        "",
        "## Files",
        "",
        "`manifest.json` holds the SHA-256 of every file.",
        "",
        *(f"- `{format}/`: {FORMAT_NOTES[format]}" for format in options.bundle_formats),
        "",
        "## Loading",
        "",
        "```python",
        "import pandas as pd",
    ]
    for format, call in (
        ("parquet", 'pd.read_parquet("parquet/train.parquet")'),
        ("jsonl", 'pd.read_json("jsonl/train.jsonl", lines=True)'),
        ("csv", 'pd.read_csv("csv/train.csv")'),
    ):
        if format in options.bundle_formats:
            lines.append(f"train = {call}")
    if loadable:
        lines += ["", "from datasets import load_dataset", ""]
        for format in loadable:
            extension = WRITERS[format].extension
            files = ", ".join(f'"{s}": "{format}/{s}.{extension}"' for s in SPLITS)
            builder = "json" if format == "jsonl" else format
            lines.append(f'dataset = load_dataset("{builder}", data_files={{{files}}})')
    lines += ["```", ""]
    return "\n".join(lines)


FORMAT_NOTES = {
    "jsonl": "one JSON object per sentence: every field, the annotations as a list",
    "csv": "one line per sentence: annotations summarised as `reviewer:label` pairs, a column "
    "per label count, lists joined by ` | `; cells a spreadsheet would run as a formula start "
    "with a single quote",
    "parquet": "the JSONL's fields, typed (dates, times, the annotations a list of structs)",
    "claimreview": "schema.org ClaimReview JSON-LD, one object per line, for sentences whose "
    "final label is a claim label",
    "checkthat": "CheckThat! TSV (line = sentence id, speaker = claimant, text, 1 for a claim "
    "label, 0 for `not_claim`); unlabelled sentences are left out. `manage.py import_labels` "
    "reads it",
}


def _figure(measure: dict) -> str:
    if measure["value"] is None:
        return f"none ({measure['reason']})"
    return f"{measure['value']:.3f}"


def _described_filters(options: ExportOptions) -> list[str]:
    filters = options.filters
    described = [
        f"- articles: {', '.join(map(str, filters.articles)) or 'all'} (hidden ones never)",
        f"- published: from {filters.since or 'the first'} to {filters.until or 'the last'}",
        f"- final labels: {', '.join(filters.labels) or 'any'}",
        f"- how the final label was reached: {', '.join(filters.bases) or 'any'}",
        f"- annotations of reviewers: {'only some' if filters.reviewers else 'all'}",
        f"- annotations with moderation status: {', '.join(filters.statuses)}",
    ]
    if filters.min_agreement is not None:
        described.append(f"- agreement on the sentence at least {filters.min_agreement:g}")
    return described


# Export jobs: the exports the web UI and the API ask for, written by a worker to storage.

logger = logging.getLogger(__name__)
MAX_RESTARTS = 3  # a job whose worker stops more often fails: the export may be what stops it


class ExportSuperseded(Exception):
    """The sweep restarted the job (its worker looked stopped): this attempt gives way."""


def start_export(requester, options: ExportOptions) -> ExportJob:
    """A pending export job for the requester, queued to a worker on commit. Raises NotAModerator
    for someone who may not export, and ValidationError naming each bad option (usernames
    instead of pseudonyms are for administrators only). The salt is drawn here when not given,
    so that a restarted job names the reviewers as its first attempt did."""
    check_can_export(requester)
    if options.real_names and not can_export_real_names(requester):
        raise ValidationError({"real_names": "only administrators may export reviewers' usernames"})
    validate(options)
    options = replace(options, salt=options.salt or secrets.token_hex(16))
    job = ExportJob.objects.create(
        requester=requester, format=options.format, options=asdict(options)
    )
    _queue_export(job.pk)
    return job


def run_export(job_id: int) -> ExportJob:
    """Claim a pending job, write its export to a temporary file, recording progress after each
    batch, then store the file (default_storage: settings may put it in object storage) and
    record the outcome. A job another worker claimed is returned as it is; an attempt the sweep
    restarted meanwhile stops and leaves the job to the new one."""
    if not ExportJob.claim(job_id):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.get(pk=job_id)
    # This attempt's hold on the job, which a restart (and so a new claim) ends.
    attempt = ExportJob.objects.filter(
        pk=job_id, status=ExportJob.Status.RUNNING, started_at=job.started_at
    )

    def record_progress(done: int, total: int) -> None:
        if not attempt.update(rows_done=done, rows_total=total, progressed_at=timezone.now()):
            raise ExportSuperseded

    try:
        with tempfile.TemporaryFile() as out:
            result = write_export(out, export_options(job.options), record_progress)
            size = out.tell()
            job.file.save(f"{job.pk}/{result.filename}", File(out, result.filename), save=False)
    except ExportSuperseded:
        return ExportJob.objects.get(pk=job_id)
    except Exception as error:  # recorded on the job for its requester; the worker stays up
        logger.exception("export job %s failed", job_id)
        error_text = f"{type(error).__name__}: {error}"
        ExportJob.lifecycle.finish(attempt, ExportJob.Status.FAILED, error_text)
        return ExportJob.objects.get(pk=job_id)
    finished = ExportJob.lifecycle.finish(
        attempt,
        ExportJob.Status.DONE,
        file=job.file.name,
        filename=result.filename,
        size=size,
        sha256=result.sha256,
        row_count=result.rows,
        label_counts=result.label_counts,
        expires_at=timezone.now() + datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS),
    )
    if not finished:  # restarted while storing: the new attempt's file is the one kept
        job.file.delete(save=False)
    return ExportJob.objects.get(pk=job_id)


def export_options(data: dict) -> ExportOptions:
    """ExportOptions from plain data (a job's stored JSON, an API request): lists for tuples,
    dates as dates or ISO text; what is left out keeps its default."""
    filters = {key: _tuple(value) for key, value in data.get("filters", {}).items()}
    for key in ("since", "until"):
        if isinstance(filters.get(key), str):
            filters[key] = datetime.date.fromisoformat(filters[key])
    options = {key: _tuple(value) for key, value in data.items() if key != "filters"}
    return ExportOptions(**options, filters=ExportFilters(**filters))


def _tuple(value):
    return tuple(value) if isinstance(value, list) else value


def sweep_exports() -> tuple[int, int, int, int]:
    """The beat sweep. Restarts from the beginning the jobs whose worker stopped (no batch for
    EXPORT_TIMEOUT s), failing those already restarted MAX_RESTARTS times; queues them and
    the jobs a down broker left pending; deletes the files past their expiry, keeping their
    jobs, marked expired. Returns (queued, restarted, failed, expired)."""
    timeout = settings.EXPORT_TIMEOUT
    since = timezone.now() - datetime.timedelta(seconds=timeout)
    stalled = Q(status=ExportJob.Status.RUNNING) & (
        Q(progressed_at__lt=since) | Q(progressed_at__isnull=True, started_at__lt=since)
    )
    failed = ExportJob.lifecycle.finish(
        ExportJob.objects.filter(stalled, restarts__gte=MAX_RESTARTS),
        ExportJob.Status.FAILED,
        f"its worker stopped {MAX_RESTARTS + 1} times (no progress for {timeout} s). "
        "Try again, perhaps with fewer sentences.",
    )
    to_restart = list(ExportJob.objects.filter(stalled).values_list("pk", flat=True))
    restarted = ExportJob.objects.filter(stalled, pk__in=to_restart).update(
        status=ExportJob.Status.PENDING,
        restarts=F("restarts") + 1,
        rows_done=0,
        rows_total=0,
        progressed_at=None,
    )
    waiting = ExportJob.lifecycle.waiting_too_long(settings.PRECOMPUTE_PENDING_GRACE)
    queued = list(
        ExportJob.objects.filter(
            waiting | Q(pk__in=to_restart, status=ExportJob.Status.PENDING)
        ).values_list("pk", flat=True)
    )
    for pk in queued:
        _queue_export(pk)
    return len(queued), restarted, failed, _delete_expired_files()


def _delete_expired_files() -> int:
    expired = ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=timezone.now())
    deleted = []
    for job in expired.only("pk", "file"):
        job.file.delete(save=False)  # a file that could not be deleted is tried again next time
        deleted.append(job.pk)
    return expired.filter(pk__in=deleted).update(status=ExportJob.Status.EXPIRED, file="")


def _queue_export(job_id: int) -> None:
    queue_on_commit(lambda: run_export_task.delay(job_id), f"export job {job_id}")
