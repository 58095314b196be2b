"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1, started by the tests."""

import contextlib
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from standardwebhooks.webhooks import Webhook

from annotations.corpus.models import Sentence
from annotations.corpus.services import ingest_files
from annotations.detection.tasks import precompute_articles_task
from annotations.webhooks.models import WebhookDelivery, WebhookEndpoint
from annotations.webhooks.services import (
    deliver,
    emit,
    message_id,
    new_secret,
    requeue_lost_deliveries,
    url_problem,
)
from annotations.webhooks.tasks import (
    RETRY_BACKOFF_MAX_SECONDS,
    DeliveryFailed,
    deliver_webhook_task,
    sweep_webhook_deliveries_task,
)
from tests.api_support import client_for, load_articles
from tests.conftest import seed_text
from tests.reviewing import label as record_label
from tests.services import (
    celery_worker,
    require_postgres,
    require_redis,
    wait_for,
)
from tests.webhooks.receiver import running_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def eager_retries(monkeypatch):
    """Tasks run in-process here; let a retry run at once, as a worker would run it later,
    instead of surfacing as an error."""
    from factcheck.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def sentence():
    [article] = load_articles(1)
    return article.sentences.order_by("index").first()


def subscribe(receiver, *events, active=True) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=receiver.url, secret=new_secret(), events=list(events), active=active
    )


def label(reviewer, sentence, callbacks, label="sourced"):
    with callbacks(execute=True):
        response = client_for(reviewer).post(
            "/api/annotations/", {"sentence": sentence.pk, "label": label}
        )
    assert response.status_code == 201
    return response.json()


def test_a_delivery_is_signed_and_the_signature_verifies(
    receiver, allow_private, reviewer, sentence, django_capture_on_commit_callbacks
):
    endpoint = subscribe(receiver, "annotation.created")
    annotation = label(reviewer, sentence, django_capture_on_commit_callbacks)

    [(headers, body)] = receiver.requests
    payload = Webhook(endpoint.secret).verify(body, headers)
    assert payload["type"] == "annotation.created"
    assert payload["data"]["id"] == annotation["id"]
    assert payload["data"]["reviewer"] == "reviewer" and payload["data"]["label"] == "sourced"
    delivery = WebhookDelivery.objects.get()
    assert headers["webhook-id"] == delivery.message_id
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new_secret()).verify(body, headers)


def test_a_failing_receiver_is_retried_then_the_delivery_is_marked_failed(
    receiver, allow_private, reviewer, sentence, settings, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.created")
    receiver.statuses = [500] * 100
    label(reviewer, sentence, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == settings.WEBHOOK_MAX_ATTEMPTS
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", settings.WEBHOOK_MAX_ATTEMPTS)
    assert delivery.last_error == "receiver answered HTTP 500"


def test_retries_wait_longer_and_longer(
    receiver, allow_private, reviewer, sentence, settings, django_capture_on_commit_callbacks
):
    """A receiver that is down is not hammered: each retry waits up to twice as long as the last
    (exponential backoff with jitter, from 10 s), never more than an hour."""
    subscribe(receiver, "annotation.created")
    receiver.statuses = [500] * 100
    waits = []
    retry = deliver_webhook_task.retry

    def recording_retry(*args, **kwargs):
        waits.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver_webhook_task, "retry", recording_retry)
        label(reviewer, sentence, django_capture_on_commit_callbacks)
    assert len(waits) == settings.WEBHOOK_MAX_ATTEMPTS - 1
    for retries, wait in enumerate(waits):
        assert wait is not None, "a retry without a backoff waits Celery's default 3 minutes"
        assert 0 <= wait <= min(10 * 2**retries, RETRY_BACKOFF_MAX_SECONDS)


def test_a_receiver_that_fails_once_gets_the_delivery_on_the_retry(
    receiver, allow_private, reviewer, sentence, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.created")
    receiver.statuses = [503]
    label(reviewer, sentence, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 2
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 2, "")


def test_nothing_is_sent_for_events_not_subscribed_or_to_inactive_endpoints(
    receiver, allow_private, reviewer, sentence, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.deleted")
    subscribe(receiver, "annotation.created", active=False)
    annotation = label(reviewer, sentence, django_capture_on_commit_callbacks)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).delete(f"/api/annotations/{annotation['id']}/")
    [payload] = receiver.payloads()
    assert payload["type"] == "annotation.deleted" and payload["data"]["id"] == annotation["id"]


def test_updates_and_loaded_articles_are_announced_to_their_subscribers(
    receiver, allow_private, reviewer, superuser, django_capture_on_commit_callbacks
):
    subscribe(receiver, "article.loaded", "article.precomputed", "annotation.updated")
    article = {"title": "T", "published_on": "2022-02-23", "url": "https://example.com/t"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(superuser).post("/api/articles/", {**article, "body": "One. Two."})
    article_id = created.json()["outcomes"][0]["article"]
    loaded, precomputed = receiver.payloads()
    assert loaded["type"] == "article.loaded" and loaded["data"]["id"] == article_id
    assert precomputed["type"] == "article.precomputed"
    assert precomputed["data"]["id"] == article_id

    sentence = Sentence.objects.filter(article=article_id).first()
    annotation = label(reviewer, sentence, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(reviewer).patch(
            f"/api/annotations/{annotation['id']}/", {"label": "disputed", "version": 1}
        )
    updated = receiver.payloads()[-1]
    assert len(receiver.requests) == 3  # annotation.created is not subscribed
    assert updated["type"] == "annotation.updated"
    assert (updated["data"]["label"], updated["data"]["version"]) == ("disputed", 2)


def test_loopback_and_private_receivers_are_refused_unless_allowed(receiver, reviewer, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url in (
        receiver.url,
        "http://localhost:8000/x",
        "http://10.0.0.5/x",
        "https://192.168.1.10/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
    ):
        assert "non-public address" in url_problem(url), url
    assert (
        url_problem("ftp://example.org/x") == "only http:// and https:// URLs can receive webhooks"
    )
    assert url_problem("https://93.184.215.14/hooks") is None
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert url_problem(receiver.url) is None


def test_a_delivery_to_a_private_address_is_not_sent_when_not_allowed(
    receiver, reviewer, sentence, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    subscribe(receiver, "annotation.created")  # registered while it was allowed, say
    label(reviewer, sentence, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "non-public address (127.0.0.1); refused" in delivery.last_error


def test_admins_register_endpoints_and_read_the_delivery_log_in_the_admin(
    client, superuser, receiver, settings, reviewer, sentence, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    add = reverse("admin:annotations_webhookendpoint_add")
    form = {"url": receiver.url, "description": "ours", "events": ["annotation.created"]}
    form["active"] = "on"

    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = client.post(add, form)
    assert "resolves to a non-public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert client.post(add, form).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.created_by == superuser
    assert endpoint.events == ["annotation.created"]

    receiver.statuses = [500] * 100
    label(reviewer, sentence, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    log = client.get(reverse("admin:annotations_webhookdelivery_changelist")).content.decode()
    assert "annotation.created" in log and f">{delivery.attempts}<" in log
    detail = client.get(reverse("admin:annotations_webhookdelivery_change", args=[delivery.pk]))
    assert "receiver answered HTTP 500" in detail.content.decode()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_deliveries_are_sent_by_a_worker_never_inside_the_request(
    receiver, reviewer, settings, monkeypatch
):
    require_postgres()
    broker = require_redis()
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "1")  # for the worker process
    [article] = load_articles(1)
    endpoint = subscribe(receiver, "annotation.created")
    receiver.released.clear()  # the receiver holds each request until released

    with celery_worker(broker):
        response = client_for(reviewer).post(
            "/api/annotations/", {"sentence": article.sentences.first().pk, "label": "sourced"}
        )
        assert response.status_code == 201
        # The request has returned while the receiver has not answered anyone yet.
        assert WebhookDelivery.objects.get().status == "pending"
        wait_for(lambda: receiver.requests, message="the worker to call the receiver")
        receiver.released.set()
        wait_for(
            lambda: WebhookDelivery.objects.get().status == "succeeded",
            message="the delivery to succeed",
        )
    [(headers, body)] = receiver.requests
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "annotation.created"


def refuse_to_queue(*args, **kwargs):
    """deliver_webhook_task.delay as it fails with Redis unreachable when the event happens."""
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def make_overdue(settings):
    grace = timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE + 1)
    WebhookDelivery.objects.update(attempt_due_by=timezone.now() - grace)


def sweep(callbacks) -> int:
    with callbacks(execute=True):
        return sweep_webhook_deliveries_task.apply().get()


def test_a_delivery_that_could_not_be_queued_is_sent_by_the_sweep(
    receiver, allow_private, reviewer, sentence, settings, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.created")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver_webhook_task, "delay", refuse_to_queue)
        annotation = label(reviewer, sentence, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == "pending"

    assert sweep(django_capture_on_commit_callbacks) == 0  # not overdue yet
    make_overdue(settings)
    assert sweep(django_capture_on_commit_callbacks) == 1
    [payload] = receiver.payloads()
    assert payload["data"]["id"] == annotation["id"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert sweep(django_capture_on_commit_callbacks) == 0


def test_a_delivery_waiting_for_its_retry_is_left_alone_by_the_sweep(
    receiver, allow_private, reviewer, sentence, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.created")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver_webhook_task, "delay", refuse_to_queue)
        label(reviewer, sentence, django_capture_on_commit_callbacks)
    receiver.statuses = [503]
    with pytest.raises(DeliveryFailed):
        deliver(WebhookDelivery.objects.get().pk)  # the worker's first attempt; retry scheduled
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert len(receiver.requests) == 1


def test_a_requeued_delivery_still_stops_at_the_last_attempt(
    receiver, allow_private, reviewer, sentence, settings, django_capture_on_commit_callbacks
):
    subscribe(receiver, "annotation.created")
    receiver.statuses = [500] * 100
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deliver_webhook_task, "delay", refuse_to_queue)
        label(reviewer, sentence, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.update(attempts=settings.WEBHOOK_MAX_ATTEMPTS - 1)
    make_overdue(settings)
    assert sweep(django_capture_on_commit_callbacks) == 1
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", settings.WEBHOOK_MAX_ATTEMPTS)


def test_articles_loaded_while_the_broker_is_down_are_announced_by_the_sweep(
    receiver, allow_private, settings, django_capture_on_commit_callbacks
):
    subscribe(receiver, "article.loaded")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(precompute_articles_task, "delay", refuse_to_queue)
        patch.setattr(deliver_webhook_task, "delay", refuse_to_queue)
        with django_capture_on_commit_callbacks(execute=True):
            [outcome] = ingest_files([("a.txt", seed_text())])
    # Recorded with the article, although neither its precompute nor its delivery was queued.
    assert WebhookDelivery.objects.get().payload["data"]["id"] == outcome.article_id
    make_overdue(settings)
    assert sweep(django_capture_on_commit_callbacks) == 1
    [payload] = receiver.payloads()
    assert (payload["type"], payload["data"]["id"]) == ("article.loaded", outcome.article_id)


def test_a_rolled_back_change_records_no_delivery(reviewer, sentence, webhook_subscriber):
    sent = webhook_subscriber("annotation.created")
    with contextlib.suppress(RuntimeError), transaction.atomic():
        record_label(sentence, reviewer, "sourced")
        assert [event for event, _ in sent()] == ["annotation.created"]  # in the transaction
        raise RuntimeError("abort the change")
    assert sent() == []


def test_the_same_event_has_one_webhook_id_and_is_recorded_once(receiver, allow_private):
    first, second = subscribe(receiver, "article.precomputed"), subscribe(receiver, "x")
    second.events = ["article.precomputed"]
    second.save()
    item = {"article-1-rules": {"id": 1}}
    assert emit("article.precomputed", item) == 2
    assert emit("article.precomputed", item) == 0  # emitted again: the same event
    ids = dict(WebhookDelivery.objects.values_list("endpoint", "message_id"))
    assert len(set(ids.values())) == 2  # one per endpoint
    assert ids[first.pk] == message_id(first, "article.precomputed", "article-1-rules")
    emit("article.precomputed", {"article-1-model-2": {"id": 1}})  # another version: a new event
    assert WebhookDelivery.objects.count() == 4


def test_a_new_delivery_is_left_to_the_broker_for_the_grace_period(
    reviewer, sentence, settings, django_capture_on_commit_callbacks, webhook_subscriber
):
    webhook_subscriber("annotation.created")
    settings.WEBHOOK_SWEEP_GRACE = 60
    label(reviewer, sentence, django_capture_on_commit_callbacks)
    # 90 s on, its task may still wait behind others in the broker: not lost yet.
    later = timezone.now() + timedelta(seconds=90)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert requeue_lost_deliveries() == 0
    later += timedelta(seconds=60)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert requeue_lost_deliveries() == 1
