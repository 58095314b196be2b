"""What moderation changes in what the API shows: the queue, hidden articles, locked articles,
and the schema of the moderation endpoints."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.detection.models import Candidate
from annotations.moderation.services import adjudicate
from annotations.review.models import Annotation, History
from annotations.review.services import annotation_save
from tests.api_support import client_for, load_articles
from tests.conftest import make_reviewer
from tests.moderation import conftest as moderation

pytestmark = pytest.mark.django_db
disagreement = moderation.disagreement  # the shared fixture: two reviewers disagree


@pytest.fixture
def api(moderator):
    return client_for(moderator)


def queue(api, query="") -> list[dict]:
    response = api.get(f"/api/moderation/queue/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def sentence_ids(items) -> list[int]:
    return [item["sentence"]["id"] for item in items]


# The queue


def test_a_queue_item_holds_everything_a_decision_needs(api, disagreement):
    Candidate.objects.filter(sentence=disagreement.contested).update(
        score=0.8, suggested_label="sourced"
    )
    annotation_save(
        sentence=disagreement.contested,
        reviewer=disagreement.mine.reviewer,
        changes={"span_start": 0, "span_end": 9, "claimant": "Officials", "note": "sure"},
    )
    [item] = queue(api)
    sentences = list(disagreement.article.sentences.order_by("index"))
    assert item["sentence"]["id"] == disagreement.contested.pk
    assert item["sentence"]["article"] == disagreement.article.pk
    assert item["sentence"]["text"] == sentences[0].text
    assert (item["previous_text"], item["next_text"]) == (None, sentences[1].text)
    assert (item["candidate"]["score"], item["candidate"]["suggested_label"]) == (0.8, "sourced")
    assert "reasons" in item["candidate"]
    assert item["gold"] == {"label": "disputed", "basis": "tie"}  # the most specific tied label
    assert item["adjudication"] is None
    assert item["label_counts"] == {"sourced": 1, "disputed": 1, "false_flag": 0, "not_claim": 0}
    mine, theirs = item["annotations"]
    assert (mine["reviewer"], mine["label"], mine["span_start"], mine["span_end"]) == (
        "reviewer",
        "sourced",
        0,
        9,
    )
    assert (mine["claimant"], mine["note"], mine["moderation_status"]) == (
        "Officials",
        "sure",
        "pending",
    )
    assert (theirs["reviewer"], theirs["label"], theirs["moderated_by"]) == (
        "other",
        "disputed",
        None,
    )


def test_each_tab_holds_its_sentences_and_a_decision_moves_them(api, disagreement, moderator):
    contested, single = disagreement.contested.pk, disagreement.single.pk
    assert sentence_ids(queue(api)) == [contested]
    assert set(sentence_ids(queue(api, "tab=pending"))) == {contested, single}
    assert queue(api, "tab=decided") == []

    api.post(f"/api/annotations/{disagreement.theirs.pk}/reject/", {"reason": "No", "version": 1})
    assert queue(api) == []
    [decided] = queue(api, "tab=decided")
    assert decided["sentence"]["id"] == contested
    rejected = [a for a in decided["annotations"] if a["reviewer"] == "other"][0]
    assert (rejected["moderation_status"], rejected["moderation_reason"]) == ("rejected", "No")
    assert rejected["moderated_by"] == "moderator"
    assert decided["gold"] == {"label": "sourced", "basis": "majority"}

    adjudicate(sentence=disagreement.contested, actor=moderator, label="false_flag", reason="AP")
    [decided] = queue(api, "tab=decided")
    assert decided["gold"] == {"label": "false_flag", "basis": "adjudicated"}
    assert (decided["adjudication"]["label"], decided["adjudication"]["moderator"]) == (
        "false_flag",
        "moderator",
    )


def test_the_queue_filters_by_article_reviewer_label_and_date(api, disagreement):
    contested, single = disagreement.contested.pk, disagreement.single.pk
    assert sentence_ids(queue(api, "tab=pending&reviewer=other")) == [contested]
    assert sentence_ids(queue(api, "tab=pending&label=not_claim")) == [single]
    assert len(queue(api, f"tab=pending&article={disagreement.article.pk}")) == 2
    assert queue(api, f"tab=pending&article={disagreement.article.pk + 1}") == []
    assert queue(api, "tab=pending&since=2999-01-01") == []
    assert len(queue(api, "tab=pending&until=2999-01-01")) == 2


@pytest.mark.parametrize(
    "query, field",
    [
        ("tab=everything", "tab"),
        ("reviewer=nobody", "reviewer"),
        ("label=fake", "label"),
        ("since=yesterday", "since"),
        ("article=0", "article"),
        ("page=2", "page"),
        ("page=first", "page"),
    ],
)
def test_a_bad_queue_parameter_is_a_400_naming_it(api, disagreement, query, field):
    response = api.get(f"/api/moderation/queue/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_queue_is_paginated_by_numbered_pages(api, disagreement):
    first = api.get("/api/moderation/queue/?tab=pending&page_size=1").json()
    assert first["count"] == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    assert second["next"] is None
    both = sentence_ids(first["results"] + second["results"])
    assert both == sentence_ids(queue(api, "tab=pending"))


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def contest(articles, reviewers):
    """Every sentence of the articles labelled by each reviewer, no two agreeing."""
    labels = ["sourced", "disputed", "false_flag", "not_claim"]
    for article in articles:
        for sentence in article.sentences.all():
            for reviewer, label in zip(reviewers, labels, strict=False):
                annotation_save(sentence=sentence, reviewer=reviewer, changes={"label": label})


@pytest.mark.parametrize("tab", ["contested", "pending", "decided"])
def test_a_queue_page_takes_the_same_queries_whatever_its_size(
    api, moderator, tab, django_assert_max_num_queries
):
    reviewers = [make_reviewer(f"r{n}") for n in range(3)]
    contest(load_articles(2), reviewers)
    url = f"/api/moderation/queue/?tab={tab}&page_size=200"
    if tab == "decided":  # approve everything decided so far
        api.post("/api/moderation/bulk/", {"decision": "approve", "annotations": all_ids()})
    small = queries_for(api, url)

    contest(load_articles(12, sentences=6)[2:], reviewers)
    if tab == "decided":
        api.post("/api/moderation/bulk/", {"decision": "approve", "annotations": all_ids()})
    assert len(api.get(url).json()["results"]) >= 60
    # The token and the role, the count and the page, then the items' few reads (queue_items).
    with django_assert_max_num_queries(10):
        api.get(url)
    assert queries_for(api, url) == small


def all_ids() -> list[int]:
    return list(Annotation.objects.values_list("pk", flat=True))


# Hidden articles


def test_a_hidden_article_is_gone_for_reviewers_and_back_once_shown(
    api, disagreement, reviewer, other_reviewer
):
    article, sentence = disagreement.article.pk, disagreement.contested.pk
    candidate = Candidate.objects.get(sentence=sentence).pk
    annotation = disagreement.mine.pk
    hidden = api.post(f"/api/articles/{article}/hide/")
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True

    own = client_for(reviewer)
    for url in (
        f"/api/articles/{article}/",
        f"/api/sentences/{sentence}/",
        f"/api/candidates/{candidate}/",
        f"/api/annotations/{annotation}/",
    ):
        assert own.get(url).status_code == 404, url
        assert api.get(url).status_code == 200, url
    for url in ("/api/articles/", "/api/sentences/", "/api/candidates/", "/api/annotations/"):
        assert own.get(url).json()["results"] == [], url
        assert api.get(url).json()["results"] != [], url
    assert api.get("/api/articles/?hidden=true").json()["results"][0]["id"] == article
    third = disagreement.article.sentences.get(index=2).pk
    refused = client_for(other_reviewer).post(
        "/api/annotations/", {"sentence": third, "label": "sourced"}
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["sentence"] == [f"there is no sentence {third}"]
    patch = own.patch(f"/api/annotations/{annotation}/", {"label": "disputed", "version": 1})
    assert patch.status_code == 404

    shown = api.post(f"/api/articles/{article}/show/")
    assert shown.json()["hidden"] is False
    assert own.get(f"/api/articles/{article}/").json()["hidden"] is False
    assert own.get(f"/api/annotations/{annotation}/").status_code == 200


# Locked articles


def test_a_locked_article_refuses_reviewers_writes_but_not_a_moderators(
    api, disagreement, reviewer
):
    url = f"/api/annotations/{disagreement.mine.pk}/"
    locked = api.post(f"/api/articles/{disagreement.article.pk}/lock/")
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert (
        api.get("/api/articles/?locked=true").json()["results"][0]["id"] == disagreement.article.pk
    )

    own = client_for(reviewer)
    third = disagreement.article.sentences.get(index=2).pk
    for response in (
        own.patch(url, {"label": "disputed", "version": 1}),
        own.delete(url),
        own.post("/api/annotations/", {"sentence": third, "label": "disputed"}),
    ):
        assert response.status_code == 403
        assert "locked by a moderator" in response.json()["detail"]
    assert own.get(url).json()["label"] == "sourced"

    assert api.patch(url, {"note": "checked", "version": 1}).status_code == 200
    decided = api.post(f"{url}approve/", {"version": 2})
    assert decided.json()["moderation_status"] == "approved"

    assert api.post(f"/api/articles/{disagreement.article.pk}/unlock/").json()["locked"] is False
    assert own.patch(url, {"label": "disputed", "version": 3}).status_code == 200


def test_switching_an_article_records_it_once_via_the_api(api, disagreement, moderator):
    article = disagreement.article.pk
    api.post(f"/api/articles/{article}/lock/")
    api.post(f"/api/articles/{article}/lock/")  # already locked: nothing to record
    api.post(f"/api/articles/{article}/hide/")
    rows = History.objects.filter(subject="article").order_by("id")
    assert [(r.action, r.actor, r.via, r.article_id) for r in rows] == [
        ("locked", moderator, "api", article),
        ("hidden", moderator, "api", article),
    ]


def test_an_article_that_does_not_exist_cannot_be_switched(api):
    assert api.post("/api/articles/999999/lock/").status_code == 404


# The schema


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


MODERATION_PATHS = {
    "/api/annotations/{id}/approve/": ["post"],
    "/api/annotations/{id}/reject/": ["post"],
    "/api/annotations/{id}/reopen/": ["post"],
    "/api/sentences/{id}/adjudication/": ["get", "put", "delete"],
    "/api/articles/{id}/lock/": ["post"],
    "/api/articles/{id}/unlock/": ["post"],
    "/api/articles/{id}/hide/": ["post"],
    "/api/articles/{id}/show/": ["post"],
    "/api/moderation/bulk/": ["post"],
    "/api/moderation/queue/": ["get"],
    "/api/reviewers/": ["get"],
    "/api/reviewers/{id}/deactivate/": ["post"],
}


def test_every_moderation_endpoint_is_documented_with_its_bodies_and_errors(schema):
    for path, methods in MODERATION_PATHS.items():
        assert sorted(schema["paths"][path]) == sorted(methods), path
        for method in methods:
            operation = schema["paths"][path][method]
            where = f"{method.upper()} {path}"
            assert operation["summary"] and "Moderators only" in operation["description"], where
            assert {"401", "403"} <= set(operation["responses"]), where
            success = min(code for code in operation["responses"] if code < "300")
            if success != "204":
                assert "content" in operation["responses"][success], where
    for path in ("/api/annotations/{id}/approve/", "/api/sentences/{id}/adjudication/"):
        for method in ("post", "put", "delete"):
            operation = schema["paths"][path].get(method)
            if operation:
                assert "412" in operation["responses"], f"{method} {path}"
                assert any(p["name"] == "If-Match" for p in operation["parameters"])
    reject = schema["paths"]["/api/annotations/{id}/reject/"]["post"]["requestBody"]
    body = reject["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][body]["required"] == ["reason"]


def test_the_audit_trail_is_documented_read_only(schema):
    assert sorted(schema["paths"]["/api/history/"]) == ["get"]
    assert sorted(schema["paths"]["/api/history/{id}/"]) == ["get"]
    parameters = {p["name"] for p in schema["paths"]["/api/history/"]["get"]["parameters"]}
    assert {"sentence", "article", "user", "action", "via"} <= parameters
