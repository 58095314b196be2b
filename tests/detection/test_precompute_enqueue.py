import contextlib
from unittest import mock

import pytest
from django.db import transaction

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.jobs import JobStatus
from tests.conftest import SEED_ARTICLE, seed_text

pytestmark = pytest.mark.django_db


def test_loading_enqueues_precompute_only_once_the_article_is_committed(
    django_capture_on_commit_callbacks,
):
    with mock.patch("annotations.detection.tasks.precompute_articles_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
            assert delay.call_count == 0
        for callback in callbacks:
            callback()
    delay.assert_called_once_with([outcome.article_id])
    article = Article.objects.get()
    assert article.precompute_status == JobStatus.PENDING
    assert article.precompute_queued_at is not None


def test_a_rolled_back_load_enqueues_nothing(django_capture_on_commit_callbacks):
    with (
        mock.patch("annotations.detection.tasks.precompute_articles_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        list(ingest_files([("a.txt", seed_text())]))
        raise RuntimeError("abort the surrounding transaction")
    assert delay.call_count == 0
    assert not Article.objects.exists()


def test_the_precompute_task_marks_the_article_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = ingest_files([("a.txt", seed_text())])
    article = Article.objects.get(pk=outcome.article_id)
    assert article.precompute_status == JobStatus.DONE
    assert article.precompute_started_at <= article.precompute_finished_at


def test_an_article_is_claimed_once():
    [outcome] = ingest_files([("a.txt", seed_text())])
    claim = Article.precompute.claim
    assert claim(Article.objects.filter(pk=outcome.article_id)) == [outcome.article_id]
    assert claim(Article.objects.filter(pk=outcome.article_id)) == []
    assert Article.objects.get().precompute_status == JobStatus.RUNNING
