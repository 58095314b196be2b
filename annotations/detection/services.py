"""Candidate precompute: queue articles, claim them, score their sentences in bulk, record it."""

from collections import Counter, defaultdict

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from annotations.bulk import insert_rows
from annotations.candidates.scoring import NEWS, SentenceInput, score_sentences
from annotations.corpus.models import CANDIDATE_CLAIM_SCORE, Article, Sentence
from annotations.jobs import JobStatus, queue_on_commit
from annotations.webhooks.models import WebhookEvent
from annotations.webhooks.services import emit

from .models import Candidate, DetectorVersion, ScoreQuantile
from .selectors import active_detector, load_model, precompute_due
from .tasks import precompute_articles_task

CANDIDATE_COLUMNS = (
    "sentence",
    "detector_version",
    "score",
    "suggested_label",
    "reasons",
    "rank",
)
# A version's score quantiles are computed again once the candidates written since reach this
# share of those they were computed from: the whole corpus is read about 1 / share + 1 times
# while it grows (or is re-scored) to any size, and the cut points always come from at least
# 1 / (1 + share) of it.
QUANTILES_REFRESH_SHARE = 0.25
PERMILLES = range(1001)
# Sent inside the transaction that replaced the articles' candidates: what other rooms derive
# from them (the review room's tallies, connected in apps.py) follows in the same transaction.
candidates_written = Signal()


def queue_precompute(article_ids: list[int]) -> None:
    """Queue precompute for the articles once the current transaction commits, in batches (a
    broker that cannot take them leaves them pending, for the sweep)."""
    batch = settings.PRECOMPUTE_BATCH_SIZE
    for start in range(0, len(article_ids), batch):
        ids = article_ids[start : start + batch]
        queue_on_commit(
            lambda ids=ids: precompute_articles_task.delay(ids),
            f"precompute of {len(ids)} articles",
        )


def queue_stored_articles(sender, article_ids: list[int], **kwargs) -> None:
    """Receiver of corpus.services.articles_stored: new articles get their candidates once
    they are committed."""
    queue_precompute(article_ids)


def requeue_articles(article_ids: list[int]) -> int:
    """Set the articles pending and queue their precompute in batches; returns how many."""
    return _requeue(Article.objects.filter(pk__in=article_ids), skip_running=False)


def requeue_stale_articles() -> int:
    """The beat sweep: queue again what precompute_due() finds, and refresh the active
    detector's score quantiles if they are due."""
    refresh_score_quantiles_if_due(active_detector().pk)
    return _requeue(Article.objects.filter(precompute_due()), skip_running=True)


def rescore_all_articles() -> int:
    """Queue every article for scoring with a new detector; those running now are left to the
    sweep (they will be outdated when they finish)."""
    idle = Article.objects.exclude(precompute_status=JobStatus.RUNNING)
    return _requeue(idle, skip_running=True)


def _requeue(rows: QuerySet[Article], *, skip_running: bool) -> int:
    """Set the articles pending and queue them; returns how many.

    The rows are locked as they are read and set pending in the same transaction, so only
    those still matching `rows` are: an article a worker finished in between (no longer stale)
    is not computed twice. skip_running: leave the rows a worker holds now, as claim() does.
    """
    with transaction.atomic():
        ids = list(
            rows.select_for_update(skip_locked=skip_running)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Article.objects.filter(pk__in=ids).update(
            precompute_status=JobStatus.PENDING, precompute_queued_at=timezone.now()
        )
        queue_precompute(ids)
    return len(ids)


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
            # Keyed by version: the same article scored by the same version again is the
            # same event to a receiver (one webhook-id).
            done = {
                f"article-{pk}-{detector.name}": {
                    "id": pk,
                    "detector": detector.name,
                    "candidates": counts[pk],
                }
                for pk in claimed
            }
            emit(WebhookEvent.ARTICLE_PRECOMPUTED, done)
    except Exception as error:
        lifecycle.finish(articles, JobStatus.FAILED, f"{type(error).__name__}: {error}")
        raise
    refresh_score_quantiles_if_due(detector.pk)
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
            domain=NEWS,
        )
        for position, (_, article_id, text) in enumerate(sentences)
    ]
    results = score_sentences(inputs, load_model(detector))
    scores = [result.score for result in results]
    ranks = _ranks_in_article(sentences, scores)
    # A subquery rather than a join: PostgreSQL then probes the (sentence, version) index once
    # per sentence instead of scanning it.
    of_articles = Sentence.objects.filter(article_id__in=article_ids).values("pk")
    Candidate.objects.filter(sentence_id__in=of_articles).delete()
    insert_rows(
        Candidate,
        CANDIDATE_COLUMNS,
        [
            (pk, detector.pk, result.score, result.suggested_label, _json(result.reasons), rank)
            for (pk, _, _), result, rank in zip(sentences, results, ranks, strict=True)
        ],
    )
    DetectorVersion.objects.filter(pk=detector.pk).update(
        written_since_quantiles=F("written_since_quantiles") + len(sentences)
    )
    candidates_written.send(Candidate, article_ids=article_ids)
    _write_list_figures(article_ids, sentences, scores)
    return Counter(article_id for _, article_id, _ in sentences)


def _write_list_figures(
    article_ids: list[int], sentences: list[tuple[int, int, str]], scores: list[float]
) -> None:
    """The articles' top score and candidate claims (the article list's), from the candidates
    just written."""
    scores_of = defaultdict(list)
    for (_, article_id, _), score in zip(sentences, scores, strict=True):
        scores_of[article_id].append(score)
    articles = [
        Article(
            pk=pk,
            top_score=max(scores_of[pk], default=None),
            candidate_claims=sum(score >= CANDIDATE_CLAIM_SCORE for score in scores_of[pk]),
        )
        for pk in article_ids
    ]
    Article.objects.bulk_update(articles, ["top_score", "candidate_claims"])


def _ranks_in_article(sentences: list[tuple[int, int, str]], scores: list[float]) -> list[int]:
    """Each sentence's rank in its article by score (1: the highest; sorted() is stable, so
    ties keep sentence order, as sentences come in article and sentence order)."""
    positions_of = defaultdict(list)
    for position, (_, article_id, _) in enumerate(sentences):
        positions_of[article_id].append(position)
    ranks = [0] * len(sentences)
    for positions in positions_of.values():
        for rank, position in enumerate(sorted(positions, key=lambda p: -scores[p]), start=1):
            ranks[position] = rank
    return ranks


def refresh_score_quantiles_if_due(detector_id: int) -> bool:
    """Compute the version's score quantiles again if enough candidates were written since the
    last time (QUANTILES_REFRESH_SHARE). The conditional update lets one process do it."""
    due = DetectorVersion.objects.filter(
        pk=detector_id,
        written_since_quantiles__gt=F("quantiles_from") * QUANTILES_REFRESH_SHARE,
    )
    if not due.update(written_since_quantiles=0):
        return False
    refresh_score_quantiles(detector_id)
    return True


def refresh_score_quantiles(detector_id: int) -> None:
    """Store the 1001 cut points of the version's scores over the whole corpus (ScoreQuantile),
    replacing those it had; none when it has no candidates."""
    with transaction.atomic():
        # Locked: two processes refreshing the same version write one after the other.
        DetectorVersion.objects.select_for_update().filter(pk=detector_id).exists()
        count, cut_points = _cut_points(detector_id)
        ScoreQuantile.objects.filter(detector_id=detector_id).delete()
        if cut_points:
            ScoreQuantile.objects.bulk_create(
                ScoreQuantile(detector_id=detector_id, permille=permille, score=score)
                for permille, score in zip(PERMILLES, cut_points, strict=True)
            )
        DetectorVersion.objects.filter(pk=detector_id).update(quantiles_from=count)
        # Versions whose candidates were all replaced since need no percentiles any more.
        ScoreQuantile.objects.exclude(
            Exists(Candidate.objects.filter(detector_version=OuterRef("detector")))
        ).delete()


def _cut_points(detector_id: int) -> tuple[int, list[float]]:
    """How many candidates the version has, and for each permille p the lowest score that at
    least p / 1000 of them have or stay under (SQL's percentile_disc; for p = 0 that is 0, so
    that a score below every one seen then still has a percentile); none without candidates."""
    scores = Candidate.objects.filter(detector_version_id=detector_id)
    count = scores.count()
    if not count:
        return 0, []
    if connection.vendor == "postgresql":
        # Sorted in the database: the corpus's scores never travel to Python.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY score) "
                f"FROM {Candidate._meta.db_table} WHERE detector_version_id = %s",
                [[p / 1000 for p in PERMILLES], detector_id],
            )
            return count, [0.0, *cursor.fetchone()[0][1:]]
    ordered = list(scores.order_by("score").values_list("score", flat=True))
    # the ceil(p * n / 1000)-th lowest score, counting from 1
    return len(ordered), [0.0] + [ordered[-(-p * len(ordered) // 1000) - 1] for p in PERMILLES[1:]]


def _json(value: dict) -> str:
    # orjson takes 2 us per sentence where the json module took 11 (of about 250 in all).
    return orjson.dumps(value).decode()


def _neighbour(sentences: list[tuple[int, int, str]], position: int, article_id: int) -> str | None:
    if 0 <= position < len(sentences) and sentences[position][1] == article_id:
        return sentences[position][2]
    return None
