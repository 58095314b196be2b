"""Celery tasks: thin, they take ids and call one service (imported in the body: the services
import this module to queue the tasks)."""

from celery import shared_task


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def precompute_articles_task(article_ids: list[int]) -> list[int]:
    from .services import precompute_articles

    return precompute_articles(article_ids)


@shared_task(acks_late=True)
def sweep_stale_precompute_task() -> int:
    from .services import requeue_stale_articles

    return requeue_stale_articles()
