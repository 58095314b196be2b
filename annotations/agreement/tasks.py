"""Celery tasks: thin, each calls one service (imported in the body: the services import this
module to queue the tasks)."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
def refresh_agreement_task() -> list[int]:
    """Queued after label changes (debounced), and run by the beat to catch up any lost."""
    from .services import refresh_snapshots

    return refresh_snapshots()
