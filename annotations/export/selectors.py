"""Reads for the dataset export: one row per sentence (its article, candidate, annotations and
final label), in batches in primary-key order, four queries a batch whatever its size."""

import datetime
import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from annotations.corpus.models import Sentence
from annotations.detection.models import Candidate
from annotations.labels import Label
from annotations.review.models import Adjudication, Annotation, ModerationStatus
from annotations.review.selectors import gold_label

UNLABELLED = "unlabelled"  # the basis of a sentence with neither a counted label nor a decision
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
def snapshot() -> Iterator[bool]:
    """Everything read inside sees the database as of one moment: a read-only REPEATABLE READ
    transaction on PostgreSQL, begun unless a transaction is already open (the isolation level
    can only be set as a transaction's first statement; the open one then decides). Yields
    whether it began one. SQLite reads each batch on its own (it serves development only)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield True


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
    counted = [a for a in annotations if a.moderation_status != REJECTED]
    counts = {}  # a plain dict: a Counter per row costs more than the rest of the row
    for a in counted:
        counts[a.label] = counts.get(a.label, 0) + 1
    adjudicated, note, adjudicated_at = adjudications.get(sentence_id, (None, "", None))
    gold = gold_label(counts, adjudicated)
    final = gold.label if gold else None
    # The counted labels that agree with the final label: its evidence, and when it was reached.
    backing = [a for a in counted if a.label == final]
    decided_at = adjudicated_at or max((a.updated_at for a in backing), default=None)
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
            {**a._asdict(), "updated_at": a.updated_at.isoformat()} for a in annotations
        ],
        "label_counts": {label: counts.get(label, 0) for label in LABELS},
        "final_label": final,
        "final_basis": gold.basis if gold else UNLABELLED,
        "adjudication_note": note,
        "decided_at": decided_at.isoformat() if decided_at else None,
        "claimants": _distinct([a.claimant for a in backing]),
        "sources": _distinct([a.source_name for a in backing]),
        "evidence_urls": _distinct([a.evidence_url for a in backing]),
        "agreement": agreement(counts),
    }


def agreement(counts: dict[str, int]) -> float | None:
    """The share of pairs of counted labels on a sentence that agree (None under two labels)."""
    n = sum(counts.values())
    if n < 2:
        return None
    return sum(k * (k - 1) for k in counts.values()) / (n * (n - 1))


def _distinct(values: list[str]) -> list[str]:
    """The non-empty values, each once, in the order first met."""
    return [value for value in dict.fromkeys(values) if value]


def _kept(row: dict, filters: ExportFilters) -> bool:
    if filters.labels and row["final_label"] not in filters.labels:
        return False
    if filters.bases and row["final_basis"] not in filters.bases:
        return False
    if filters.min_agreement is not None:
        return row["agreement"] is not None and row["agreement"] >= filters.min_agreement
    return True
