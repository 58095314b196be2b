"""The precompute sweep on PostgreSQL: it never sends an article a worker is finishing back to
pending, and its query reads indexes, never a whole table of sentences or candidates, on tables
whose statistics were never gathered (as right after a bulk load)."""

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from annotations.bulk import insert_rows, insert_rows_returning_ids
from annotations.corpus.models import Article, Sentence
from annotations.detection.models import Candidate, DetectorVersion
from annotations.detection.selectors import active_detector, articles_needing_precompute
from annotations.detection.services import requeue_stale_articles
from annotations.jobs import JobStatus
from tests.api_support import load_articles
from tests.plans import explain, nodes, plans_of, sequential_scans
from tests.services import CEILING_SECONDS, require_postgres

pytestmark = [pytest.mark.services]

ARTICLES = 2000
SENTENCES = 20


def conninfo() -> str:
    """The test database, for a connection of a worker of our own."""
    database = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_an_article_a_worker_is_finishing(settings):
    require_postgres()
    [article] = load_articles(1)
    # Running for longer than the timeout: the sweep takes it for a stopped worker's...
    long_ago = timezone.now() - timedelta(seconds=settings.PRECOMPUTE_RUNNING_TIMEOUT + 60)
    Article.objects.filter(pk=article.pk).update(
        precompute_status=JobStatus.RUNNING, precompute_started_at=long_ago
    )
    holding, release = threading.Event(), threading.Event()

    def worker_finishing():
        # ...while its (slow) worker is committing the article's candidates right now.
        with psycopg.connect(conninfo()) as worker, worker.transaction():
            worker.execute(
                f"UPDATE {Article._meta.db_table} SET precompute_status = 'done' WHERE id = %s",
                [article.pk],
            )
            holding.set()
            release.wait(timeout=CEILING_SECONDS / 60)

    worker = threading.Thread(target=worker_finishing)
    worker.start()
    assert holding.wait(timeout=CEILING_SECONDS)
    try:
        requeued = requeue_stale_articles()
    finally:
        release.set()
        worker.join()
    assert requeued == 0
    assert Article.objects.get(pk=article.pk).precompute_status == JobStatus.DONE


def generate() -> tuple[int, int]:
    """ARTICLES done articles of SENTENCES sentences with candidates, one in 100 of them by an
    older detector; a few pending, running or failed. Bulk written, never ANALYZEd."""
    old = DetectorVersion.objects.create(name="old", rules_version="old")
    current = active_detector()
    now = timezone.now()
    statuses = {0: "failed", 1: "pending", 2: "running"}
    columns = ("title", "url", "body", "content_hash", "source_name", "precompute_status")
    article_ids = insert_rows_returning_ids(
        Article,
        (*columns, "precompute_error", "published_on", "locked", "hidden", "created_at"),
        [
            (f"R{n}", f"https://p.example/{n}", "A. B. C.", "x", "", statuses.get(n % 500, "done"))
            + ("", now.date(), False, False, now)
            for n in range(ARTICLES)
        ],
    )
    sentence_ids = insert_rows_returning_ids(
        Sentence,
        ("article", "index", "paragraph", "start", "end", "text"),
        [(a, i, 0, 3 * i, 3 * i + 2, "A.") for a in article_ids for i in range(SENTENCES)],
    )
    insert_rows(
        Candidate,
        ("sentence", "detector_version", "score", "suggested_label", "reasons", "rank"),
        [
            (pk, old.pk if position // SENTENCES % 100 == 0 else current.pk, 0.5, "", "{}", 1)
            for position, pk in enumerate(sentence_ids)
        ],
    )
    return old.pk, current.pk


@pytest.mark.django_db
def test_the_stale_article_query_probes_indexes_without_statistics():
    require_postgres()
    old, _ = generate()
    watched = {Sentence._meta.db_table, Candidate._meta.db_table}
    for sql, plan in plans_of(articles_needing_precompute):
        assert not sequential_scans(plan) & watched, explain(sql)
        # Per article, one sentence and its one candidate of the active version are looked up
        # by unique keys, however long the article and whatever the estimates: the old query
        # probed the candidates of every sentence, and took minutes at 100,000 articles.
        for node in nodes(plan):
            table = node.get("Relation Name")
            looked_up_by = node.get("Index Cond", "") + node.get("Recheck Cond", "")
            if table == Sentence._meta.db_table:
                assert "(index = 0)" in looked_up_by, explain(sql)
            if table == Candidate._meta.db_table:
                assert "detector_version_id =" in looked_up_by, explain(sql)
    # And it finds what is due: those scored by the older version, the failed ones and those
    # pending that were never queued.
    outdated = set(
        Sentence.objects.filter(candidates__detector_version=old).values_list(
            "article_id", flat=True
        )
    )
    stuck = set(
        Article.objects.filter(precompute_status__in=["failed", "pending"]).values_list(
            "pk", flat=True
        )
    )
    assert outdated and stuck
    assert set(articles_needing_precompute()) == outdated | stuck
