"""A real Celery worker process, Redis as broker, PostgreSQL as database: no eager mode."""

from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.detection.models import Candidate, DetectorModel, DetectorVersion
from annotations.detection.selectors import active_detector
from annotations.jobs import JobStatus
from annotations.training.models import TrainingRun
from tests.conftest import CHECKTHAT_SAMPLE, SEED_ARTICLE
from tests.services import (
    CEILING_SECONDS,
    celery_worker,
    require_postgres,
    require_redis,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_computes_candidates_for_a_freshly_loaded_article():
    require_postgres()
    broker = require_redis()
    with celery_worker(broker):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])

        def done():
            return Article.objects.get(pk=outcome.article_id).precompute_status == "done"

        wait_for(done, message="the worker to mark the article done")
    article = Article.objects.get(pk=outcome.article_id)
    assert article.precompute_status == JobStatus.DONE
    assert article.sentences.count() == 19
    candidates = Candidate.objects.filter(sentence__article=article)
    assert candidates.count() == 19
    assert candidates.filter(suggested_label="false_flag").count() == 2


def test_a_real_worker_runs_a_training_run_and_rescores_the_articles():
    require_postgres()
    broker = require_redis()
    sample = CHECKTHAT_SAMPLE
    with celery_worker(broker):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
        call_command("import_labels", *map(str, sorted(sample.glob("*.tsv"))))
        call_command("train_candidates")
        run = TrainingRun.objects.get()

        def rescored():
            run.refresh_from_db()
            candidates = Candidate.objects.filter(sentence__article_id=outcome.article_id)
            return run.detector_version and {c.detector_version for c in candidates} == {
                run.detector_version
            }

        wait_for(rescored, message="the worker to train and re-score the article")
    assert (run.status, run.trigger) == ("done", "command") and run.detector_version.model
    assert run.started_at and run.finished_at


def test_two_workers_train_once_for_an_import_and_requests_made_while_it_trains(
    monkeypatch, settings
):
    """The issue's case: importing labels queues an automatic run; `train_candidates` (and
    others) ask again while a worker trains it, with a second worker free to take the next run.
    One training, one new version, every article re-scored once."""
    require_postgres()
    broker = require_redis()
    monkeypatch.setenv("CANDIDATE_RETRAIN_EVERY", "10")  # the workers': importing makes it due
    settings.CANDIDATE_RETRAIN_EVERY = 10
    requests = ThreadPoolExecutor(4)
    waiting_output = StringIO()
    with celery_worker(broker, processes=2):
        [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
        wait_for(
            lambda: Article.objects.get(pk=outcome.article_id).precompute_status == "done",
            message="the rules to score the article",
        )
        call_command("import_labels", *map(str, sorted(CHECKTHAT_SAMPLE.glob("*.tsv"))))
        automatic = TrainingRun.objects.get()
        with transaction.atomic():
            # Holds the automatic run's new version back (its insert waits for this lock), so
            # that it is still training, however fast the machine, while the others ask.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {DetectorVersion._meta.db_table} IN SHARE MODE")
            wait_for(
                lambda: TrainingRun.objects.get(pk=automatic.pk).status == "running",
                message="a worker to start the automatic run",
            )
            for asked in [
                requests.submit(in_own_connection, call_command, "train_candidates")
                for _ in range(3)
            ]:
                asked.result()  # queued to the workers
            waiting = requests.submit(
                in_own_connection,
                call_command,
                "train_candidates",
                "--wait",
                stdout=waiting_output,
            )
            wait_for(
                lambda: "waits for the run training now" in waiting_output.getvalue(),
                message="train_candidates --wait to wait for the automatic run",
            )
            [following] = TrainingRun.objects.exclude(pk=automatic.pk)
            assert following.status == "pending"  # a worker was free; the database held it back
        waiting.result(timeout=CEILING_SECONDS)
        requests.shutdown()

        def rescored():
            candidates = Candidate.objects.filter(sentence__article_id=outcome.article_id)
            return {c.detector_version for c in candidates} == {active_detector()}

        wait_for(rescored, message="the workers to re-score the article")
    automatic.refresh_from_db()
    following.refresh_from_db()
    assert (automatic.status, automatic.trigger) == ("done", "new_labels")
    assert (following.status, following.detector_version) == (
        "skipped",
        automatic.detector_version,
    )
    assert TrainingRun.objects.count() == 2 and DetectorModel.objects.count() == 1
    assert following.started_at >= automatic.finished_at
    assert f"training run #{following.pk}: skipped" in waiting_output.getvalue()
    assert Candidate.objects.filter(sentence__article_id=outcome.article_id).count() == 19


def in_own_connection(function, *args, **kwargs):
    """Call function in this thread with a database connection of its own, closed after."""
    try:
        return function(*args, **kwargs)
    finally:
        connection.close()
