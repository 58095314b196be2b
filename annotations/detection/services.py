"""Candidate precompute: queue articles, claim them, score their sentences in bulk, record it."""

from collections import Counter

import orjson
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from annotations.bulk import insert_rows
from annotations.candidates.scoring import SentenceInput, score_sentences
from annotations.corpus.models import Article, Sentence
from annotations.jobs import JobStatus
from annotations.webhooks.models import WebhookEvent
from annotations.webhooks.services import emit

from .models import Candidate, DetectorVersion
from .selectors import active_detector, articles_needing_precompute, load_model
from .tasks import precompute_articles_task

CANDIDATE_COLUMNS = ("sentence", "detector_version", "score", "suggested_label", "reasons")
# Sent inside the transaction that replaced the articles' candidates: what other rooms derive
# from them (the review room's tallies, connected in apps.py) follows in the same transaction.
candidates_written = Signal()


def queue_precompute(article_ids: list[int]) -> None:
    """Queue precompute for the articles once the current transaction commits, in batches."""
    batch = settings.PRECOMPUTE_BATCH_SIZE
    for start in range(0, len(article_ids), batch):
        ids = article_ids[start : start + batch]
        transaction.on_commit(lambda ids=ids: precompute_articles_task.delay(ids))


def queue_stored_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of corpus.services.articles_stored: new articles get their candidates once
    they are committed."""
    queue_precompute(article_ids)


def requeue_articles(article_ids: list[int]) -> int:
    """Set the articles pending and queue their precompute in batches; returns how many."""
    article_ids = sorted(set(article_ids))
    Article.objects.filter(pk__in=article_ids).update(
        precompute_status=JobStatus.PENDING, precompute_queued_at=timezone.now()
    )
    queue_precompute(article_ids)
    return len(article_ids)


def requeue_stale_articles() -> int:
    """The beat sweep: queue again what articles_needing_precompute() finds."""
    return requeue_articles(articles_needing_precompute())


def rescore_all_articles() -> int:
    """Queue every article for scoring with a new detector; those running now are left to the
    sweep (they will be outdated when they finish)."""
    idle = Article.objects.exclude(precompute_status=JobStatus.RUNNING)
    return requeue_articles(list(idle.values_list("pk", flat=True)))


def precompute_articles(article_ids: list[int]) -> list[int]:
    """Compute candidates for the articles that can be claimed; returns the ids done.

    On failure the articles are marked failed with the error (and may be claimed again by a
    retry) and the exception propagates.
    """
    lifecycle = Article.precompute
    claimed = lifecycle.claim(
        Article.objects.filter(pk__in=article_ids), claimable=[JobStatus.PENDING, JobStatus.FAILED]
    )
    if not claimed:
        return []
    articles = Article.objects.filter(pk__in=claimed)
    try:
        with transaction.atomic():
            detector = active_detector()
            counts = write_candidates(claimed, detector)
            lifecycle.finish(articles, JobStatus.DONE)
            done = [
                {"id": pk, "detector": detector.name, "candidates": counts[pk]} for pk in claimed
            ]
            transaction.on_commit(lambda: emit(WebhookEvent.ARTICLE_PRECOMPUTED, done))
    except Exception as error:
        lifecycle.finish(articles, JobStatus.FAILED, f"{type(error).__name__}: {error}")
        raise
    return claimed


def write_candidates(article_ids: list[int], detector: DetectorVersion) -> Counter:
    """Replace the articles' candidates with the detector's, in bulk; returns counts by article."""
    sentences = list(
        Sentence.objects.filter(article_id__in=article_ids)
        .order_by("article_id", "index")
        .values_list("pk", "article_id", "text")
    )
    inputs = [
        SentenceInput(
            text=text,
            previous=_neighbour(sentences, position - 1, article_id),
            next=_neighbour(sentences, position + 1, article_id),
            document=str(article_id),
        )
        for position, (_, article_id, text) in enumerate(sentences)
    ]
    results = score_sentences(inputs, load_model(detector))
    # A subquery rather than a join: PostgreSQL then probes the (sentence, version) index once
    # per sentence instead of scanning it.
    of_articles = Sentence.objects.filter(article_id__in=article_ids).values("pk")
    Candidate.objects.filter(sentence_id__in=of_articles).delete()
    insert_rows(
        Candidate,
        CANDIDATE_COLUMNS,
        [
            (pk, detector.pk, result.score, result.suggested_label, _json(result.reasons))
            for (pk, _, _), result in zip(sentences, results, strict=True)
        ],
    )
    candidates_written.send(Candidate, article_ids=article_ids)
    return Counter(article_id for _, article_id, _ in sentences)


def _json(value: dict) -> str:
    # orjson takes 2 us per sentence where the json module took 11 (of about 250 in all).
    return orjson.dumps(value).decode()


def _neighbour(sentences: list[tuple[int, int, str]], position: int, article_id: int) -> str | None:
    if 0 <= position < len(sentences) and sentences[position][1] == article_id:
        return sentences[position][2]
    return None
