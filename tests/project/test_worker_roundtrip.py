"""A real Celery worker process, Redis as broker, PostgreSQL as database: no eager mode."""

import pytest
from django.core.management import call_command

from annotations.corpus.models import Article
from annotations.corpus.services import ingest_files
from annotations.detection.models import Candidate
from annotations.jobs import JobStatus
from annotations.training.models import TrainingRun
from tests.conftest import CHECKTHAT_SAMPLE, SEED_ARTICLE
from tests.services import celery_worker, require_postgres, require_redis, wait_for

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
