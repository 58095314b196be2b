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
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from annotations.corpus.models import Sentence
from annotations.detection.models import Candidate
from annotations.labels import Label
from annotations.review.models import Adjudication, Annotation, History, ModerationStatus
from annotations.review.selectors import GoldLabel, counted_annotations, gold_label
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
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to: an article, a reviewer's labels, a label, a date range
    (of the label's last change; on the decided tab, of the decision)."""

    article: int | None = None
    reviewer: int | None = None
    label: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def _latest_candidate(name: str) -> Subquery:
    """A field of the sentence's latest candidate (the newest detector version's)."""
    latest = Candidate.objects.filter(sentence=OuterRef("pk")).order_by("-pk")
    return Subquery(latest.values(name)[:1])


def _matching(annotations: QuerySet, filters: QueueFilters, when: str) -> QuerySet:
    """The sentence's (OuterRef) annotations among `annotations` that match the filters."""
    annotations = annotations.filter(sentence=OuterRef("pk"))
    if filters.reviewer:
        annotations = annotations.filter(reviewer_id=filters.reviewer)
    if filters.label:
        annotations = annotations.filter(label=filters.label)
    if filters.since:
        annotations = annotations.filter(**{f"{when}__date__gte": filters.since})
    if filters.until:
        annotations = annotations.filter(**{f"{when}__date__lte": filters.until})
    return annotations


def _sentences(filters: QueueFilters) -> QuerySet[Sentence]:
    sentences = Sentence.objects.annotate(score=_latest_candidate("score"))
    if filters.article:
        sentences = sentences.filter(article_id=filters.article)
    return sentences


def contested_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet[Sentence]:
    """Sentences not yet adjudicated whose counted labels disagree, or where a counted label
    contradicts a candidate suggestion scoring at least settings.CONTESTED_SCORE (no suggested
    label counts as "not a claim"). The most different labels first, then the most votes, then
    the highest candidate score."""
    counted = counted_annotations().filter(sentence=OuterRef("pk")).order_by().values("sentence")
    suggested = Coalesce(OuterRef("suggested_label"), Value(Label.NOT_CLAIM))
    return (
        _sentences(filters)
        .filter(Exists(_matching(counted_annotations(), filters, "updated_at")))
        .exclude(Exists(Adjudication.objects.filter(sentence=OuterRef("pk"))))
        .annotate(
            suggested_label=_latest_candidate("suggested_label"),
            distinct_labels=Subquery(
                counted.annotate(n=Count("label", distinct=True)).values("n"),
                output_field=IntegerField(),
            ),
            votes=Subquery(counted.annotate(n=Count("*")).values("n"), output_field=IntegerField()),
        )
        .filter(
            Q(distinct_labels__gt=1)
            | Q(score__gte=settings.CONTESTED_SCORE)
            & Exists(counted_annotations().filter(sentence=OuterRef("pk")).exclude(label=suggested))
        )
        .order_by(
            F("distinct_labels").desc(), F("votes").desc(), F("score").desc(nulls_last=True), "pk"
        )
    )


def pending_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet[Sentence]:
    """Sentences with annotations waiting for a decision, the highest candidate score first."""
    pending = Annotation.objects.filter(moderation_status=ModerationStatus.PENDING)
    return (
        _sentences(filters)
        .filter(Exists(_matching(pending, filters, "updated_at")))
        .order_by(F("score").desc(nulls_last=True), "pk")
    )


def decided_sentences(filters: QueueFilters = QueueFilters()) -> QuerySet[Sentence]:
    """Sentences with an approved or rejected annotation or an adjudication, the latest
    decision first."""
    decided = _matching(
        Annotation.objects.filter(moderation_status__in=DECIDED), filters, "moderated_at"
    )
    adjudicated = Adjudication.objects.filter(sentence=OuterRef("pk"))
    if filters.since:
        adjudicated = adjudicated.filter(updated_at__date__gte=filters.since)
    if filters.until:
        adjudicated = adjudicated.filter(updated_at__date__lte=filters.until)
    if filters.reviewer or filters.label:
        adjudicated = adjudicated.none()  # a reviewer's or a label's decisions are annotations'
    last = decided.order_by().values("sentence").annotate(at=Max("moderated_at")).values("at")
    return (
        _sentences(filters)
        .filter(Exists(decided) | Exists(adjudicated))
        .annotate(
            decided_at=Greatest(
                Coalesce(Subquery(last, output_field=DateTimeField()), Value(_EPOCH)),
                Coalesce(Subquery(adjudicated.values("updated_at")[:1]), Value(_EPOCH)),
            )
        )
        .order_by(F("decided_at").desc(), "-pk")
    )


QUEUES = {
    "contested": contested_sentences,
    "pending": pending_sentences,
    "decided": decided_sentences,
}


def queue_sentences(tab: str, filters: QueueFilters = QueueFilters()) -> QuerySet[Sentence]:
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


def queue_items(sentences) -> list[QueueItem]:
    """The sentences (a page already fetched) as queue items: 5 queries whatever their number."""
    sentences = list(sentences)
    if not sentences:
        return []
    ids = [s.pk for s in sentences]
    neighbours = Q()
    for s in sentences:
        neighbours |= Q(article_id=s.article_id, index__in=(s.index - 1, s.index + 1))
    context = {(s.article_id, s.index): s for s in Sentence.objects.filter(neighbours)}
    candidates = {}
    for candidate in Candidate.objects.filter(sentence__in=ids).order_by("pk"):
        candidates[candidate.sentence_id] = candidate  # the latest wins
    annotations: dict[int, list[Annotation]] = {pk: [] for pk in ids}
    for annotation in (
        Annotation.objects.filter(sentence__in=ids)
        .select_related("reviewer", "moderated_by")
        .order_by("created_at", "pk")
    ):
        annotations[annotation.sentence_id].append(annotation)
    adjudications = {
        a.sentence_id: a
        for a in Adjudication.objects.filter(sentence__in=ids).select_related("moderator")
    }
    items = []
    for s in sentences:
        counted = [a for a in annotations[s.pk] if a.moderation_status != ModerationStatus.REJECTED]
        counts = Counter(a.label for a in counted)
        adjudication = adjudications.get(s.pk)
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


def reviewers_overview() -> QuerySet[User]:
    """Everyone with a role, with how many of their annotations are pending, approved and
    rejected (one query)."""
    status = "annotations__moderation_status"
    return (
        User.objects.filter(
            Q(groups__name__in=(REVIEWERS_GROUP, MODERATORS_GROUP)) | Q(annotations__isnull=False)
        )
        .distinct()
        .annotate(
            pending=Count("annotations", filter=Q(**{status: ModerationStatus.PENDING})),
            approved=Count("annotations", filter=Q(**{status: ModerationStatus.APPROVED})),
            rejected=Count("annotations", filter=Q(**{status: ModerationStatus.REJECTED})),
        )
        .order_by("-is_active", "username")
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
