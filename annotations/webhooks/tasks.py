"""Celery tasks: thin, they take ids and call one service (imported in the body: the services
import this module to queue the tasks)."""

from celery import shared_task

# Longest wait between two attempts (exponential backoff with jitter up to this).
RETRY_BACKOFF_MAX_SECONDS = 3600


class DeliveryFailed(Exception):
    """The receiver did not accept a delivery; the task retries it."""


@shared_task(
    acks_late=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=10,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    # deliver() stops at WEBHOOK_MAX_ATTEMPTS, counted on the delivery across requeues.
    max_retries=None,
)
def deliver_webhook_task(delivery_id: int) -> None:
    from .services import deliver

    deliver(delivery_id)


@shared_task(acks_late=True)
def sweep_webhook_deliveries_task() -> int:
    from .services import requeue_lost_deliveries

    return requeue_lost_deliveries()
