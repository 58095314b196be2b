"""The broker (a Redis of the test's own) goes down while articles are loaded and uploaded and
labels are saved: every request and command answers as usual, nothing is lost, and once the
broker is back the sweeps bring every article to done and every webhook to its receiver."""

import logging
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from annotations.corpus.models import Article
from annotations.detection.services import requeue_stale_articles
from annotations.jobs import JobStatus
from annotations.review.models import Annotation
from annotations.training.models import TrainingRun
from annotations.training.services import sweep_training_runs
from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint
from annotations.webhooks.services import new_secret, requeue_lost_deliveries
from tests.api_support import client_for
from tests.conftest import seed_text
from tests.reviewing import save
from tests.services import (
    celery_worker,
    require_postgres,
    scratch_redis,
    sending_to,
    wait_for,
)
from tests.webhooks.receiver import running_receiver

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
FILES = 5
EVENTS = ["article.loaded", "article.precomputed", "annotation.created"]


@pytest.fixture
def short_waits(settings, monkeypatch):
    """Deliveries and articles left behind are due for the sweep at once (here and in the
    worker), retraining is due at every label, and loopback receivers are allowed."""
    for name, value in {
        "PRECOMPUTE_BATCH_SIZE": 2,
        "PRECOMPUTE_PENDING_GRACE": 0,
        "WEBHOOK_SWEEP_GRACE": 0,
        "CANDIDATE_RETRAIN_EVERY": 1,
        "WEBHOOKS_ALLOW_PRIVATE": True,
    }.items():
        setattr(settings, name, value)
        monkeypatch.setenv(name, str(int(value)))


def test_a_broker_outage_loses_no_article_label_or_webhook(
    tmp_path, short_waits, reviewer, superuser, caplog
):
    require_postgres()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(FILES):
        (seeds / f"{n}.txt").write_bytes(seed_text(title=f"T{n}", url=f"https://e.org/{n}"))
    with running_receiver() as receiver, scratch_redis(tmp_path) as broker:
        WebhookEndpoint.objects.create(url=receiver.url, secret=new_secret(), events=EVENTS)
        broker.stop()
        with sending_to(broker.url), caplog.at_level(logging.WARNING, "annotations.jobs"):
            call_command("load_articles", str(seeds))  # exits 0: no CommandError
            admin = Client()
            admin.force_login(superuser)
            upload = SimpleUploadedFile("up.txt", seed_text(url="https://e.org/up"))
            page = admin.post(reverse("admin:annotations_article_upload"), {"files": [upload]})
            assert page.status_code == 200
            assert Article.objects.filter(url="https://e.org/up").exists()
            first = Article.objects.get(url="https://e.org/0").sentences.first()
            api = client_for(reviewer).post(
                "/api/annotations/", {"sentence": first.pk, "label": "sourced"}
            )
            assert api.status_code == 201
            ui = Client()
            ui.force_login(reviewer)
            second = Article.objects.get(url="https://e.org/1").sentences.first()
            assert save(ui, second, {"label": "disputed"}).status_code == 200
            # Retraining is due after every label: the sweep's run cannot be queued either.
            sweep_training_runs()
        assert "could not queue precompute" in caplog.text
        assert "could not queue webhook delivery" in caplog.text
        assert "could not queue training run" in caplog.text
        articles = Article.objects.all()
        assert articles.count() == FILES + 1 and Annotation.objects.count() == 2
        assert set(articles.values_list("precompute_status", flat=True)) == {JobStatus.PENDING}

        broker.start()
        with celery_worker(broker.url):
            requeue_stale_articles()
            wait_for(
                lambda: (
                    set(articles.values_list("precompute_status", flat=True)) == {JobStatus.DONE}
                ),
                message="every article precomputed",
            )
            requeue_lost_deliveries()
            wait_for(
                lambda: not WebhookDelivery.objects.exclude(status="succeeded").exists(),
                message="every delivery sent",
            )
    sent = Counter((p["type"], p["data"]["id"]) for p in receiver.payloads())
    ids = list(articles.values_list("pk", flat=True))
    assert sent == Counter(
        {("article.loaded", pk): 1 for pk in ids}
        | {("article.precomputed", pk): 1 for pk in ids}
        | {("annotation.created", pk): 1 for pk in Annotation.objects.values_list("pk", flat=True)}
    )
    assert TrainingRun.objects.filter(trigger="new_labels").count() == 1
