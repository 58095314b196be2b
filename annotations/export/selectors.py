"""Reads for the dataset export: one row per sentence (its article, candidate, annotations and
final label), in batches in primary-key order, four queries a batch whatever its size."""

import datetime
import hashlib
import hmac
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet

from annotations.corpus.models import Article, Sentence
from annotations.detection.models import Candidate, DetectorVersion
from annotations.export.formats import CSV_COLUMNS, FORMULA_STARTS, LIST_SEPARATOR
from annotations.labels import UNLABELLED, Label, Vote, decide
from annotations.review.models import Adjudication, Annotation, ModerationStatus, SentenceTally

BASES = ("adjudicated", "majority", "tie", UNLABELLED)
# Plain strings: compared for every annotation and row, where enum members cost.
LABELS = tuple(Label.values)
REJECTED = ModerationStatus.REJECTED.value
# What a row takes from the sentence and its article, in the order _row() unpacks them.
SENTENCE_FIELDS = (
    "pk",
    "index",
    "paragraph",
    "start",
    "end",
    "text",
    "article_id",
    "article__url",
    "article__title",
    "article__published_on",
)
ANNOTATION_FIELDS = (*Annotation.INPUT_FIELDS, "moderation_status", "updated_at")


class _Annotation(NamedTuple):
    reviewer: str
    label: str
    span_start: int | None
    span_end: int | None
    claimant: str
    source_name: str
    evidence_url: str
    note: str
    moderation_status: str
    updated_at: datetime.datetime


@dataclass(frozen=True)
class ExportFilters:
    """Which sentences and annotations an export holds. Articles, dates: the sentences' articles
    (by id; published in the range). Reviewers, statuses: which annotations a row lists and
    counts (rejected ones are listed when asked for, never counted). Labels, min_agreement,
    bases: which rows are kept, by their final label, agreement and the label's basis."""

    articles: tuple[int, ...] = ()
    since: datetime.date | None = None
    until: datetime.date | None = None
    labels: tuple[str, ...] = ()
    reviewers: tuple[int, ...] = ()
    statuses: tuple[str, ...] = (ModerationStatus.PENDING, ModerationStatus.APPROVED)
    min_agreement: float | None = None
    bases: tuple[str, ...] = ()


@contextmanager
def snapshot(shared: str = "") -> Iterator[bool]:
    """Everything read inside sees the database as of one moment: a read-only REPEATABLE READ
    transaction on PostgreSQL, begun unless a transaction is already open (the isolation level
    can only be set as a transaction's first statement; the open one then decides). Yields
    whether it began one. shared: the moment another connection's snapshot exported
    (shared_snapshot()). SQLite reads each batch on its own (it serves development only)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if shared:
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [shared])
        yield True


def shared_snapshot() -> str:
    """The open snapshot()'s moment, for other connections to read it too (while it is open)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        return cursor.fetchone()[0]


def pseudonym(user_id: int, salt: str) -> str:
    """A reviewer's name in an export: stable for one salt, unrelated across salts."""
    digest = hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"r-{digest[:10]}"


def exported_sentences(filters: ExportFilters) -> QuerySet[Sentence]:
    """The sentences the filters' articles and dates select. Hidden articles are left out:
    what a moderator took off the reviewers' screens does not leave the server either."""
    sentences = Sentence.objects.filter(article__hidden=False)
    if filters.articles:
        sentences = sentences.filter(article__in=filters.articles)
    if filters.since:
        sentences = sentences.filter(article__published_on__gte=filters.since)
    if filters.until:
        sentences = sentences.filter(article__published_on__lte=filters.until)
    return sentences


def count_sentences(filters: ExportFilters) -> int:
    """How many sentences the export reads: exact without the filters on rows (labels,
    min_agreement, bases), an upper bound with them."""
    return exported_sentences(filters).count()


def export_rows(
    filters: ExportFilters,
    *,
    salt: str,
    real_names: bool = False,
    batch_size: int | None = None,
) -> Iterator[list[dict]]:
    """The export's sentence rows in batches of at most batch_size sentences (EXPORT_BATCH_SIZE),
    in sentence id order, read inside one snapshot(); reviewers named by pseudonym(id, salt),
    or by username when real_names."""
    batch_size = batch_size or settings.EXPORT_BATCH_SIZE
    sentences = exported_sentences(filters).order_by("pk")
    with snapshot():
        after = 0
        while True:
            batch = list(sentences.filter(pk__gt=after).values_list(*SENTENCE_FIELDS)[:batch_size])
            if not batch:
                return
            after = batch[-1][0]
            rows = _rows(batch, filters, salt, real_names)
            yield [row for row in rows if _kept(row, filters)]


def sentence_row(sentence_id: int) -> dict | None:
    """One sentence's row, as the default export makes it, for its public review page (None
    when there is no such sentence or its article is hidden); reviewers under a pseudonym of a
    salt drawn for this call alone, so the page identifies no one."""
    sentences = exported_sentences(ExportFilters()).filter(pk=sentence_id)
    batch = list(sentences.values_list(*SENTENCE_FIELDS))
    if not batch:
        return None
    [row] = _rows(batch, ExportFilters(), secrets.token_hex(16), real_names=False)
    return row


def _rows(sentences: list[tuple], filters: ExportFilters, salt: str, real_names: bool) -> list:
    """Rows for sentences read as export_rows() reads them (in id order): three more queries.
    They ask for the range of ids (an index range scan, cheaper than a list of ids); what they
    return of sentences between those not exported is never looked up."""
    ids = (sentences[0][0], sentences[-1][0])
    candidates = _latest_candidates(ids)
    annotations = _annotations(ids, filters, salt, real_names)
    adjudications = {
        sentence_id: (label, reason, updated_at)
        for sentence_id, label, reason, updated_at in Adjudication.objects.filter(
            **_between(ids)
        ).values_list("sentence", "label", "reason", "updated_at")
    }
    return [
        _row(sentence, candidates.get(sentence[0]), annotations[sentence[0]], adjudications)
        for sentence in sentences
    ]


def _between(ids: tuple[int, int]) -> dict:
    """The lookups of a sentence foreign key between two ids (a foreign key has no __range)."""
    return {"sentence__gte": ids[0], "sentence__lte": ids[1]}


def _latest_candidates(ids: tuple[int, int]) -> dict[int, tuple]:
    """Each sentence's latest candidate (the highest id) as (score, suggested label, detector)."""
    latest = {}
    for sentence_id, score, suggested, detector in (
        Candidate.objects.filter(**_between(ids))
        .order_by("sentence", "pk")
        .values_list("sentence", "score", "suggested_label", "detector_version__name")
    ):
        latest[sentence_id] = (score, suggested, detector)
    return latest


def _annotations(ids: tuple[int, int], filters: ExportFilters, salt: str, real_names: bool):
    """Each sentence's annotations the filters keep, in the order they were made."""
    annotations = Annotation.objects.filter(**_between(ids), moderation_status__in=filters.statuses)
    if filters.reviewers:
        annotations = annotations.filter(reviewer__in=filters.reviewers)
    # The users table is joined only for the usernames.
    reviewer = "reviewer__username" if real_names else "reviewer"
    by_sentence = defaultdict(list)
    names = {}
    for sentence_id, reviewer_key, *values in annotations.order_by("pk").values_list(
        "sentence", reviewer, *ANNOTATION_FIELDS
    ):
        if reviewer_key not in names:
            names[reviewer_key] = reviewer_key if real_names else pseudonym(reviewer_key, salt)
        by_sentence[sentence_id].append(_Annotation(names[reviewer_key], *values))
    return by_sentence


def _row(sentence: tuple, candidate: tuple | None, annotations: list, adjudications) -> dict:
    sentence_id, index, paragraph, start, end, text, article_id, url, title, published = sentence
    score, suggested, detector = candidate or (None, None, None)
    adjudicated, note, adjudicated_at = adjudications.get(sentence_id, (None, "", None))
    votes = [
        Vote(a.label, a.claimant, a.source_name, a.evidence_url, a.updated_at)
        for a in annotations
        if a.moderation_status != REJECTED
    ]
    decision = decide(votes, adjudicated, adjudicated_at)
    return {
        "article_id": article_id,
        "article_url": url,
        "article_title": title,
        "published_on": published.isoformat(),
        "sentence_id": sentence_id,
        "sentence_index": index,
        "paragraph": paragraph,
        "start": start,
        "end": end,
        "text": text,
        "candidate_score": score,
        "suggested_label": suggested,
        "detector_version": detector,
        "annotations": [
            {**a._asdict(), "updated_at": timestamp(a.updated_at)} for a in annotations
        ],
        "label_counts": decision.counts,
        "final_label": decision.label,
        "final_basis": decision.basis,
        "adjudication_note": note,
        "decided_at": decision.decided_at and timestamp(decision.decided_at),
        "claimants": decision.claimants,
        "sources": decision.sources,
        "evidence_urls": decision.evidence_urls,
        "agreement": decision.agreement,
    }


def timestamp(at: datetime.datetime) -> str:
    """A time as exports write it, and as PostgreSQL writes one in JSON: ISO 8601 in UTC, the
    fraction of a second without its trailing zeros."""
    text = at.astimezone(datetime.UTC).isoformat()
    if at.microsecond:
        text = text[:-6].rstrip("0") + text[-6:]
    return text


def _kept(row: dict, filters: ExportFilters) -> bool:
    if filters.labels and row["final_label"] not in filters.labels:
        return False
    if filters.bases and row["final_basis"] not in filters.bases:
        return False
    if filters.min_agreement is not None:
        return row["agreement"] is not None and row["agreement"] >= filters.min_agreement
    return True


# The PostgreSQL path of the JSONL and CSV exports: COPY (SELECT ...) TO STDOUT, each row built
# by the database from the stored tally (review.services.retally keeps a sentence's final label
# and its evidence there), several times faster than building rows here. Its output is what
# export_rows() and the writers give (tests/export/test_copy.py compares the two).
COPY_FORMATS = ("jsonl", "csv")  # the others need the rows here (Parquet, splits, ClaimReview)


def copies(filters: ExportFilters, format: str) -> bool:
    """Whether the export can be COPY'd: on PostgreSQL, JSONL or CSV, with the rows counting the
    labels the tallies count (no reviewer filter; pending and approved labels kept)."""
    counted = {ModerationStatus.PENDING, ModerationStatus.APPROVED}
    return (
        connection.vendor == "postgresql"
        and format in COPY_FORMATS
        and not filters.reviewers
        and counted <= set(filters.statuses)
    )


def copy_statement(
    filters: ExportFilters,
    format: str,
    *,
    salt: str,
    real_names: bool,
    ids: tuple[int, int],
    header: bool = True,
) -> tuple[str, dict]:
    """The COPY statement, and its parameters, of one part of a copies() export: the sentences
    with ids after ids[0] up to ids[1], a JSON object a line, or CSV (with its header if asked:
    the first part's)."""
    users = get_user_model().objects
    if real_names:
        names = dict(users.values_list("pk", "username"))
    else:
        names = {pk: pseudonym(pk, salt) for pk in users.values_list("pk", flat=True)}
    where, params = _copy_where(filters, ids)
    params.update(
        names=orjson.dumps({str(pk): name for pk, name in names.items()}).decode(),
        statuses=list(filters.statuses),
        zeros=orjson.dumps(dict.fromkeys(LABELS, 0)).decode(),
        formula_starts=list(FORMULA_STARTS),
    )
    if format == "jsonl":
        select = _copy_select(f"{_JSON_LINE} AS line", _JSON_ANNOTATIONS, where)
        # CSV quoting that never applies: the database's JSON escapes every control character.
        return (
            f"COPY ({select}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')",
            params,
        )
    select = _copy_select(_CSV_SELECT, _CSV_ANNOTATIONS, where)
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv{', HEADER' if header else ''})", params


def copy_bounds(filters: ExportFilters, parts: int, rows: int) -> list[int]:
    """The sentence ids that cut a copies() export of `rows` rows into `parts` parts of about
    as many rows: the last id of each part but the last (fewer when rows are few)."""
    where, params = _copy_where(filters)
    bounds = []
    with connection.cursor() as cursor:
        for part in range(1, parts if rows >= parts else 1):
            cursor.execute(
                f"SELECT s.id {_COPY_FROM} WHERE {where} ORDER BY s.id OFFSET %(offset)s LIMIT 1",
                {**params, "offset": rows * part // parts - 1},
            )
            bounds += [id for (id,) in cursor.fetchall() if id not in bounds]
    return bounds


@dataclass(frozen=True)
class CopyTotals:
    """What a copies() export holds: its rows by final label (None for none), and the first and
    last sentence ids among them (0 when there are none)."""

    labels: Counter
    first: int
    last: int


def copy_totals(filters: ExportFilters) -> CopyTotals:
    """CopyTotals of a copies() export: one query."""
    where, params = _copy_where(filters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT NULLIF(t.final_label, ''), count(*), min(s.id), max(s.id) {_COPY_FROM} "
            f"WHERE {where} GROUP BY 1",
            params,
        )
        rows = cursor.fetchall()
    return CopyTotals(
        labels=Counter({label: n for label, n, _, _ in rows}),
        first=min((first for _, _, first, _ in rows), default=0),
        last=max((last for _, _, _, last in rows), default=0),
    )


def _copy_where(filters: ExportFilters, ids=(None, None)) -> tuple[str, dict]:
    conditions, params = ["NOT a.hidden"], {}
    after, upto = ids
    if after is not None:
        conditions.append("s.id > %(after)s")
        params["after"] = after
    if upto is not None:
        conditions.append("s.id <= %(upto)s")
        params["upto"] = upto
    if filters.articles:
        conditions.append("s.article_id = ANY(%(articles)s)")
        params["articles"] = list(filters.articles)
    if filters.since:
        conditions.append("a.published_on >= %(since)s")
        params["since"] = filters.since
    if filters.until:
        conditions.append("a.published_on <= %(until)s")
        params["until"] = filters.until
    if filters.labels:
        conditions.append("t.final_label = ANY(%(labels)s)")
        params["labels"] = list(filters.labels)
    if filters.bases:
        conditions.append(f"COALESCE(t.final_basis, '{UNLABELLED}') = ANY(%(bases)s)")
        params["bases"] = list(filters.bases)
    if filters.min_agreement is not None:
        conditions.append("t.agreement >= %(min_agreement)s")
        params["min_agreement"] = filters.min_agreement
    return " AND ".join(conditions), params


def _copy_select(columns: str, annotations: str, where: str) -> str:
    """The part's SELECT; its candidates' subquery takes the part's ids (it sorts what it
    selects, each sentence's latest candidate first)."""
    return f"""SELECT {columns} {_COPY_FROM}
LEFT JOIN {Adjudication._meta.db_table} j ON j.sentence_id = s.id
LEFT JOIN (
  SELECT DISTINCT ON (sentence_id) sentence_id, score, suggested_label, detector_version_id
  FROM {Candidate._meta.db_table} WHERE sentence_id > %(after)s AND sentence_id <= %(upto)s
  ORDER BY sentence_id, id DESC
) c ON c.sentence_id = s.id
LEFT JOIN {DetectorVersion._meta.db_table} d ON d.id = c.detector_version_id
LEFT JOIN LATERAL (
  SELECT {annotations} FROM {Annotation._meta.db_table} n
  WHERE n.sentence_id = s.id AND n.moderation_status = ANY(%(statuses)s)
) n ON true
WHERE {where}
ORDER BY s.id"""


def _neutralised_sql(text: str) -> str:
    """formats.neutralised() in SQL, an empty text as NULL (the CSV writer writes both alike)."""
    return (
        f"NULLIF(CASE WHEN left({text}, 1) = ANY(%(formula_starts)s) THEN '''' || {text} "
        f"ELSE {text} END, '')"
    )


def _joined_sql(json_list: str) -> str:
    """A JSON list of texts joined by formats.LIST_SEPARATOR (NULL when empty; most are, and
    the length is cheaper to check than the list to join)."""
    return (
        f"CASE WHEN jsonb_array_length({json_list}) > 0 THEN ("
        f"SELECT string_agg(v, '{LIST_SEPARATOR}' ORDER BY i) "
        f"FROM jsonb_array_elements_text({json_list}) WITH ORDINALITY AS e(v, i)) END"
    )


def _json_value(sql: str) -> str:
    """A value as JSON text, written by the database (null for NULL)."""
    return f"COALESCE(to_json({sql})::text, 'null')"


def _json_text(sql: str) -> str:
    """A text as a JSON string: _json_value(), with the empty text (most notes, claimants and
    sources) written without a call."""
    return f"CASE WHEN {sql} = '' THEN '\"\"' ELSE {_json_value(sql)} END"


def _json_number(sql: str) -> str:
    """A number as JSON: its text (PostgreSQL writes floats as JSON does: shortest exact)."""
    return f"COALESCE({sql}::text, 'null')"


def _json_word(sql: str) -> str:
    """A choice's value (a label, a status: letters and underscores) as a JSON string."""
    return f"COALESCE('\"' || {sql} || '\"', 'null')"


def _json_object(fields: dict[str, str]) -> str:
    """A JSON object built as text from its fields' JSON texts. Cheaper than json_build_object
    or row_to_json, which look up how to write every value's type on every call: a third of
    the export's time went there."""
    members = [
        f"'{',' if position else '{'}\"{name}\":' || {sql}"
        for position, (name, sql) in enumerate(fields.items())
    ]
    return " || ".join([*members, "'}'"])


_REVIEWER_SQL = "(%(names)s::jsonb ->> n.reviewer_id::text)"
_COPY_FROM = f"""FROM {Sentence._meta.db_table} s
JOIN {Article._meta.db_table} a ON a.id = s.article_id
LEFT JOIN {SentenceTally._meta.db_table} t ON t.sentence_id = s.id"""
_JSON_ANNOTATION = _json_object(
    {
        "reviewer": "COALESCE((%(names)s::jsonb -> n.reviewer_id::text)::text, 'null')",
        "label": _json_word("n.label"),
        "span_start": _json_number("n.span_start"),
        "span_end": _json_number("n.span_end"),
        "claimant": _json_text("n.claimant"),
        "source_name": _json_text("n.source_name"),
        "evidence_url": _json_text("n.evidence_url"),
        "note": _json_text("n.note"),
        "moderation_status": _json_word("n.moderation_status"),
        "updated_at": _json_value("n.updated_at"),
    }
)
_JSON_ANNOTATIONS = f"'[' || string_agg({_JSON_ANNOTATION}, ',' ORDER BY n.id) || ']' AS rows"
_CSV_ANNOTATIONS = f"string_agg({_REVIEWER_SQL} || ':' || n.label, '; ' ORDER BY n.id) AS rows"
_SENTENCE_COLUMNS = {
    "article_id": "s.article_id",
    "article_url": "a.url",
    "article_title": "a.title",
    "published_on": "to_char(a.published_on, 'YYYY-MM-DD')",
    "sentence_id": "s.id",
    "sentence_index": "s.index",
    "paragraph": "s.paragraph",
    "start": "s.start",
    "end": 's."end"',
    "text": "s.text",
    "candidate_score": "c.score",
    "suggested_label": "c.suggested_label",
    "detector_version": "d.name",
}
_FINAL_COLUMNS = {
    "final_label": "NULLIF(t.final_label, '')",
    "final_basis": f"COALESCE(t.final_basis, '{UNLABELLED}')",
}
_JSON_SENTENCE_COLUMNS = {
    "article_id": _json_number,
    "article_url": _json_text,
    "article_title": _json_text,
    "published_on": _json_word,  # digits and dashes
    "sentence_id": _json_number,
    "sentence_index": _json_number,
    "paragraph": _json_number,
    "start": _json_number,
    "end": _json_number,
    "text": _json_text,
    "candidate_score": _json_number,
    "suggested_label": _json_word,
    "detector_version": _json_text,
}
_JSON_LINE = _json_object(
    {
        **{
            column: _JSON_SENTENCE_COLUMNS[column](sql) for column, sql in _SENTENCE_COLUMNS.items()
        },
        "annotations": "COALESCE(n.rows, '[]')",
        "label_counts": "COALESCE(t.label_counts::text, %(zeros)s)",
        **{column: _json_word(sql) for column, sql in _FINAL_COLUMNS.items()},
        "adjudication_note": _json_text("COALESCE(j.reason, '')"),
        "decided_at": _json_value("t.final_at"),
        "claimants": "COALESCE(t.claimants::text, '[]')",
        "sources": "COALESCE(t.sources::text, '[]')",
        "evidence_urls": "COALESCE(t.evidence_urls::text, '[]')",
        "agreement": _json_number("t.agreement"),
    }
)
_NEUTRALISED = {"article_url", "article_title", "text", "detector_version"}
_CSV_SQL = {
    **{
        column: _neutralised_sql(sql) if column in _NEUTRALISED else sql
        for column, sql in _SENTENCE_COLUMNS.items()
    },
    "annotations": _neutralised_sql("n.rows"),
    **{f"count_{label}": f"COALESCE((t.label_counts ->> '{label}')::int, 0)" for label in LABELS},
    **_FINAL_COLUMNS,
    "adjudication_note": _neutralised_sql("j.reason"),
    "decided_at": "to_json(t.final_at) #>> '{}'",  # the time as JSON writes it (timestamp())
    "claimants": _neutralised_sql(_joined_sql("t.claimants")),
    "sources": _neutralised_sql(_joined_sql("t.sources")),
    "evidence_urls": _neutralised_sql(_joined_sql("t.evidence_urls")),
    "agreement": "t.agreement",
}
_CSV_SELECT = ",\n".join(f'{_CSV_SQL[column]} AS "{column}"' for column in CSV_COLUMNS)
