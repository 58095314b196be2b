"""The lists: cursor pagination, filters, and a constant number of queries per page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.corpus.models import Article
from annotations.detection.models import Candidate
from annotations.jobs import JobStatus
from annotations.review.models import Annotation
from annotations.review.services import annotation_save
from tests.api_support import client_for, load_articles, load_seed_article
from tests.conftest import make_reviewer

pytestmark = pytest.mark.django_db
# Queries per page: the token, then one for the page; sentences add candidates, my annotations
# and everyone's label counts; annotations, the user's roles (moderators' and reviewers' lists
# are different queries).
QUERIES = {"/api/articles/": 2, "/api/sentences/": 5, "/api/candidates/": 2, "/api/annotations/": 3}
LISTS = list(QUERIES)


def label_everything(reviewers, articles, label="sourced"):
    for article in articles:
        for sentence in article.sentences.all():
            for reviewer in reviewers:
                annotation_save(sentence=sentence, reviewer=reviewer, changes={"label": label})


def queries_for(client, url) -> int:
    """The queries a request made, but the planner settings around a list and their savepoint
    (the annotation list reads through reading_in_list_order() on PostgreSQL)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    setup = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL", "RESET")
    return sum(not query["sql"].startswith(setup) for query in captured)


@pytest.mark.parametrize("url", LISTS)
def test_a_page_takes_the_same_few_queries_whatever_its_size(url, reviewer):
    others = [make_reviewer(f"r{n}") for n in range(3)]
    client = client_for(reviewer)
    label_everything([reviewer, *others], load_articles(2))
    small = queries_for(client, f"{url}?page_size=200")

    label_everything([reviewer, *others], load_articles(10, sentences=6)[2:])
    assert len(client.get(f"{url}?page_size=200").json()["results"]) >= 10
    assert queries_for(client, f"{url}?page_size=200") == small <= QUERIES[url]


@pytest.mark.parametrize("url", LISTS)
def test_following_next_links_visits_every_row_once(url, reviewer):
    label_everything([reviewer], load_articles(3))
    client = client_for(reviewer)
    everything = [row["id"] for row in client.get(f"{url}?page_size=200").json()["results"]]
    seen, page = [], client.get(f"{url}?page_size=2").json()
    while True:
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
    assert seen == everything and len(set(seen)) == len(seen) >= 3


def test_the_article_page_takes_the_same_queries_however_many_sentences_and_labels(
    reviewer, django_assert_max_num_queries
):
    others = [make_reviewer(f"r{n}") for n in range(3)]
    short, long = load_articles(1, sentences=2)[0], load_seed_article()
    label_everything([reviewer, *others], [short, long])
    client = client_for(reviewer)
    assert queries_for(client, f"/api/articles/{short.pk}/") == queries_for(
        client, f"/api/articles/{long.pk}/"
    )
    # Token, article, sentences, candidates, my annotations, label counts.
    with django_assert_max_num_queries(6):
        client.get(f"/api/articles/{long.pk}/")


def test_articles_filter_by_search_progress_and_precompute_status(reviewer):
    first, second, third = load_articles(3)
    label_everything([reviewer], [first])
    annotation_save(
        sentence=second.sentences.first(), reviewer=reviewer, changes={"label": "sourced"}
    )
    Article.objects.filter(pk=third.pk).update(
        precompute_status=JobStatus.FAILED, precompute_error="ValueError: boom"
    )
    client = client_for(reviewer)

    def ids(query):
        return [row["id"] for row in client.get(f"/api/articles/?{query}").json()["results"]]

    assert ids("") == [third.pk, second.pk, first.pk]  # newest loaded first
    assert ids("search=Article 1") == [second.pk]
    assert ids("search=example.com/2") == [third.pk]
    assert ids("progress=done") == [first.pk]
    assert ids("progress=in_progress") == [second.pk]
    assert ids("progress=not_started") == [third.pk]
    assert ids("precompute_status=failed") == [third.pk]
    failed = client.get("/api/articles/?precompute_status=failed").json()["results"][0]
    assert failed["precompute_error"] == "ValueError: boom"
    row = client.get("/api/articles/?progress=done").json()["results"][0]
    assert row["sentence_count"] == row["labelled_by_me"] == row["labelled_by_anyone"] == 3


def test_articles_show_their_kept_figures_and_hide_hidden_ones(reviewer, moderator):
    shown, hidden = load_articles(2)
    Article.objects.filter(pk=hidden.pk).update(hidden=True)
    first = shown.sentences.order_by("index").first()
    for user in (reviewer, moderator):
        annotation_save(sentence=first, reviewer=user, changes={"label": "sourced"})

    def rows(user, query=""):
        return client_for(user).get(f"/api/articles/?{query}").json()["results"]

    [row] = rows(reviewer)
    assert row["id"] == shown.pk
    assert (row["labelled_by_me"], row["labelled_by_anyone"], row["reached_overlap"]) == (1, 1, 1)
    assert [row["id"] for row in rows(moderator)] == [hidden.pk, shown.pk]
    assert [row["id"] for row in rows(moderator, "hidden=true")] == [hidden.pk]
    assert rows(reviewer, "hidden=true") == []


def test_the_article_list_counts_nothing(reviewer):
    load_articles(3)
    with CaptureQueriesContext(connection) as captured:
        response = client_for(reviewer).get("/api/articles/?page_size=2")
    assert response.status_code == 200 and response.json()["next"]
    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]


def test_a_bad_article_cursor_is_a_400(reviewer):
    response = client_for(reviewer).get("/api/articles/?cursor=garbage")
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


def test_sentences_filter_by_article_score_suggestion_and_what_i_labelled(reviewer):
    article = load_seed_article()
    client = client_for(reviewer)
    labelled = article.sentences.get(index=0)
    annotation_save(sentence=labelled, reviewer=reviewer, changes={"label": "not_claim"})

    def ids(query):
        response = client.get(f"/api/sentences/?article={article.pk}&page_size=200&{query}")
        return {row["id"] for row in response.json()["results"]}

    everything = set(article.sentences.values_list("pk", flat=True))
    assert ids("") == everything
    assert ids("labelled=true") == {labelled.pk}
    assert ids("labelled=false") == everything - {labelled.pk}
    strong = set(
        Candidate.objects.filter(sentence__article=article, score__gte=0.7).values_list(
            "sentence", flat=True
        )
    )
    assert strong and ids("min_score=0.7") == strong
    disputed = set(
        Candidate.objects.filter(suggested_label="disputed").values_list("sentence", flat=True)
    )
    assert ids("suggested_label=disputed") == disputed
    assert client.get("/api/sentences/?article=999999").json()["results"] == []


def test_candidates_above_a_score_for_an_article_in_article_order(reviewer):
    article = load_seed_article()
    load_articles(1)  # another article's candidates stay out
    response = client_for(reviewer).get(f"/api/candidates/?article={article.pk}&min_score=0.7")
    rows = response.json()["results"]
    assert rows and all(row["score"] >= 0.7 and row["article"] == article.pk for row in rows)
    assert [row["sentence_index"] for row in rows] == sorted(row["sentence_index"] for row in rows)
    assert all(row["text"] and "reasons" in row for row in rows)


def test_annotations_filter_by_article_label_reviewer_and_date(reviewer, moderator):
    first, second = load_articles(2)
    label_everything([reviewer], [first], "sourced")
    label_everything([moderator], [second], "disputed")
    Annotation.objects.filter(sentence__article=second).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    client = client_for(moderator)

    def count(query):
        return len(client.get(f"/api/annotations/?page_size=200&{query}").json()["results"])

    assert count("") == 6
    assert count(f"article={first.pk}") == 3
    assert count("label=disputed") == 3
    assert count("reviewer=reviewer") == 3
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert count(f"created_after={since}") == 3
    assert count(f"created_before={since}") == 3
    assert count("moderation_status=approved") == 0


def test_the_article_page_shows_sentences_candidates_my_labels_and_counts_once_i_labelled(
    reviewer, other_reviewer
):
    article = load_seed_article()
    first, second = article.sentences.order_by("index")[:2]
    for sentence in (first, second):
        annotation_save(sentence=sentence, reviewer=other_reviewer, changes={"label": "disputed"})
    annotation_save(sentence=first, reviewer=reviewer, changes={"label": "sourced"})

    body = client_for(reviewer).get(f"/api/articles/{article.pk}/?body=true").json()
    assert body["precompute_status"] == "done" and body["precompute_error"] == ""
    assert body["body"] == article.body
    sentences = body["sentences"]
    assert len(sentences) == body["sentence_count"] == 19
    assert all(body["body"][s["start"] : s["end"]] == s["text"] for s in sentences)
    assert all(s["candidate"] is not None for s in sentences)
    assert sentences[0]["my_annotation"]["label"] == "sourced"
    assert sentences[0]["label_counts"] == {
        "sourced": 1,
        "disputed": 1,
        "false_flag": 0,
        "not_claim": 0,
    }
    # Not labelled by me yet: the others' labels stay hidden.
    assert sentences[1]["my_annotation"] is None and sentences[1]["label_counts"] is None


def test_a_reviewers_annotations_come_in_the_order_they_labelled_each_sentence_together(
    reviewer, other_reviewer, moderator
):
    """Others' labels show only on sentences the reviewer labelled, next to the reviewer's own,
    and pages of two split those groups without losing or repeating one."""
    [article] = load_articles(1, sentences=5)
    s = list(article.sentences.order_by("index"))

    def label(who, sentence):
        annotation, _ = annotation_save(
            sentence=sentence, reviewer=who, changes={"label": "sourced"}
        )
        return annotation.pk

    others_first = label(other_reviewer, s[1])  # before the reviewer's own: order is theirs
    hidden = label(other_reviewer, s[2])  # a sentence the reviewer never labelled
    groups = [
        [label(reviewer, s[3])],
        [label(reviewer, s[1]), others_first],
        [label(reviewer, s[4])],
    ]
    groups[0] += [label(other_reviewer, s[3]), label(moderator, s[3])]

    url, seen = "/api/annotations/?page_size=2", []
    while url:
        page = client_for(reviewer).get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 6 and hidden not in seen
    assert [set(seen[:3]), set(seen[3:5]), set(seen[5:])] == [set(group) for group in groups]

    everything = client_for(moderator).get("/api/annotations/?page_size=200").json()["results"]
    assert [row["id"] for row in everything] == sorted([hidden, *sum(groups, [])])
