"""Labelling through the API: create, conflict-safe updates (version or ETag), delete, locks."""

import pytest

from annotations.review.models import Annotation, History
from tests.api_support import client_for, load_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentence():
    [article] = load_articles(1)
    return article.sentences.order_by("index").first()


@pytest.fixture
def api(reviewer):
    return client_for(reviewer)


def create(api, sentence, **fields):
    return api.post("/api/annotations/", {"sentence": sentence.pk, "label": "sourced", **fields})


def test_it_creates_my_annotation_with_its_version_as_etag(api, sentence):
    response = create(
        api,
        sentence,
        span_start=0,
        span_end=9,
        source_name="AP",
        evidence_url="https://apnews.com/x",
        note="checked",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/api/annotations/{body['id']}/"
    assert body["reviewer"] == "reviewer" and body["article"] == sentence.article_id
    stored = Annotation.objects.get()
    assert (stored.label, stored.span_start, stored.span_end) == ("sourced", 0, 9)
    assert (stored.source_name, stored.evidence_url, stored.note) == (
        "AP",
        "https://apnews.com/x",
        "checked",
    )
    assert api.get(f"/api/annotations/{body['id']}/").headers["ETag"] == '"1"'


def test_creating_the_same_annotation_twice_is_a_409_with_the_stored_one(api, sentence):
    first = create(api, sentence, note="mine").json()
    response = create(api, sentence, label="disputed")
    assert response.status_code == 409
    body = response.json()
    assert body["current"] == first
    assert f"PUT or PATCH /api/annotations/{first['id']}/" in body["detail"]
    assert response.headers["ETag"] == '"1"'
    assert Annotation.objects.get().label == "sourced"


def test_an_update_with_the_version_read_succeeds_and_bumps_it(api, sentence):
    annotation = create(api, sentence, note="keep me").json()
    url = f"/api/annotations/{annotation['id']}/"
    response = api.patch(url, {"label": "disputed", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.headers["ETag"] == '"2"'
    assert response.json()["note"] == "keep me"  # PATCH keeps what was not sent


def test_put_replaces_every_field(api, sentence):
    annotation = create(api, sentence, note="gone after PUT").json()
    response = api.put(f"/api/annotations/{annotation['id']}/", {"label": "disputed", "version": 1})
    assert response.json()["note"] == ""
    assert response.json()["label"] == "disputed"


def test_a_stale_version_gets_409_with_the_current_state_and_changes_nothing(api, sentence):
    annotation = create(api, sentence).json()
    url = f"/api/annotations/{annotation['id']}/"
    api.patch(url, {"note": "someone else's edit", "version": 1})  # now version 2

    response = api.patch(url, {"label": "not_claim", "version": 1})
    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2
    assert response.json()["current"]["note"] == "someone else's edit"
    assert "now version 2" in response.json()["detail"]
    assert Annotation.objects.get().label == "sourced"


def test_a_stale_if_match_gets_412_with_the_current_state(api, sentence):
    annotation = create(api, sentence).json()
    url = f"/api/annotations/{annotation['id']}/"
    api.patch(url, {"note": "edited"}, HTTP_IF_MATCH='"1"')

    response = api.put(url, {"label": "not_claim"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["current"]["note"] == "edited"
    assert response.headers["ETag"] == '"2"'
    assert api.put(url, {"label": "not_claim"}, HTTP_IF_MATCH='"2"').status_code == 200


def test_an_update_without_any_version_is_refused(api, sentence):
    annotation = create(api, sentence).json()
    response = api.patch(f"/api/annotations/{annotation['id']}/", {"label": "disputed"})
    assert response.status_code == 400
    assert "send the version you read" in response.json()["errors"]["version"][0]


def test_an_annotation_deleted_meanwhile_is_gone_for_its_writer_too(api, sentence):
    annotation = create(api, sentence).json()
    url = f"/api/annotations/{annotation['id']}/"
    assert api.delete(url).status_code == 204
    assert api.patch(url, {"label": "disputed", "version": 1}).status_code == 404
    assert api.get(url).status_code == 404


def test_delete_with_a_stale_if_match_keeps_the_annotation(api, sentence):
    annotation = create(api, sentence).json()
    url = f"/api/annotations/{annotation['id']}/"
    api.patch(url, {"note": "newer", "version": 1})
    response = api.delete(url, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["current"]["version"] == 2
    assert api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert [h.action for h in History.objects.order_by("id")] == ["created", "updated", "deleted"]


def test_nobody_but_a_moderator_edits_a_locked_article(api, sentence, staff, moderator):
    annotation = create(api, sentence).json()
    sentence.article.locked = True
    sentence.article.save()
    url = f"/api/annotations/{annotation['id']}/"
    other_sentence = sentence.article.sentences.exclude(pk=sentence.pk).first()

    for response in (
        api.patch(url, {"label": "disputed", "version": 1}),
        api.delete(url),
        api.post("/api/annotations/", {"sentence": other_sentence.pk, "label": "disputed"}),
    ):
        assert response.status_code == 403
        assert "locked by a moderator" in response.json()["detail"]
    assert Annotation.objects.get().label == "sourced"
    # Staff are no moderators: the admin site gives them no say over reviewers' labels (nor a
    # sight of them).
    assert client_for(staff).patch(url, {"label": "disputed", "version": 1}).status_code == 404
    response = client_for(moderator).patch(url, {"label": "disputed", "version": 1})
    assert response.status_code == 200
    assert Annotation.objects.get().label == "disputed"
