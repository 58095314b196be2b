"""On PostgreSQL with a few thousand generated rows and no statistics (never analysed, as right
after a bulk load): the queries of "next" and of sentence search read indexes, never a
sequential scan over sentences, labels, candidates or the work queue."""

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.assignment.models import ReviewClaim, SentenceWork
from annotations.assignment.selectors import work_queue
from annotations.assignment.services import next_sentence_for, rebuild_work_queue
from annotations.corpus import selectors
from annotations.corpus.models import Article, Sentence
from annotations.corpus.selectors import search_sentences
from annotations.detection.models import Candidate, DetectorVersion
from annotations.review.models import Annotation
from tests.conftest import make_reviewer
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

ARTICLES, SENTENCES = 150, 20
# The tables that grow with the corpus (a few rows per article: articles are read by key).
BIG_TABLES = {model._meta.db_table for model in (Sentence, Annotation, Candidate, SentenceWork)}
WORDS = ["shelling", "Reuters", "Moscow", "sanctions", "troops", "border", "claims", "denied"]


def plan_nodes(sql: str) -> list[dict]:
    """Every node of the query's plan (EXPLAIN, not run)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        [[plan]] = cursor.fetchone()
    nodes, stack = [], [(plan if isinstance(plan, dict) else json.loads(plan))["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


def sequential_scans(queries) -> list[tuple[str, str]]:
    """(table, query) of each sequential scan over a big table in the captured SELECTs."""
    found = []
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for node in plan_nodes(sql):
            if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
                found.append((node["Relation Name"], sql))
    return found


def indexes_read(queries) -> set[str]:
    return {
        node["Index Name"]
        for query in queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        for node in plan_nodes(query["sql"])
        if "Index Name" in node
    }


@pytest.fixture
def generated(db):
    """ARTICLES articles of SENTENCES sentences, a candidate each, and labels by ten reviewers
    on every other sentence, written in bulk; the work queue rebuilt as after a bulk load."""
    articles = Article.objects.bulk_create(
        Article(title=f"Article {n}", url=f"https://g.example/{n}", published_on="2022-02-23")
        for n in range(ARTICLES)
    )
    texts = [
        (article, i, f"Officials said {WORDS[i % 8]} and {WORDS[(i + n) % 8]} went on {i}.")
        for n, article in enumerate(articles)
        for i in range(SENTENCES)
    ]
    sentences = Sentence.objects.bulk_create(
        Sentence(article=article, index=i, paragraph=0, start=0, end=len(text), text=text)
        for article, i, text in texts
    )
    detector = DetectorVersion.objects.create(name="generated", rules_version="g")
    Candidate.objects.bulk_create(
        Candidate(sentence=s, detector_version=detector, score=(s.pk * 37 % 100) / 100)
        for s in sentences
    )
    reviewers = User.objects.bulk_create(User(username=f"g{n}") for n in range(10))
    Annotation.objects.bulk_create(
        Annotation(sentence=s, reviewer=reviewers[s.pk % 10], label="sourced")
        for s in sentences[::2]
    )
    rebuild_work_queue()
    return reviewers


def test_next_reads_the_work_queue_index_and_no_whole_table(generated):
    require_postgres()
    reviewer = make_reviewer("planner")
    for sentence in Sentence.objects.order_by("pk")[:50]:  # a history of their own
        Annotation.objects.create(sentence=sentence, reviewer=reviewer, label="not_claim")
    with CaptureQueriesContext(connection) as captured:
        assert next_sentence_for(reviewer) is not None
    assert sequential_scans(captured) == []
    assert "work_queue" in indexes_read(captured)


def test_next_takes_as_many_queries_after_hundreds_of_my_labels_and_passes_at_the_top(generated):
    """A fast reviewer's labels awaiting others, and the sentences they passed over, sit at the
    top of the queue: "next" leaves them out inside one index walk, each by a probe of its row,
    rather than stepping through them a page at a time (or reading all their labels)."""
    require_postgres()
    fresh, busy = make_reviewer("fresh"), make_reviewer("busy")
    top = list(work_queue().values_list("pk", flat=True)[:400])
    Annotation.objects.bulk_create(
        Annotation(sentence_id=pk, reviewer=busy, label="sourced") for pk in top[:200]
    )
    now = timezone.now()
    ReviewClaim.objects.bulk_create(
        ReviewClaim(sentence_id=pk, reviewer=busy, claimed_at=now, expires_at=now, skipped=True)
        for pk in top[200:]
    )
    rebuild_work_queue()  # their labels counted, as the label writes would have
    mine = set(top) & set(work_queue().values_list("pk", flat=True)[:400])
    assert len(mine) > 250  # most still await others, at the top

    best = work_queue().first().pk
    with CaptureQueriesContext(connection) as by_fresh:
        assert next_sentence_for(fresh).sentence_id == best
    with CaptureQueriesContext(connection) as by_busy:
        claim = next_sentence_for(busy)
    assert claim.sentence_id not in top
    assert len(by_busy) == len(by_fresh)
    assert sequential_scans(by_busy) == []
    # The walk's reads leave out the reviewer's sentences by a probe of each row, never by a
    # join that reads all of their labels or passes first.
    walks = [query for query in by_busy if "work_queue" in indexes_read([query])]
    assert walks
    nodes = {node["Node Type"] for query in walks for node in plan_nodes_of(query)}
    assert not nodes & {"Hash Join", "Merge Join"}


def test_queries_are_never_jit_compiled(db):
    """The walk's plan is estimated at millions (it stops after a page of the queue), past
    jit_above_cost: at 100,000 articles PostgreSQL spent 51 ms compiling it for 0.5 ms of
    reading. The project's connections run without JIT."""
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit_above_cost = 0")  # any query would qualify
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM annotations_sentence")
        [[plan]] = cursor.fetchone()
    plan = plan if isinstance(plan, dict) else json.loads(plan)
    assert "JIT" not in plan


def plan_nodes_of(query) -> list[dict]:
    sql = query["sql"]
    return plan_nodes(sql) if sql.lstrip().upper().startswith("SELECT") else []


def test_next_favouring_started_articles_reads_no_whole_table(generated, settings):
    require_postgres()
    settings.ASSIGNMENT_FAVOUR_STARTED = True
    reviewer = make_reviewer("planner")
    Annotation.objects.create(sentence=Sentence.objects.first(), reviewer=reviewer, label="sourced")
    with CaptureQueriesContext(connection) as captured:
        assert next_sentence_for(reviewer) is not None
    assert sequential_scans(captured) == []


@pytest.mark.parametrize("query", ["shelling", "Reuters Moscow", '"troops and border"'])
def test_search_reads_the_text_index_and_no_whole_table(generated, query, monkeypatch):
    require_postgres()
    # The cap as small beside these few thousand sentences as 500 is beside a real corpus (500
    # of them would be a seventh of the table, rightly read whole).
    monkeypatch.setattr(selectors, "SEARCH_MATCHES", 20)
    with CaptureQueriesContext(connection) as captured:
        page = search_sentences(query, make_reviewer("searcher"))
    assert page.sentences
    assert sequential_scans(captured) == []
    assert "sentence_text_search" in indexes_read(captured)


def test_the_search_index_keeps_a_short_pending_list(generated):
    """Every search reads the text index's pending list (rows not yet merged into it) whole:
    however many sentences were written since, it stays within 256 kB (32 pages), where
    PostgreSQL's default lets it grow to 4 MB while autovacuum is off."""
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute("SELECT pending_pages FROM pgstatginindex('sentence_text_search')")
        [pending_pages] = cursor.fetchone()
    assert Sentence.objects.count() == ARTICLES * SENTENCES
    assert 0 < pending_pages <= 32
