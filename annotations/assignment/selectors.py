"""Reads for review assignment: the load of each sentence (its counted labels and the live claims
on it), the work queue and which of its sentences "next" may hand a reviewer, and the project's
progress towards k."""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from annotations.corpus.models import Article, Sentence
from annotations.detection.models import Candidate
from annotations.review.models import Annotation, SentencesByVotes
from annotations.review.selectors import counted_annotations, overlap_sql
from annotations.roles import is_moderator

from .models import NO_SCORE, ReviewClaim, SentenceWork

# "Next" order: the highest score first, then article and sentence order.
QUEUE_ORDER = ("-score", "article_id", "index")
# SentenceWork's fields in the order work_rows() gives them.
WORK_COLUMNS = ("sentence", "article", "index", "score", "votes", "needed", "article_open")

PROGRESS_MAX_AGE = 60  # seconds the article list's project-wide progress may be old


def live_claims(now: datetime.datetime) -> QuerySet[ReviewClaim]:
    """Claims that hold a slot: not skipped, not expired, and their reviewer has not labelled
    the sentence yet (a claim and the label that fulfils it count once)."""
    labelled = Annotation.objects.filter(
        sentence=OuterRef("sentence"), reviewer=OuterRef("reviewer")
    )
    return ReviewClaim.objects.filter(skipped=False, expires_at__gt=now).filter(~Exists(labelled))


def _count_per_sentence(queryset: QuerySet) -> Coalesce:
    subquery = queryset.filter(sentence=OuterRef("pk")).order_by().values("sentence")
    counted = subquery.annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def counted_votes() -> Coalesce:
    """A sentence's counted labels, as an expression over sentences or their work rows."""
    return _count_per_sentence(counted_annotations())


def sentence_load(now: datetime.datetime):
    """A sentence's load, as an expression over sentences: its counted labels plus the live
    claims on it. Counted from the labels themselves, so that it is exact inside the claiming
    transaction."""
    return counted_votes() + _count_per_sentence(live_claims(now))


def latest_score() -> Coalesce:
    """The score of a sentence's latest candidate (its newest detector version's: precompute
    replaces them all), as an expression over sentences or their work rows (NO_SCORE without
    one). Ordered by the version, the (sentence, version) index serves it: ordered by id,
    PostgreSQL without statistics walks the whole table backwards for each sentence."""
    latest = Candidate.objects.filter(sentence=OuterRef("pk")).order_by("-detector_version_id")
    return Coalesce(Subquery(latest.values("score")[:1]), Value(NO_SCORE))


def work_rows(sentences: QuerySet[Sentence], *, new: bool = False) -> QuerySet:
    """SentenceWork's columns of the given sentences computed from scratch, as tuples in
    WORK_COLUMNS order. new: the sentences were stored in this very transaction, so no
    candidate or label can point at them yet (a load spares two lookups per sentence)."""
    score, votes = (Value(NO_SCORE), Value(0)) if new else (latest_score(), counted_votes())
    return (
        sentences.order_by()
        .annotate(
            work_score=score,
            work_votes=votes,
            work_needed=overlap_sql(F("article__overlap")),
            work_open=ExpressionWrapper(
                Q(article__locked=False, article__hidden=False), output_field=BooleanField()
            ),
        )
        .values_list(
            "pk", "article_id", "index", "work_score", "work_votes", "work_needed", "work_open"
        )
    )


def sentence_loads(sentence_ids: list[int], now: datetime.datetime) -> dict[int, int]:
    """The load of each given sentence; one query."""
    loads = Sentence.objects.filter(pk__in=sentence_ids).annotate(load=sentence_load(now))
    return dict(loads.values_list("pk", "load"))


def work_queue() -> QuerySet[SentenceWork]:
    """The sentences that still need reviewers, in "next" order: of open articles, under their
    k, highest candidate score first (then article and sentence order). The condition and the
    order of the `work_queue` index, which serves it."""
    queue = SentenceWork.objects.filter(article_open=True, votes__lt=F("needed"))
    return queue.order_by(*QUEUE_ORDER)


def work_queue_after(position: tuple[float, int, int] | None) -> QuerySet[SentenceWork]:
    """The work queue from the row after `position` (that row's score, article and index; None:
    from the start). The score bounds the index range; the rows tying with it are filtered."""
    queue = work_queue()
    if position is None:
        return queue
    score, article_id, index = position
    return (
        queue.filter(score__lte=score)
        .exclude(score=score, article_id__lt=article_id)
        .exclude(score=score, article_id=article_id, index__lte=index)
    )


def work_queue_for(user, position: tuple[float, int, int] | None) -> QuerySet[SentenceWork]:
    """work_queue_after(position) without the sentences the user labelled or passed over, so
    that a walk never steps through them: a fast reviewer's labels awaiting others sit at the
    top of the queue. Each is left out by a probe of its row (a scalar subquery, which
    PostgreSQL keeps per row): an anti-join could read all of the user's labels first, where the
    statistics take them for a few."""
    mine = Annotation.objects.filter(reviewer=user, sentence=OuterRef("pk")).values("pk")[:1]
    passed_over = ReviewClaim.objects.filter(
        reviewer=user, skipped=True, sentence=OuterRef("pk")
    ).values("pk")[:1]
    return (
        work_queue_after(position)
        .alias(my_label=Subquery(mine), passed_over=Subquery(passed_over))
        .filter(my_label__isnull=True, passed_over__isnull=True)
    )


def eligible_sentences(user, now: datetime.datetime) -> QuerySet[SentenceWork]:
    """The work queue's rows "next" may hand the user, best first: not labelled nor passed over
    by the user, with a load under k. Narrowed to a few rows by key (assignment.services walks
    the queue): the probes of those rows are the whole cost. The load under k implies the
    queue's own condition, which is not repeated: PostgreSQL would read the queue's whole
    index to combine it with the keys."""
    mine = Annotation.objects.filter(reviewer=user, sentence=OuterRef("pk"))
    passed_over = ReviewClaim.objects.filter(reviewer=user, skipped=True, sentence=OuterRef("pk"))
    return (
        SentenceWork.objects.filter(~Exists(mine), ~Exists(passed_over), article_open=True)
        .alias(load=F("votes") + _count_per_sentence(live_claims(now)))
        .filter(load__lt=F("needed"))
        .order_by(*QUEUE_ORDER)
    )


def started_articles(user, labels: int) -> list[int]:
    """The articles of the user's latest `labels` labels: those they are working on, read
    through their own labels only."""
    latest = Annotation.objects.filter(reviewer=user).order_by("-pk").values("sentence")[:labels]
    articles = Sentence.objects.filter(pk__in=latest).values_list("article_id", flat=True)
    return list(articles.order_by().distinct())


def held_claim(user, now: datetime.datetime) -> ReviewClaim | None:
    """The user's live claim on a sentence of an open article, if they hold one (the oldest)."""
    return (
        live_claims(now)
        .filter(reviewer=user, sentence__article__locked=False, sentence__article__hidden=False)
        .select_related("sentence__article")
        .defer("sentence__article__body")
        .order_by("claimed_at")
        .first()
    )


@dataclass(frozen=True)
class OverlapProgress:
    """How far the review of some articles is towards their overlap k."""

    sentence_count: int
    reached_overlap: int  # sentences with at least k counted labels
    missing_labels: int  # counted labels still needed to bring every sentence to k


def overlap_progress(articles: QuerySet[Article] | None = None) -> OverlapProgress:
    """Progress towards k over the given articles (None: all of them), from their stored
    figures (sentence count; labelled sentences by votes): two queries, no sentence read."""
    if articles is None:
        articles = Article.objects.all()
    needed = overlap_sql(F("overlap"))
    sentences = articles.aggregate(
        total=Coalesce(Sum("sentence_count"), 0),
        labels_needed=Coalesce(Sum(F("sentence_count") * needed), 0),
    )
    needed = overlap_sql(F("article__overlap"))
    labelled = SentencesByVotes.objects.filter(article__in=articles).aggregate(
        reached_overlap=Coalesce(Sum("sentences", filter=Q(votes__gte=needed)), 0),
        labels_given=Coalesce(Sum(Least("votes", needed) * F("sentences")), 0),
    )
    return OverlapProgress(
        sentence_count=sentences["total"],
        reached_overlap=labelled["reached_overlap"],
        missing_labels=sentences["labels_needed"] - labelled["labels_given"],
    )


def recent_overlap_progress(user) -> tuple[OverlapProgress, datetime.datetime]:
    """overlap_progress() over the articles the user sees and when it was counted: at most
    PROGRESS_MAX_AGE seconds ago (cached, once for moderators, who see hidden articles, and
    once for everyone else), as the article list shows it on every page."""
    moderator = is_moderator(user)
    key = f"overlap-progress:{'moderators' if moderator else 'reviewers'}"
    counted = cache.get(key)
    if counted is None:
        articles = Article.objects.all() if moderator else Article.objects.filter(hidden=False)
        counted = (overlap_progress(articles), timezone.now())
        cache.set(key, counted, PROGRESS_MAX_AGE)
    return counted
