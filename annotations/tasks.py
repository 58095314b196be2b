"""Celery tasks: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import precompute, training, webhooks


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def precompute_articles(article_ids: list[int]) -> list[int]:
    return precompute.precompute_articles(article_ids)


@shared_task(acks_late=True)
def sweep_stale_precompute() -> int:
    return precompute.requeue_articles(precompute.stale_articles())


@shared_task(acks_late=True)
def train_detector(run_id: int) -> str:
    return training.run_training(run_id).status


@shared_task(acks_late=True)
def sweep_training_runs() -> tuple[int, int]:
    return training.stale_training_runs()


@shared_task(
    acks_late=True,
    autoretry_for=(webhooks.DeliveryFailed,),
    retry_backoff=10,
    retry_backoff_max=webhooks.RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    # deliver() stops at WEBHOOK_MAX_ATTEMPTS, counted on the delivery across requeues.
    max_retries=None,
)
def deliver_webhook(delivery_id: int) -> None:
    webhooks.deliver(delivery_id)


@shared_task(acks_late=True)
def sweep_webhook_deliveries() -> int:
    return webhooks.requeue_lost_deliveries()


def enqueue_precompute(article_ids: list[int]) -> None:
    """Queue precompute for the articles once the current transaction commits, in batches."""
    batch = settings.PRECOMPUTE_BATCH_SIZE
    for start in range(0, len(article_ids), batch):
        ids = article_ids[start : start + batch]
        transaction.on_commit(lambda ids=ids: precompute_articles.delay(ids))
