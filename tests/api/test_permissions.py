"""Who may do what through the API, for each endpoint and method: the personas of conftest.py
(an outsider is an anonymous caller)."""

import pytest
from rest_framework.test import APIClient

from annotations.corpus.models import Article
from annotations.detection.models import Candidate
from annotations.export.models import ExportJob
from annotations.review.models import Annotation, History
from annotations.review.services import annotation_save
from annotations.roles import is_moderator
from tests.api_support import client_for, load_articles

pytestmark = pytest.mark.django_db
PERSONAS = ["outsider", "reviewer", "other_reviewer", "moderator", "staff", "superuser"]


@pytest.fixture
def world(reviewer):
    """One article; the reviewer has labelled its first sentence."""
    [article] = load_articles(1)
    first, second = article.sentences.order_by("index")[:2]
    mine, _ = annotation_save(sentence=first, reviewer=reviewer, changes={"label": "sourced"})
    return {
        "article": article.pk,
        "sentence": first.pk,
        "free_sentence": second.pk,
        "candidate": Candidate.objects.filter(sentence=first).get().pk,
        "annotation": mine.pk,
        # Not started by anyone here (its requester left): moderators see it, others do not.
        "export": ExportJob.objects.create(format="jsonl", options={"real_names": False}).pk,
    }


def new_article_json():
    return {
        "title": "Another",
        "published_on": "2022-02-24",
        "url": "https://example.com/another",
        "body": "A paragraph. Another sentence.",
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# What an allowed answer must hold, besides its status: check(response, world, user).
def listed(key):
    return lambda response, world, user: world[key] in ids(response)


def the_one(key):
    return lambda response, world, user: response.json()["id"] == world[key]


def listed_if_moderator(key):
    return lambda response, world, user: (world[key] in ids(response)) is is_moderator(user)


def annotation_seen(response, world, user):
    # Others' labels show only to moderators and to those who labelled the sentence.
    sees = user.username in ("reviewer", "moderator", "root")
    return (world["annotation"] in ids(response)) is sees


def article_loaded(response, world, user):
    [outcome] = response.json()["outcomes"]
    return outcome["status"] == "loaded" and Article.objects.filter(pk=outcome["article"]).exists()


def my_new_label(response, world, user):
    body = response.json()
    stored = Annotation.objects.get(pk=body["id"])
    return (body["reviewer"], stored.reviewer, stored.label) == (user.username, user, "disputed")


def relabelled(value):
    def check(response, world, user):
        body, stored = response.json(), Annotation.objects.get(pk=world["annotation"])
        return (body["label"], body["reviewer"], stored.label) == (value, "reviewer", value)

    return check


def gone(response, world, user):
    return not Annotation.objects.filter(pk=world["annotation"]).exists()


def me(response, world, user):
    body = response.json()
    return (body["username"], body["is_moderator"]) == (user.username, is_moderator(user))


# (method, path, body, expected status for each persona in PERSONAS order, check of a 2xx)
MATRIX = [
    ("get", "/api/articles/", None, [401, 200, 200, 200, 200, 200], listed("article")),
    ("post", "/api/articles/", new_article_json, [401, 403, 403, 403, 403, 201], article_loaded),
    ("get", "/api/articles/{article}/", None, [401, 200, 200, 200, 200, 200], the_one("article")),
    ("delete", "/api/articles/{article}/", None, [401, 405, 405, 405, 405, 405], None),
    ("get", "/api/sentences/", None, [401, 200, 200, 200, 200, 200], listed("sentence")),
    (
        "get",
        "/api/sentences/{sentence}/",
        None,
        [401, 200, 200, 200, 200, 200],
        the_one("sentence"),
    ),
    ("post", "/api/sentences/", {}, [401, 405, 405, 405, 405, 405], None),
    ("get", "/api/candidates/", None, [401, 200, 200, 200, 200, 200], listed("candidate")),
    (
        "get",
        "/api/candidates/{candidate}/",
        None,
        [401, 200, 200, 200, 200, 200],
        the_one("candidate"),
    ),
    ("get", "/api/me/", None, [401, 200, 200, 200, 200, 200], me),
    (
        "get",
        "/api/labels/",
        None,
        [401, 200, 200, 200, 200, 200],
        lambda response, world, user: len(response.json()["labels"]) == 4,
    ),
    ("get", "/api/annotations/", None, [401, 200, 200, 200, 200, 200], annotation_seen),
    # Labelling takes a role: staff without one (admin access only) are refused.
    (
        "post",
        "/api/annotations/",
        {"sentence": "{free_sentence}", "label": "disputed"},
        [401, 201, 201, 201, 403, 201],
        my_new_label,
    ),
    # The other reviewer (and staff, who are no moderators) have not labelled this sentence: the
    # annotation is not visible to them.
    (
        "get",
        "/api/annotations/{annotation}/",
        None,
        [401, 200, 404, 200, 404, 200],
        the_one("annotation"),
    ),
    (
        "patch",
        "/api/annotations/{annotation}/",
        {"label": "disputed", "version": 1},
        [401, 200, 404, 200, 404, 200],
        relabelled("disputed"),
    ),
    (
        "put",
        "/api/annotations/{annotation}/",
        {"label": "not_claim", "version": 1},
        [401, 200, 404, 200, 404, 200],
        relabelled("not_claim"),
    ),
    ("delete", "/api/annotations/{annotation}/", None, [401, 204, 404, 204, 404, 204], gone),
    ("get", "/api/annotations/999999/", None, [401, 404, 404, 404, 404, 404], None),
    # Assignments take a role too; nobody holds a claim to skip yet.
    (
        "post",
        "/api/assignments/next/",
        None,
        [401, 200, 200, 200, 403, 200],
        lambda response, world, user: response.json()["sentence"]["article"] == world["article"],
    ),
    (
        "post",
        "/api/assignments/{free_sentence}/skip/",
        None,
        [401, 404, 404, 404, 403, 404],
        None,
    ),
    # Exports: moderators start them; a job shows to its requester and moderators.
    (
        "post",
        "/api/exports/",
        {"format": "jsonl"},
        [401, 403, 403, 202, 403, 202],
        lambda response, world, user: response.json()["requester"] == user.username,
    ),
    ("get", "/api/exports/", None, [401, 200, 200, 200, 200, 200], listed_if_moderator("export")),
    ("get", "/api/exports/{export}/", None, [401, 404, 404, 200, 404, 200], the_one("export")),
    # Pending: no file yet.
    ("get", "/api/exports/{export}/download/", None, [401, 404, 404, 404, 404, 404], None),
    ("delete", "/api/exports/{export}/", None, [401, 405, 405, 405, 405, 405], None),
    (
        "get",
        "/api/schema/",
        None,
        [200, 200, 200, 200, 200, 200],
        lambda response, world, user: b"openapi: 3" in response.content,
    ),
]
CASES = [
    pytest.param(method, path, body, persona, expected[i], check, id=f"{method} {path} {persona}")
    for method, path, body, expected, check in MATRIX
    for i, persona in enumerate(PERSONAS)
]


def fill(value, ids):
    if callable(value):
        value = value()
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    return value


@pytest.mark.parametrize("method, path, body, persona, expected, check", CASES)
def test_the_permission_matrix(request, world, method, path, body, persona, expected, check):
    user = request.getfixturevalue(persona)
    client = client_for(None if persona == "outsider" else user)
    response = getattr(client, method)(path.format(**world), fill(body, world))
    assert response.status_code == expected, response.content
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Token"
    if expected < 300 and check is not None:
        assert check(response, world, user), response.content


def test_a_reviewer_sees_others_annotations_once_they_labelled_the_sentence_but_cannot_change_them(
    world, other_reviewer
):
    client = client_for(other_reviewer)
    assert client.get(f"/api/annotations/{world['annotation']}/").status_code == 404
    client.post("/api/annotations/", {"sentence": world["sentence"], "label": "disputed"})

    url = f"/api/annotations/{world['annotation']}/"
    assert client.get(url).json()["reviewer"] == "reviewer"
    response = client.patch(url, {"label": "not_claim", "version": 1})
    assert response.status_code == 403
    assert response.json()["detail"] == "you can only change your own annotations"
    assert client.delete(url).status_code == 403
    assert Annotation.objects.get(pk=world["annotation"]).label == "sourced"


def test_a_moderators_change_to_another_reviewers_annotation_keeps_its_reviewer(world, moderator):
    url = f"/api/annotations/{world['annotation']}/"
    response = client_for(moderator).patch(url, {"label": "disputed", "version": 1})
    assert response.json()["reviewer"] == "reviewer"
    assert response.json()["label"] == "disputed"
    change = History.objects.get(subject_id=world["annotation"], action="updated")
    assert change.actor == moderator


def test_a_session_call_without_its_csrf_token_is_refused(world, reviewer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get("/api/me/").json()["username"] == "reviewer"
    response = client.post("/api/annotations/", {"sentence": world["free_sentence"], "label": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
