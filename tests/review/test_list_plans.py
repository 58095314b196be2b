"""The article list's queries on PostgreSQL read indexes, never a whole table of articles,
sentences or labels: at a few thousand articles whose statistics were never gathered (inside
the test's transaction, as right after a bulk load with autovacuum off), for each sort and
filter, on the first page and the next, in the web UI and the API. (Searching titles and URLs
is left out: at this size a scan of the table is cheaper than the trigram indexes, and the
planner rightly takes it.) And a big load refreshes the statistics when it ends."""

import datetime
from functools import partial

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from annotations.bulk import insert_rows, insert_rows_returning_ids
from annotations.corpus.models import Article, Sentence
from annotations.corpus.services import ANALYZE_AFTER, ingest_files
from annotations.review.models import Annotation
from annotations.review.selectors import ARTICLE_SORTS, PROGRESS_FILTERS
from annotations.review.services import annotation_save, recount_articles
from tests.api_support import client_for
from tests.conftest import seed_text
from tests.plans import explain, plans_of, rows_read, sequential_scans
from tests.services import require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db]

ARTICLES = 3000
SENTENCES = 4  # per article
WATCHED = {model._meta.db_table for model in (Article, Sentence, Annotation)}
ARTICLE_COLUMNS = (
    "title",
    "url",
    "published_on",
    "body",
    "content_hash",
    "source_name",
    "precompute_status",
    "precompute_error",
    "locked",
    "hidden",
    "created_at",
)
ANNOTATION_COLUMNS = (
    "sentence",
    "reviewer",
    "label",
    "claimant",
    "source_name",
    "evidence_url",
    "note",
    "moderation_status",
    "moderation_reason",
    "version",
    "created_at",
    "updated_at",
)


def generate(reviewers: list[User]) -> None:
    """ARTICLES articles of SENTENCES sentences (one in 97 failed, one in 70 hidden, one in 50
    locked): the first reviewer labelled all of one article in 30 and part of another in 30,
    the others every sentence of one article in ten. Written in bulk, then counted by id (no
    ANALYZE)."""
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.date(2020, 1, 1)
    article_ids = insert_rows_returning_ids(
        Article,
        ARTICLE_COLUMNS,
        [
            (
                f"Report {n}",
                f"https://g.example/{n}",
                day + datetime.timedelta(days=n % 900),
                "One. Two. Three. Four.",
                "x",
                "",
                "failed" if n % 97 == 0 else "done",
                "",
                n % 50 == 0,
                n % 70 == 0,
                now,
            )
            for n in range(ARTICLES)
        ],
    )
    sentence_ids = insert_rows_returning_ids(
        Sentence,
        ("article", "index", "paragraph", "start", "end", "text"),
        [(pk, i, 0, 5 * i, 5 * i + 4, "Abc.") for pk in article_ids for i in range(SENTENCES)],
    )
    first, *others = reviewers
    labels = []
    for position, pk in enumerate(sentence_ids):
        article, index = divmod(position, SENTENCES)
        if article % 30 == 0 or (article % 30 == 1 and index == 0):
            labels.append((pk, first.pk))
        if article % 10 == 0:
            labels.extend((pk, other.pk) for other in others)
    insert_rows(
        Annotation,
        ANNOTATION_COLUMNS,
        [(s, r, "sourced", "", "", "", "", "pending", "", 1, now, now) for s, r in labels],
    )
    recount_articles(article_ids)


@pytest.fixture
def generated(reviewer, other_reviewer, moderator):
    require_postgres()
    generate([reviewer, other_reviewer, moderator])


def whole_table_reads(client, url: str) -> list[str]:
    """The plans, as text, of the queries of a request that read a watched table whole."""
    return [
        f"{url}:\n{explain(sql)}\n"
        for sql, node in plans_of(lambda: client.get(url))
        if sequential_scans(node) & WATCHED
    ]


def test_the_web_list_reads_indexes_for_every_sort_and_filter(generated, reviewer, moderator):
    cache.clear()
    for user in (reviewer, moderator):
        client = client_for(user)
        client.force_login(user)
        client.get("/")  # the progress box, counted once a minute, is in the cache from now on
        for sort in ARTICLE_SORTS:
            for progress in ("", *PROGRESS_FILTERS):
                for status in ("", "failed"):
                    params = f"?sort={sort}&progress={progress}&status={status}"
                    following = client.get(f"/{params}").context["page"].next
                    pages = [f"/{params}", f"/{params}&last=1"]
                    pages += [f"/{params}&after={following}"] if following else []
                    for url in pages:
                        assert not whole_table_reads(client, url)


def test_the_api_list_reads_indexes_for_every_filter(generated, reviewer, moderator):
    url = reverse("api:article-list")
    filters = ["", "precompute_status=failed", "locked=true", "hidden=true"]
    filters += [f"progress={name}" for name in PROGRESS_FILTERS]
    for user in (reviewer, moderator):
        client = client_for(user)
        for query in filters:
            following = client.get(f"{url}?{query}").json()["next"]
            for page in filter(None, (f"{url}?{query}", following)):
                assert not whole_table_reads(client, page)


def test_a_reviewers_annotation_list_reads_about_a_page_of_labels_wherever_theirs_are(
    generated, reviewer, moderator
):
    """Whether the reviewer labelled early (the fixture's reviewer, among the oldest labels) or
    only lately (the newest article, after every other label): a page of 50 reads the
    reviewer's labels of the page's sentences and the others' on them, not every label.
    (Before, it hashed every sentence the reviewer had labelled, then walked the labels in id
    order until it found 50 of them. A moderator's list is every label in id order, as the
    other lists are.)"""
    latecomer = User.objects.create_user("latecomer")
    latecomer.groups.set(reviewer.groups.all())
    newest = Sentence.objects.filter(article=Article.objects.latest("pk"))
    for sentence in newest:
        for who in (latecomer, reviewer, moderator):
            annotation_save(sentence=sentence, reviewer=who, changes={"label": "sourced"})
    for user in (reviewer, latecomer):
        client = client_for(user)
        first = client.get("/api/annotations/").json()
        for url in ["/api/annotations/", *([first["next"]] if first["next"] else [])]:
            # 50 of the user's own, with at most 3 labels of each sentence here; the page's
            # 51st row (is there a next page?) and a sentence cut by it add a few.
            assert rows_read(partial(client.get, url), Annotation) <= 4 * 50, f"{user}: {url}"


def table_rows_estimate(model) -> float:
    """What PostgreSQL's statistics say the model's table holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_a_big_load_refreshes_the_statistics_of_what_it_filled():
    require_postgres()
    files = [
        (f"{n}.txt", seed_text(f"Load {n}", url=f"https://l.example/{n}", body="One. Two."))
        for n in range(ANALYZE_AFTER)
    ]
    assert all(outcome.status == "loaded" for outcome in ingest_files(files))
    assert table_rows_estimate(Article) >= ANALYZE_AFTER
    assert table_rows_estimate(Sentence) >= 2 * ANALYZE_AFTER
