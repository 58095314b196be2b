"""Celery tasks: thin, they call one service (imported in the body)."""

from celery import shared_task


@shared_task(acks_late=True)
def sweep_expired_claims_task() -> int:
    from .services import sweep_expired_claims

    return sweep_expired_claims()
