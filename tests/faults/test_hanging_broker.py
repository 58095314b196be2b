"""The broker (a Redis of the test's own) hangs: it takes connections and never answers. A load
waits for it once, for seconds, and then leaves the work to the sweeps, as when it is down."""

import logging
import signal
import time

import pytest
from django.core.management import call_command

from annotations.corpus.models import Article
from annotations.jobs import JobStatus
from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint
from annotations.webhooks.services import new_secret
from tests.conftest import seed_text
from tests.services import celery_worker, scratch_redis, sending_to, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
FILES = 3


def give_up(signum, frame):
    raise TimeoutError("still waiting for the broker after 60 s")


def test_a_hanging_broker_delays_a_load_once_by_seconds_and_loses_nothing(
    tmp_path, settings, monkeypatch, caplog
):
    settings.BROKER_RETRY_SECONDS = 30
    monkeypatch.setattr("annotations.jobs._broker_outage", {"failed_at": None})
    for n in range(FILES):
        (tmp_path / f"{n}.txt").write_bytes(seed_text(title=f"T{n}", url=f"https://e.org/{n}"))
    # Four tasks to queue: the articles' precompute and a delivery for each article.
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/in", secret=new_secret(), events=["article.loaded"]
    )
    signal.signal(signal.SIGALRM, give_up)
    with scratch_redis(tmp_path) as broker, sending_to(broker.url):
        broker.process.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        try:
            signal.alarm(60)
            with caplog.at_level(logging.WARNING, "annotations.jobs"):
                call_command("load_articles", str(tmp_path))  # exits 0: no CommandError
        finally:
            signal.alarm(0)
            broker.process.send_signal(signal.SIGCONT)
        waited = time.monotonic() - started
    # One send given up after two attempts of BROKER_TIMEOUT_SECONDS (2 s), the others not tried.
    assert waited < 4 * settings.BROKER_TIMEOUT_SECONDS, f"the load took {waited:.1f} s"
    warnings = [r.message for r in caplog.records if r.name == "annotations.jobs"]
    assert len(warnings) == 1 + FILES and all("its sweep will" in w for w in warnings), warnings
    assert Article.objects.count() == FILES
    assert set(Article.objects.values_list("precompute_status", flat=True)) == {JobStatus.PENDING}
    assert WebhookDelivery.objects.filter(status="pending").count() == FILES


def test_a_worker_outlives_a_hanging_broker_and_works_once_it_answers(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_bytes(seed_text())
    with scratch_redis(tmp_path) as broker, celery_worker(broker.url) as [worker]:
        broker.process.send_signal(signal.SIGSTOP)
        try:
            # Past kombu's check of the worker's waiting read (overdue after 1 + 25 s): it then
            # reconnects, and its commands to the hung broker time out.
            time.sleep(35)
        finally:
            broker.process.send_signal(signal.SIGCONT)
        assert worker.poll() is None, "the worker exited"
        call_command("load_articles", str(seed))
        wait_for(
            lambda: Article.objects.get().precompute_status == JobStatus.DONE,
            message="the article precomputed by the worker",
        )
