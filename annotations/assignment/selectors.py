"""Reads for review assignment: the load of each sentence (its counted labels and the live claims
on it), which sentences "next" may hand a reviewer, and the project's progress towards k."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
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

from .models import ReviewClaim

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


def sentence_load(now: datetime.datetime):
    """A sentence's load, as an expression over sentences: its counted labels plus the live
    claims on it. Counted from the labels themselves, not their tally, so that it is exact
    inside the claiming transaction."""
    return _count_per_sentence(counted_annotations()) + _count_per_sentence(live_claims(now))


def sentence_loads(sentence_ids: list[int], now: datetime.datetime) -> dict[int, int]:
    """The load of each given sentence; one query."""
    loads = Sentence.objects.filter(pk__in=sentence_ids).annotate(load=sentence_load(now))
    return dict(loads.values_list("pk", "load"))


def eligible_sentences(user, now: datetime.datetime) -> QuerySet[Sentence]:
    """The sentences "next" may hand the user, best first: in an article neither locked nor
    hidden, not labelled nor passed over by the user, with a load under their overlap k.
    Highest candidate score first; with ASSIGNMENT_FAVOUR_STARTED, sentences of articles the
    user has labelled in come before all others."""
    mine = Annotation.objects.filter(reviewer=user)
    passed_over = ReviewClaim.objects.filter(reviewer=user, skipped=True)
    latest_score = (
        Candidate.objects.filter(sentence=OuterRef("pk")).order_by("-pk").values("score")[:1]
    )
    order = [F("score").desc(nulls_last=True), "article_id", "index"]
    if settings.ASSIGNMENT_FAVOUR_STARTED:
        order.insert(0, Exists(mine.filter(sentence__article=OuterRef("article"))).desc())
    return (
        Sentence.objects.filter(article__locked=False, article__hidden=False)
        .filter(~Exists(mine.filter(sentence=OuterRef("pk"))))
        .filter(~Exists(passed_over.filter(sentence=OuterRef("pk"))))
        .alias(load=sentence_load(now), score=Subquery(latest_score))
        .filter(load__lt=overlap_sql(F("article__overlap")))
        .select_related("article")
        .defer("article__body")
        .order_by(*order)
    )


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
