"""Candidate precompute: claiming articles and recording their status."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Article, PrecomputeStatus

CLAIMABLE = Q(precompute_status__in=[PrecomputeStatus.PENDING, PrecomputeStatus.FAILED])


def claim_articles(article_ids: list[int]) -> list[int]:
    """Mark the articles as running and return the ids this worker now owns.

    Rows are locked in primary-key order and already-locked ones skipped, so a task delivered
    twice, or two workers given the same article, do the work once.
    """
    with transaction.atomic():
        claimed = list(
            Article.objects.select_for_update(skip_locked=True)
            .filter(CLAIMABLE, pk__in=article_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Article.objects.filter(pk__in=claimed).update(
            precompute_status=PrecomputeStatus.RUNNING,
            precompute_started_at=timezone.now(),
            precompute_error="",
        )
    return claimed


def finish_articles(article_ids: list[int]) -> None:
    Article.objects.filter(pk__in=article_ids).update(
        precompute_status=PrecomputeStatus.DONE, precompute_finished_at=timezone.now()
    )


def fail_articles(article_ids: list[int], error: str) -> None:
    Article.objects.filter(pk__in=article_ids).update(
        precompute_status=PrecomputeStatus.FAILED,
        precompute_error=error[:2000],
        precompute_finished_at=timezone.now(),
    )
