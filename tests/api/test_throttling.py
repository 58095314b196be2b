"""Writes and token requests are throttled; a throttled client is told when to come back."""

import pytest
from django.conf import settings as project_settings

from tests.api_support import client_for, load_articles
from tests.conftest import make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_rates(settings):
    """Tight limits (counted in a cache of this test's own: conftest.own_cache)."""
    settings.REST_FRAMEWORK = {
        **project_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "auth": "2/minute",
            "auth_address": "4/minute",
            "write": "3/minute",
        },
    }


def assert_throttled(response):
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]


def test_writes_are_throttled_per_user_and_reads_are_not(reviewer, other_reviewer):
    [article] = load_articles(1)
    sentences = list(article.sentences.all())
    client = client_for(reviewer)
    for sentence in sentences:
        post = client.post("/api/annotations/", {"sentence": sentence.pk, "label": "sourced"})
        assert post.status_code == 201
    assert_throttled(client.post("/api/annotations/", {"sentence": sentences[0].pk}))
    assert client.get("/api/annotations/").status_code == 200
    other = client_for(other_reviewer)
    assert (
        other.post("/api/annotations/", {"sentence": sentences[0].pk, "label": "x"}).status_code
        == 400
    )


def test_getting_a_token_with_a_password_is_throttled_per_username_and_address(reviewer):
    client = client_for()
    for password in ("wrong", "pw-reviewer"):
        client.post("/api/auth/token/", {"username": "reviewer", "password": password})
    assert_throttled(
        client.post("/api/auth/token/", {"username": "reviewer", "password": "pw-reviewer"})
    )


def test_a_forged_forwarded_for_header_does_not_reset_the_address_throttle(reviewer):
    client = client_for()
    for n, password in enumerate(("wrong", "pw-reviewer", "pw-reviewer")):
        response = client.post(
            "/api/auth/token/",
            {"username": "reviewer", "password": password},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert_throttled(response)


def test_rotating_a_token_on_its_page_is_throttled(client, reviewer):
    client.force_login(reviewer)
    for _ in range(2):
        assert client.post("/api/token/").status_code == 302
    response = client.post("/api/token/")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "Too many token changes" in response.content.decode()


def test_colleagues_behind_one_address_each_get_their_token(settings, db):
    """Every user's first requests count for them alone, not for the whole address."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "10/minute", "auth_address": "120/minute"},
    }
    client = client_for()
    for n in range(11):
        make_reviewer(f"colleague{n}")
        response = client.post(
            "/api/auth/token/", {"username": f"colleague{n}", "password": f"pw-colleague{n}"}
        )
        assert response.status_code == 200, (n, response.content)
        assert response.json()["token"]


def test_many_usernames_from_one_address_meet_the_address_ceiling(db):
    client = client_for()
    for n in range(4):
        client.post("/api/auth/token/", {"username": f"guess{n}", "password": "x"})
    assert_throttled(client.post("/api/auth/token/", {"username": "guess9", "password": "x"}))
