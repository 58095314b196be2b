"""Every response carries the Content-Security-Policy: pages, the API, the admin, errors."""

import pytest

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
}


def policy(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/", "/api/labels/", "/api/nothing-here/", "/admin/login/", "/healthz"],
)
def test_every_response_has_the_policy(client, url):
    assert policy(client.get(url)) == POLICY


def test_the_policy_holds_for_a_logged_in_reviewer(client, reviewer):
    client.force_login(reviewer)
    assert policy(client.get("/")) == POLICY
