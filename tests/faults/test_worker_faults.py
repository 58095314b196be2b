"""A worker killed with SIGKILL in the middle of a precompute batch: once the sweep has queued
the batch again for another worker, every article is done, its candidates written once, and
each article announced once (one `article.precomputed` delivery per article)."""

import os
import signal
from collections import Counter

import psycopg
import pytest
from django.db import connection

from annotations.corpus.models import Article, Sentence
from annotations.corpus.services import ingest_files
from annotations.detection.models import Candidate, DetectorVersion
from annotations.detection.selectors import active_detector
from annotations.detection.services import requeue_stale_articles
from annotations.jobs import JobStatus
from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint
from annotations.webhooks.services import new_secret
from tests.conftest import seed_text
from tests.services import celery_worker, require_postgres, require_redis, wait_for
from tests.webhooks.receiver import running_receiver

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ARTICLES = 6


def database(**options) -> psycopg.Connection:
    """A connection of the test's own to the test database, outside Django's."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        **options,
    )


def backends(db: psycopg.Connection, waiting_for_a_lock: bool = False) -> list[int]:
    """The test database's backends (those waiting for a lock)."""
    sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    if waiting_for_a_lock:
        sql += " AND wait_event_type = 'Lock'"
    return [pid for (pid,) in db.execute(sql).fetchall()]


def test_a_worker_killed_mid_batch_loses_nothing_and_computes_nothing_twice(settings, monkeypatch):
    require_postgres()
    broker = require_redis()
    settings.PRECOMPUTE_RUNNING_TIMEOUT = 0  # the sweep takes a running batch for a dead one
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "1")
    detector = active_detector()
    articles = Article.objects.all()
    with (
        running_receiver() as receiver,
        database() as holder,
        database(autocommit=True) as observer,
    ):
        WebhookEndpoint.objects.create(
            url=receiver.url, secret=new_secret(), events=["article.precomputed"]
        )
        # Holding the detector's row stops the worker inside its batch's transaction, when it
        # has claimed the articles and written their candidates, before it commits.
        holder.execute(
            f"SELECT 1 FROM {DetectorVersion._meta.db_table} WHERE id = %s FOR UPDATE",
            [detector.pk],
        )
        with celery_worker(broker) as [worker]:
            files = [
                (f"{n}.txt", seed_text(url=f"https://k.example/{n}", body="One said. Two did."))
                for n in range(ARTICLES)
            ]
            list(ingest_files(files))
            wait_for(lambda: backends(observer, True), message="the worker to be mid-batch")
            [orphan] = backends(observer, True)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        # The killed worker's backend goes on, finds its client gone and rolls back.
        holder.rollback()
        wait_for(lambda: orphan not in backends(observer), message="the batch to roll back")
        assert set(articles.values_list("precompute_status", flat=True)) == {JobStatus.RUNNING}
        assert not Candidate.objects.exists() and not receiver.requests

        with celery_worker(broker):
            assert requeue_stale_articles() == ARTICLES
            wait_for(
                lambda: len(receiver.requests) >= ARTICLES, message="the batch to be announced"
            )
    assert set(articles.values_list("precompute_status", flat=True)) == {JobStatus.DONE}
    assert Candidate.objects.count() == Sentence.objects.count()
    sent = Counter(payload["data"]["id"] for payload in receiver.payloads())
    assert sent == Counter(articles.values_list("pk", flat=True))
    assert WebhookDelivery.objects.filter(status="succeeded").count() == ARTICLES
