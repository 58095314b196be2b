"""The review page, the article list and the save action run a constant number of queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.corpus.models import Sentence
from annotations.training.models import TrainingRun
from tests.reviewing import (
    article_url,
    labels_by_many_reviewers,
    load_article,
    long_body,
    save,
    sentence,
    with_candidates,
)

pytestmark = pytest.mark.django_db

# session, user, article, the window's sentences, candidates, mine, counts, the stored progress,
# shortcuts, and the user's roles (the header links the moderation queue for every moderator,
# staff or not)
PAGE_QUERIES = 10
# session, user, the user's roles, the sentence's row (4: sentence, candidates, mine, counts),
# the service's transaction (savepoint, the article's lock read again under its row lock, lock,
# write, history, webhook endpoints, the reviewer's progress in the article, the sentence's
# tally for the moderation queue (its row locked, read, upsert), the article's sentences by
# votes and the sentence's votes in the work queue, release)
SAVE_QUERIES = 20


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def test_the_review_page_does_not_grow_with_sentences_or_reviewers(reviewer, client):
    small = with_candidates(load_article("Small", long_body(3), "https://a.example/small"))
    big = with_candidates(load_article("Big", long_body(300), "https://a.example/big"))
    labels_by_many_reviewers(big, 10)
    client.force_login(reviewer)
    small_count, _ = count_queries(lambda: client.get(article_url(small)))
    big_count, response = count_queries(lambda: client.get(article_url(big)))
    # The first window: REVIEW_WINDOW sentences, less the paragraph it would cut.
    assert response.content.decode().count('class="sentence"') == 99
    assert big_count == small_count <= PAGE_QUERIES


def test_the_review_page_with_my_labels_shown(reviewer, client, django_assert_max_num_queries):
    big = with_candidates(load_article("Big", long_body(300), "https://a.example/big"))
    labels_by_many_reviewers(big, 10)
    for s in Sentence.objects.filter(article=big)[:50]:
        s.annotations.create(reviewer=reviewer, label="disputed")
    client.force_login(reviewer)
    with django_assert_max_num_queries(PAGE_QUERIES):
        html = client.get(article_url(big)).content.decode()
    assert html.count("All reviewers: Sourced 5 · Disputed 6") == 50


def test_the_article_list_does_not_grow_with_articles(reviewer, client):
    first = load_article("First", long_body(6), "https://a.example/0")
    client.force_login(reviewer)
    cache.clear()
    few, _ = count_queries(lambda: client.get("/"))
    for n in range(1, 40):
        with_candidates(load_article(f"Article {n}", long_body(6), f"https://a.example/{n}"))
    labels_by_many_reviewers(first, 10)
    cache.clear()
    many, response = count_queries(lambda: client.get("/", {"sort": "candidates"}))
    assert response.content.decode().count("<tr>") == 41  # header and 40 articles
    # session, user, roles, the page, and the project's progress towards k (two queries, then
    # kept in the cache for a minute)
    assert many == few <= 6


def test_saving_does_not_grow_with_sentences_or_reviewers(reviewer, client):
    small = load_article("Small", long_body(3), "https://a.example/small")
    big = with_candidates(load_article("Big", long_body(300), "https://a.example/big"))
    labels_by_many_reviewers(big, 10)
    first, in_small, in_big = sentence(small, 0), sentence(small, 1), sentence(big, 150)
    client.force_login(reviewer)
    # Past CANDIDATE_RETRAIN_EVERY labels, saving still only saves: retraining is the sweep's.
    first_count, _ = count_queries(lambda: save(client, first, {"label": "sourced"}))
    assert first_count <= SAVE_QUERIES and not TrainingRun.objects.exists()
    small_count, _ = count_queries(lambda: save(client, in_small, {"label": "sourced"}))
    big_count, response = count_queries(lambda: save(client, in_big, {"label": "sourced"}))
    assert response.status_code == 200
    assert big_count == small_count <= SAVE_QUERIES
