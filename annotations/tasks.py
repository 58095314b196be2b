"""Celery tasks: thin wrappers that take ids and call one service."""

from celery import shared_task

from . import precompute


@shared_task(acks_late=True)
def precompute_articles(article_ids: list[int]) -> list[int]:
    claimed = precompute.claim_articles(article_ids)
    precompute.finish_articles(claimed)
    return claimed
