"""Celery tasks: thin, they call one service (imported in the body)."""

from celery import shared_task


@shared_task(acks_late=True)
def split_search_index_task() -> list[str]:
    from .services import split_search_index

    return split_search_index()
