"""A real Celery worker process, Redis as broker, PostgreSQL as database: no eager mode."""

import pytest

from annotations.ingest import ingest_files
from annotations.models import Article, Candidate, PrecomputeStatus
from tests.conftest import SEED_ARTICLE
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
    assert article.precompute_status == PrecomputeStatus.DONE
    assert article.sentences.count() == 19
    candidates = Candidate.objects.filter(sentence__article=article)
    assert candidates.count() == 19
    assert candidates.filter(suggested_label="false_flag").count() == 2
