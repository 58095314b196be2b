"""The API's assignments: POST /api/assignments/next/ and /api/assignments/{sentence}/skip/,
and the overlap on articles."""

import pytest
from django.utils.dateparse import parse_datetime

from annotations.assignment.models import ReviewClaim
from tests.api_support import client_for
from tests.conftest import make_reviewer
from tests.reviewing import label, sentence

pytestmark = pytest.mark.django_db

NEXT = "/api/assignments/next/"


def skip_url(sentence_id) -> str:
    return f"/api/assignments/{sentence_id}/skip/"


def test_next_answers_the_sentence_its_article_and_until_when_it_is_held(article, reviewer):
    response = client_for(reviewer).post(NEXT)
    assert response.status_code == 200
    body = response.json()
    top = sentence(article, 1)
    assert (body["sentence"]["id"], body["sentence"]["article"]) == (top.pk, article.pk)
    assert body["sentence"]["text"] == top.text
    assert body["sentence"]["candidate"]["score"] == 0.9
    assert body["sentence"]["my_annotation"] is None
    assert body["article_title"] == article.title and body["needed_reviewers"] == 2
    held = ReviewClaim.objects.get(reviewer=reviewer)
    assert parse_datetime(body["expires_at"]) == held.expires_at


def test_labelling_through_the_api_moves_next_on(article, reviewer):
    client = client_for(reviewer)
    first = client.post(NEXT).json()["sentence"]["id"]
    assert client.post(NEXT).json()["sentence"]["id"] == first  # held for me
    client.post("/api/annotations/", {"sentence": first, "label": "sourced"})
    assert client.post(NEXT).json()["sentence"]["id"] == sentence(article, 2).pk


def test_skip_frees_the_sentence_and_next_gives_another(article, reviewer):
    client = client_for(reviewer)
    first = client.post(NEXT).json()["sentence"]["id"]
    assert client.post(skip_url(first)).status_code == 204
    assert client.post(NEXT).json()["sentence"]["id"] == sentence(article, 2).pk
    assert client.post(skip_url(first)).status_code == 204  # again: still skipped


def test_skipping_a_sentence_i_hold_no_claim_on_is_404(article, reviewer):
    unclaimed = sentence(article, 0).pk
    response = client_for(reviewer).post(skip_url(unclaimed))
    assert response.status_code == 404
    assert response.json()["detail"] == f"you hold no claim on sentence {unclaimed}"


@pytest.mark.parametrize("sentence_id", ["0", "abc", "99999999999999999999999"])
def test_skipping_no_sentence_is_404(article, reviewer, sentence_id):
    assert client_for(reviewer).post(skip_url(sentence_id)).status_code == 404


def test_next_is_204_when_nothing_needs_me(article, reviewer):
    article.overlap = 1
    article.save()
    for index in range(3):
        label(sentence(article, index), make_reviewer(f"r{index}"), "sourced")
    response = client_for(reviewer).post(NEXT)
    assert response.status_code == 204 and response.content == b""


def test_labelling_takes_a_role(article, staff):
    response = client_for(staff).post(NEXT)
    assert response.status_code == 403
    assert "reviewer role" in response.json()["detail"]
    assert client_for(staff).post(skip_url(sentence(article, 0).pk)).status_code == 403
    assert client_for().post(NEXT).status_code == 401


def test_articles_show_their_overlap_and_progress_towards_it(article, reviewer, settings):
    settings.REVIEW_OVERLAP = 2
    label(sentence(article, 1), reviewer, "sourced")
    label(sentence(article, 1), make_reviewer("r2"), "sourced")
    client = client_for(reviewer)
    row = client.get(f"/api/articles/{article.pk}/").json()
    assert (row["overlap"], row["needed_reviewers"], row["reached_overlap"]) == (None, 2, 1)
    article.overlap = 1
    article.save()
    [row] = client.get("/api/articles/").json()["results"]
    assert (row["overlap"], row["needed_reviewers"], row["reached_overlap"]) == (1, 1, 1)
