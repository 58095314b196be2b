"""The job lifecycle shared by training runs, article precompute and webhook deliveries: claimed
once, finished with its outcome, swept when it waited or ran too long."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.corpus.models import Article
from annotations.jobs import JobStatus
from annotations.training.models import TrainingRun
from tests.reviewing import load_article

pytestmark = pytest.mark.django_db
LONG_AGO = timedelta(hours=2)


def run(**fields) -> TrainingRun:
    return TrainingRun.objects.create(trigger=TrainingRun.Trigger.COMMAND, **fields)


def test_a_pending_job_is_claimed_once():
    job = run()
    assert TrainingRun.claim(job.pk) and not TrainingRun.claim(job.pk)
    job.refresh_from_db()
    assert job.status == "running" and job.started_at is not None


def test_a_job_that_ended_cannot_be_claimed():
    for status in ("done", "failed", "skipped"):
        assert not TrainingRun.claim(run(status=status).pk)


def test_finishing_records_the_outcome_and_the_error():
    job = run()
    TrainingRun.claim(job.pk)
    job.finish(JobStatus.FAILED, "x" * 3000)
    assert job.status == "failed" and len(job.error) == 2000 and job.finished_at is not None


def test_the_sweep_queues_jobs_waiting_too_long_and_fails_jobs_running_too_long():
    now = timezone.now()
    waiting = run()
    TrainingRun.objects.filter(pk=waiting.pk).update(created_at=now - LONG_AGO)
    stuck = run(status="running", started_at=now - LONG_AGO)  # one training run runs at a time
    queued = []
    counts = TrainingRun.sweep(queued.append, grace_seconds=3600, timeout_seconds=3 * 3600)
    assert counts == (1, 0) and TrainingRun.objects.get(pk=stuck.pk).status == "running"
    counts = TrainingRun.sweep(queued.append, grace_seconds=3600, timeout_seconds=3600)
    assert counts == (1, 1) and queued == [waiting.pk, waiting.pk]
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "no result after 3600 s" in stuck.error


def test_rows_that_are_not_jobs_share_the_lifecycle_under_their_own_field_names():
    article = load_article()
    lifecycle = Article.precompute
    articles = Article.objects.filter(pk=article.pk)
    assert lifecycle.claim(articles) == [article.pk] and lifecycle.claim(articles) == []
    lifecycle.finish(articles, JobStatus.FAILED, "boom")
    article.refresh_from_db()
    assert (article.precompute_status, article.precompute_error) == ("failed", "boom")
    assert lifecycle.claim(articles, claimable=[JobStatus.FAILED]) == [article.pk]
    assert Article.objects.filter(lifecycle.running_too_long(0)).exists()
    assert not Article.objects.filter(lifecycle.running_too_long(3600)).exists()
