"""Reads for moderators: the queue's three tabs, each item with what a decision needs, the
reasons moderators give most, the reviewers, and the audit trail; each page in a constant
number of queries."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotations.corpus.models import Sentence
from annotations.detection.models import Candidate
from annotations.labels import GoldLabel, gold_label
from annotations.review.models import (
    Adjudication,
    Annotation,
    History,
    ModerationStatus,
    SentenceTally,
)
from annotations.review.selectors import counted_annotations
from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP, is_moderator

TABS = {"contested": "Contested", "pending": "Pending", "decided": "Recently decided"}
# Offered when rejecting, after the reasons moderators have given most often.
STANDARD_REASONS = (
    "Not a claim: opinion, question or prediction",
    "Wrong label: see the label guideline",
    "Source missing or wrong",
    "Claim span does not cover the claim",
)
DECIDED = (ModerationStatus.APPROVED, ModerationStatus.REJECTED)


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to: an article, a reviewer's labels, a label, a date range
    (of the label's last change; on the decided tab, of the decision)."""

    article: int | None = None
    reviewer: int | None = None
    label: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


# Each tab reads the sentences' tallies (review.models.SentenceTally, kept by every write that
# moves them), one narrow row per sentence, as {"sentence": id, ...} in queue order: aggregating
# every label and candidate instead cost 30-60 ms a query with 10,000 pending labels.
TALLIES = SentenceTally.objects.values("sentence")


def _with_labels(tallies: QuerySet, annotations: QuerySet, filters: QueueFilters, when: str):
    """Narrowed to the article, and to sentences with a label among `annotations` matching
    the filters on reviewer, label and date."""
    if filters.article:
        tallies = tallies.filter(sentence__article_id=filters.article)
    lookups = {
        "reviewer_id": filters.reviewer,
        "label": filters.label,
        f"{when}__date__gte": filters.since,
        f"{when}__date__lte": filters.until,
    }
    matching = {lookup: value for lookup, value in lookups.items() if value}
    if matching:
        labels = annotations.filter(sentence=OuterRef("sentence"), **matching)
        tallies = tallies.filter(Exists(labels))
    return tallies


def contested_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet:
    """Sentences not yet adjudicated whose counted labels disagree, or where a counted label
    contradicts a candidate suggestion scoring at least settings.CONTESTED_SCORE (no suggested
    label counts as "not a claim"). The most different labels first, then the most votes, then
    the highest candidate score."""
    tallies = TALLIES.filter(
        Q(distinct_labels__gt=1) | Q(score__gte=settings.CONTESTED_SCORE, contradicting__gt=0),
        adjudicated=False,
    )
    return _with_labels(tallies, counted_annotations(), filters, "updated_at").order_by(
        F("distinct_labels").desc(), F("votes").desc(), "-score", "sentence"
    )


def pending_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet:
    """Sentences with annotations waiting for a decision, the highest candidate score first."""
    pending = Annotation.objects.filter(moderation_status=ModerationStatus.PENDING)
    tallies = _with_labels(TALLIES.filter(pending__gt=0), pending, filters, "updated_at")
    return tallies.order_by("-score", "sentence")


def decided_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet:
    """Sentences with an approved or rejected annotation or an adjudication, the latest
    decision first (with a reviewer or label filter, those with such a decided label)."""
    decided = Annotation.objects.filter(moderation_status__in=DECIDED)
    tallies = TALLIES.filter(decided_at__isnull=False)
    if not (filters.reviewer or filters.label):
        if filters.since:
            tallies = tallies.filter(decided_at__date__gte=filters.since)
        if filters.until:
            tallies = tallies.filter(decided_at__date__lte=filters.until)
        filters = QueueFilters(article=filters.article)
    tallies = _with_labels(tallies, decided, filters, "moderated_at")
    return tallies.order_by(F("decided_at").desc(), "-sentence")


QUEUES = {
    "contested": contested_sentences,
    "pending": pending_sentences,
    "decided": decided_sentences,
}


def queue_sentences(tab: str, filters: QueueFilters = QueueFilters()) -> QuerySet:
    """The tab's rows ({"sentence": id, ...}) in queue order: page them, then queue_items()."""
    return QUEUES.get(tab, contested_sentences)(filters)


@dataclass
class QueueItem:
    """One sentence of the queue with everything a decision needs."""

    sentence: Sentence
    previous: Sentence | None
    next: Sentence | None
    candidate: Candidate | None
    annotations: list[Annotation]  # every reviewer's, rejected ones too
    adjudication: Adjudication | None
    gold: GoldLabel | None
    label_counts: Counter = field(default_factory=Counter)  # counted labels only

    @property
    def pending(self) -> list[Annotation]:
        return [a for a in self.annotations if a.moderation_status == ModerationStatus.PENDING]


def queue_items(rows) -> list[QueueItem]:
    """A page of a tab's rows (or of sentences) as queue items, in its order: 4 queries
    whatever its size."""
    ids = [row["sentence"] if isinstance(row, dict) else row.pk for row in rows]
    if not ids:
        return []
    fetched = (
        Sentence.objects.select_related("article", "adjudication__moderator")
        .defer("article__body")
        .in_bulk(ids)
    )
    sentences = [fetched[pk] for pk in ids if pk in fetched]
    # The neighbours, from one query over the page's articles and indexes (a condition per
    # sentence costs more to build than to run); the few rows too many are left out here.
    wanted = {(s.article_id, s.index + step) for s in sentences for step in (-1, 1)}
    context = {
        (article_id, index): Sentence(pk=pk, article_id=article_id, index=index, text=text)
        for pk, article_id, index, text in Sentence.objects.filter(
            article_id__in={a for a, _ in wanted}, index__in={i for _, i in wanted}
        ).values_list("pk", "article_id", "index", "text")
        if (article_id, index) in wanted
    }
    candidates = {}
    # Unordered: ordered by id, PostgreSQL walks the whole table's primary key instead.
    for candidate in Candidate.objects.filter(sentence__in=ids).order_by():
        latest = candidates.get(candidate.sentence_id)
        if latest is None or candidate.pk > latest.pk:
            candidates[candidate.sentence_id] = candidate
    annotations: dict[int, list[Annotation]] = {pk: [] for pk in ids}
    for annotation in (
        Annotation.objects.filter(sentence__in=ids)
        .select_related("reviewer", "moderated_by")
        .order_by("created_at", "pk")
    ):
        annotations[annotation.sentence_id].append(annotation)
    items = []
    for s in sentences:
        counted = [a for a in annotations[s.pk] if a.moderation_status != ModerationStatus.REJECTED]
        counts = Counter(a.label for a in counted)
        adjudication = getattr(s, "adjudication", None)  # none: the reverse relation raises
        items.append(
            QueueItem(
                sentence=s,
                previous=context.get((s.article_id, s.index - 1)),
                next=context.get((s.article_id, s.index + 1)),
                candidate=candidates.get(s.pk),
                annotations=annotations[s.pk],
                adjudication=adjudication,
                gold=gold_label(counts, adjudication.label if adjudication else None),
                label_counts=counts,
            )
        )
    return items


def queue_sizes(filters: QueueFilters = QueueFilters()) -> dict[str, int]:
    """How many sentences each tab holds (one query each)."""
    return {tab: queue(filters).count() for tab, queue in QUEUES.items()}


def labels_per_day(days: int) -> list[tuple[datetime.date, Counter]]:
    """The labels first given on each of the last `days` days (today included), by their label
    now; days without labels included, oldest first. One query."""
    first = timezone.localdate() - datetime.timedelta(days=days - 1)
    counts = {first + datetime.timedelta(days=n): Counter() for n in range(days)}
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    given = (
        Annotation.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "label")
        .annotate(n=Count("*"))
        .order_by()
    )
    for day, label, n in given:
        counts[day][label] = n
    return list(counts.items())


def label_distribution() -> Counter:
    """How many counted labels of each kind there are. One query."""
    counted = counted_annotations().values_list("label").annotate(n=Count("*")).order_by()
    return Counter(dict(counted))


def frequent_reasons(limit: int = 8) -> list[str]:
    """Reasons to offer when rejecting: those moderators gave most often, then the standard
    ones, without repeats."""
    given = (
        Annotation.objects.filter(moderation_status=ModerationStatus.REJECTED)
        .exclude(moderation_reason="")
        .values_list("moderation_reason", flat=True)
        .annotate(n=Count("*"))
        .order_by("-n", "moderation_reason")[:limit]
    )
    return list(dict.fromkeys([*given, *STANDARD_REASONS]))[:limit]


def reviewing_people() -> QuerySet[User]:
    """Everyone with a role or with labels, active first, by name."""
    labelled = Annotation.objects.filter(reviewer=OuterRef("pk"))
    with_role = User.groups.through.objects.filter(
        user=OuterRef("pk"), group__name__in=(REVIEWERS_GROUP, MODERATORS_GROUP)
    )
    return User.objects.filter(Exists(with_role) | Exists(labelled)).order_by(
        "-is_active", "username"
    )


def reviewers_overview() -> QuerySet[User]:
    """reviewing_people(), each with how many of their annotations are pending, approved and
    rejected (one query)."""
    status = "annotations__moderation_status"
    return reviewing_people().annotate(
        pending=Count("annotations", filter=Q(**{status: ModerationStatus.PENDING})),
        approved=Count("annotations", filter=Q(**{status: ModerationStatus.APPROVED})),
        rejected=Count("annotations", filter=Q(**{status: ModerationStatus.REJECTED})),
    )


def history_visible_to(user) -> QuerySet[History]:
    """Moderators see the whole audit trail; a reviewer sees what concerns their own labels."""
    history = History.objects.select_related("actor", "reviewer", "sentence")
    if is_moderator(user):
        return history
    return history.filter(reviewer=user)


def history_of(user, *, sentence=None, article=None, person=None) -> QuerySet[History]:
    """The audit trail as `user` may see it, of one sentence, article, or person (what they did
    and what was done to their work), newest first."""
    history = history_visible_to(user)
    if sentence is not None:
        history = history.filter(sentence=sentence)
    if article is not None:
        history = history.filter(article=article)
    if person is not None:
        history = history.filter(Q(actor=person) | Q(reviewer=person))
    return history


def annotation_in_sentence(annotation_id: int, sentence_id: int | None) -> Annotation | None:
    """The annotation, if it is one of the sentence's (a decision in the queue names both)."""
    return Annotation.objects.filter(pk=annotation_id, sentence_id=sentence_id).first()


def queue_item(sentence_id: int) -> QueueItem | None:
    """One sentence as a queue item, with its article (the web UI shows it again after each
    decision); None for an id that names no sentence. Four queries."""
    items = queue_items([{"sentence": sentence_id}])
    return items[0] if items else None


def history_page(user, **about) -> QuerySet[History]:
    """history_of() with each row's article title, for the web UI's history pages."""
    return history_of(user, **about).select_related("article").defer("article__body")


def to_decide_on_article(*, article: int, reviewer: int, decision: str) -> QuerySet[Annotation]:
    """What a bulk decision on a reviewer's labels of one article applies to (the API's): the
    pending ones, to approve or reject; the decided ones, to reopen."""
    statuses = DECIDED if decision == "reopen" else (ModerationStatus.PENDING,)
    return Annotation.objects.filter(
        moderation_status__in=statuses, reviewer_id=reviewer, sentence__article_id=article
    )
