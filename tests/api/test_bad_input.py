"""Bad input gets a 400 saying which field was wrong and what is allowed; never a 500."""

import datetime as dt

import pytest
from django.utils import timezone

from annotations.review.models import Annotation
from tests.api_support import client_for, load_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    return load_articles(2)


@pytest.fixture
def sentence(articles):
    return articles[0].sentences.order_by("index").first()


@pytest.fixture
def api(reviewer):
    return client_for(reviewer)


def errors_of(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"].startswith("invalid input: ")
    return body["errors"]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"label": "fake_news"},
            "label",
            "'fake_news' is not a label; use one of: sourced, disputed, false_flag, not_claim",
        ),
        ({"span_start": 3, "span_end": 400}, "span_end", "0 <= span_start < span_end <= 42"),
        ({"span_start": 3}, "span_start", "give both span_start and span_end, or neither"),
        ({"evidence_url": "ftp://example.com/x"}, "evidence_url", "http:// or https:// URL"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "http:// or https:// URL"),
        ({"note": "n" * 5001}, "note", "at most 5000 characters (this one has 5001)"),
        ({"sentence": 987654}, "sentence", "there is no sentence 987654"),
        ({"sentence": str(10**30)}, "sentence", f"there is no sentence {10**30}"),
        ({"span_start": "three", "span_end": 5}, "span_start", "A valid integer is required."),
    ],
)
def test_a_bad_annotation_field_is_named_with_what_is_allowed(
    api, sentence, fields, field, message
):
    response = api.post(
        "/api/annotations/", {"sentence": sentence.pk, "label": "sourced", **fields}
    )
    assert message in errors_of(response)[field][0]
    assert not Annotation.objects.exists()


def test_a_sentence_of_another_article_than_the_one_named_is_refused(api, articles):
    sentence = articles[1].sentences.first()
    response = api.post(
        "/api/annotations/",
        {"article": articles[0].pk, "sentence": sentence.pk, "label": "sourced"},
    )
    assert errors_of(response)["sentence"] == [
        f"sentence {sentence.pk} belongs to article {articles[1].pk}, "
        f"not to article {articles[0].pk}"
    ]


def test_updates_are_checked_by_the_same_rules(api, sentence):
    created = api.post("/api/annotations/", {"sentence": sentence.pk, "label": "sourced"}).json()
    response = api.patch(
        f"/api/annotations/{created['id']}/", {"label": "fake", "version": 1}, format="json"
    )
    assert "use one of: sourced" in errors_of(response)["label"][0]
    response = api.patch(f"/api/annotations/{created['id']}/", {}, HTTP_IF_MATCH="version one")
    assert 'e.g. "3"' in errors_of(response)["If-Match"][0]


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"sentence": 1, "label": ', "JSON parse error"),
        ('{"note": "\\ud800"}', "lone surrogate"),
        ('{"note": NaN}', "JSON parse error"),
    ],
)
def test_malformed_json_is_a_400_naming_the_request_body(api, sentence, body, message):
    response = api.post("/api/annotations/", body, content_type="application/json")
    assert message in errors_of(response)["request_body"][0]


def test_a_json_body_that_is_not_an_object_is_refused(api, sentence):
    response = api.post("/api/annotations/", "[1, 2]", content_type="application/json")
    assert "Expected a dictionary" in errors_of(response)["non_field_errors"][0]


def test_a_wrong_content_type_is_a_400_naming_the_accepted_ones(api, sentence, superuser):
    response = api.post("/api/annotations/", "label=sourced", content_type="text/plain")
    assert errors_of(response)["content_type"] == [
        "'text/plain' is not accepted here; send one of: application/json"
    ]
    response = client_for(superuser).post("/api/articles/", "x", content_type="application/xml")
    assert "application/json, multipart/form-data" in errors_of(response)["content_type"][0]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("/api/annotations/?label=fake", "label", "fake is not one of: sourced, disputed"),
        ("/api/annotations/?created_after=2024-13-45", "created", "Enter a valid date."),
        ("/api/annotations/?updated_before=0001-01-01T00:00%2B21:42", "updated", "valid date/time"),
        ("/api/articles/?precompute_status=lost", "precompute_status", "pending, running, done"),
        ("/api/articles/?locked=maybe", "locked", "'maybe' is not a boolean; use true or false"),
        ("/api/sentences/?labelled=perhaps", "labelled", "use true or false"),
        ("/api/sentences/?min_score=2", "min_score", "less than or equal to 1"),
        ("/api/candidates/?article=first", "article", "Enter a whole number."),
        ("/api/candidates/?suggested_label=not_claim", "suggested_label", "sourced, disputed"),
        ("/api/candidates/?cursor=garbage", "cursor", "not a cursor"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(api, sentence, query, field, message):
    errors = errors_of(api.get(query))
    assert any(key.startswith(field) for key in errors), errors
    assert any(message in text for key in errors for text in errors[key]), errors


def test_an_id_that_is_not_a_number_or_too_big_is_simply_not_found(api, sentence):
    assert api.get("/api/sentences/abc/").status_code == 404
    assert api.get("/api/sentences/²/").status_code == 404
    assert api.get(f"/api/annotations/{10**30}/").status_code == 404
    assert (
        "less than or equal to"
        in errors_of(api.get(f"/api/candidates/?article={10**30}"))["article"][0]
    )


def test_a_time_offset_postgres_would_refuse_is_read_as_utc(api, sentence):
    api.post("/api/annotations/", {"sentence": sentence.pk, "label": "sourced"})
    # An hour from now, written at -21:42 (ISO 8601 allows it, PostgreSQL does not): as wall
    # time it is 20 h 42 min ago, so a filter that dropped the offset would answer the opposite.
    offset = dt.timezone(-dt.timedelta(hours=21, minutes=42))
    in_an_hour = (timezone.now() + dt.timedelta(hours=1)).astimezone(offset).isoformat()
    after = api.get("/api/annotations/", {"updated_after": in_an_hour})
    before = api.get("/api/annotations/", {"updated_before": in_an_hour})
    assert (after.status_code, before.status_code) == (200, 200)
    assert (len(after.json()["results"]), len(before.json()["results"])) == (0, 1)
    response = api.get("/api/annotations/?updated_before=0107-12-05T17:27:10-21:42")
    assert response.status_code == 200 and response.json()["results"] == []


def test_an_unknown_api_path_is_a_json_404_hinting_at_a_missing_slash(api):
    response = api.get("/api/articles")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "there is no API endpoint /api/articles; did you mean /api/articles/ (with the "
        "trailing slash)?"
    )
    assert api.get("/api/nothing/here/").json() == {
        "detail": "there is no API endpoint /api/nothing/here/"
    }
