"""Redis, where the throttle counters and a few cached figures live, stops answering: API
writes, token requests and the review page go on (unthrottled), never a 5xx; once it answers
again, throttling counts again."""

import logging
import signal
import time

import pytest
from django.conf import settings as project_settings

from annotations.review.models import Annotation
from tests.api_support import client_for, load_articles
from tests.reviewing import save
from tests.services import scratch_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings, tmp_path, monkeypatch):
    """The cache in a redis-server of this test's own, which it may stop; tight write limits;
    Redis asked again on every call after a failure, unless the test says otherwise. The
    outage's state is the test's own, so no later test starts in its outage."""
    monkeypatch.setattr("factcheck.cache._outage", {"failed_at": None})
    settings.CACHE_RETRY_SECONDS = 0
    with scratch_redis(tmp_path) as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "factcheck.cache.FailOpenRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        settings.REST_FRAMEWORK = {
            **project_settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                "auth": "2/minute",
                "auth_address": "2/minute",
                "write": "3/minute",
            },
        }
        yield server


def writes(api, sentence) -> list[int]:
    """Create, change and delete an annotation through the API: the statuses."""
    created = api.post("/api/annotations/", {"sentence": sentence.pk, "label": "sourced"})
    if created.status_code != 201:
        return [created.status_code]
    url = f"/api/annotations/{created.json()['id']}/"
    changed = api.patch(url, {"label": "disputed", "version": 1})
    deleted = api.delete(url)
    return [created.status_code, changed.status_code, deleted.status_code]


def test_api_writes_tokens_and_ui_saves_go_on_while_redis_is_down(
    redis_cache, reviewer, client, caplog
):
    [article] = load_articles(1)
    sentence = article.sentences.order_by("index").first()
    api = client_for(reviewer)
    assert writes(api, sentence) == [201, 200, 204]
    assert writes(api, sentence) == [429]  # counted in Redis

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        for _ in range(3):  # past the limit: nothing is counted, nothing refused
            assert writes(api, sentence) == [201, 200, 204]
        for _ in range(3):
            token = client_for().post(
                "/api/auth/token/", {"username": "reviewer", "password": "pw-reviewer"}
            )
            assert token.status_code == 200, token.content
        client.force_login(reviewer)
        assert client.get("/").status_code == 200
        assert client.get(f"/articles/{article.pk}/").status_code == 200
        saved = save(client, sentence, {"label": "sourced", "expected_version": 0})
        assert saved.status_code == 200
    assert Annotation.objects.filter(sentence=sentence, reviewer=reviewer).count() == 1
    outage = [r.message for r in caplog.records if r.name == "factcheck.cache"]
    assert len(outage) == 1 and outage[0].startswith("cache unreachable"), outage

    redis_cache.start()  # empty: nothing was saved
    Annotation.objects.all().delete()
    assert writes(api, sentence) == [201, 200, 204]
    assert writes(api, sentence) == [429]


def test_a_hanging_redis_delays_one_request_per_retry_interval_not_every_call(
    redis_cache, reviewer, settings
):
    settings.CACHE_RETRY_SECONDS = 2
    [article] = load_articles(1)
    sentence = article.sentences.order_by("index").first()
    api = client_for(reviewer)

    # Stopped, not gone: connections open and calls wait for their whole timeout (1 s).
    redis_cache.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        for _ in range(4):
            assert writes(api, sentence) == [201, 200, 204]
        waited = time.monotonic() - started
    finally:
        redis_cache.process.send_signal(signal.SIGCONT)
    # 12 writes, two cache calls each for the throttle: 24 s of timeouts if every call waited.
    assert waited < 8, f"12 writes took {waited:.1f} s"

    time.sleep(settings.CACHE_RETRY_SECONDS)
    assert writes(api, sentence) == [201, 200, 204]  # counted in Redis again
    assert writes(api, sentence) == [429]
