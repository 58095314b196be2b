"""API tokens: seen, created and rotated on the token page, by password, and in the admin."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.api_support import client_for

pytestmark = pytest.mark.django_db


def me_with(key):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/")


def test_the_token_page_needs_a_login(client):
    response = client.get("/api/token/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_creates_then_rotates_their_token_and_the_old_one_stops_working(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/api/token/").content.decode()
    assert "You have no token yet." in page and "Create token" in page

    response = client.post("/api/token/", follow=True)
    first = Token.objects.get(user=reviewer).key
    assert first in response.content.decode() and "Token created." in response.content.decode()
    assert me_with(first).json()["username"] == "reviewer"

    response = client.post("/api/token/", follow=True)
    second = Token.objects.get(user=reviewer).key
    assert second != first
    assert second in response.content.decode()
    assert "the old one no longer works" in response.content.decode()
    assert me_with(first).status_code == 401
    assert me_with(second).status_code == 200


def test_a_script_gets_the_same_token_with_username_and_password(client, reviewer):
    client.force_login(reviewer)
    client.post("/api/token/")
    response = client_for().post(
        "/api/auth/token/", {"username": "reviewer", "password": "pw-reviewer"}
    )
    assert response.json() == {"token": Token.objects.get(user=reviewer).key}

    response = client_for().post("/api/auth/token/", {"username": "reviewer", "password": "no"})
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Unable to log in with provided credentials."
    ]


def test_a_username_longer_than_any_is_refused_as_bad_input(reviewer):
    """Found by schemathesis on PostgreSQL: the failed login's record could not hold it (500)."""
    response = client_for().post("/api/auth/token/", {"username": "u" * 300, "password": "pw"})
    assert response.status_code == 400
    assert "150" in response.json()["errors"]["username"][0]


def test_a_bad_or_missing_token_is_a_401_that_names_the_scheme():
    response = me_with("0" * 40)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert response.headers["WWW-Authenticate"] == "Token"


def test_admins_create_and_rotate_tokens_in_the_admin(client, superuser, reviewer):
    client.force_login(superuser)
    add = reverse("admin:authtoken_tokenproxy_add")
    client.post(add, {"user": reviewer.pk})
    old = Token.objects.get(user=reviewer).key

    changelist = reverse("admin:authtoken_tokenproxy_changelist")
    page = client.get(changelist).content.decode()
    assert "Rotate the selected tokens" in page and "Delete selected" not in page
    response = client.post(
        changelist, {"action": "rotate_tokens", "_selected_action": [old]}, follow=True
    )
    assert "Rotated 1 token(s)." in response.content.decode()
    new = Token.objects.get(user=reviewer).key
    assert new != old
    assert me_with(old).status_code == 401 and me_with(new).status_code == 200
