"""Guessing passwords: after LOGIN_FAILURE_LIMIT wrong ones, that username is locked out from that
address, on the login page, the admin and the API token endpoint alike."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, follow=False
    )


def guess_wrong(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong guess", address)
        assert response.status_code in (200, 429)
    return response


def test_wrong_passwords_lock_the_account_from_that_address_only(
    client, reviewer, other_reviewer, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    response = guess_wrong(client, "reviewer", limit - 1)
    assert "didn't match" in response.content.decode()
    locked = guess_wrong(client, "reviewer", 1)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # The right password does not get in either, while the lockout lasts.
    assert log_in(client, "reviewer", "pw-reviewer").status_code == 429
    # A colleague behind another address, and another account from this one, still log in.
    assert log_in(client, "reviewer", "pw-reviewer", address="10.0.0.2").status_code == 302
    assert log_in(client, "other", "pw-other").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(client, reviewer, settings):
    # No proxy is trusted unless API_TRUSTED_PROXIES says so: the address is REMOTE_ADDR,
    # whatever X-Forwarded-For a client makes up for each guess.
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "reviewer", "password": "wrong guess"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert log_in(client, "reviewer", "pw-reviewer").status_code == 429


def test_behind_a_trusted_proxy_each_client_address_counts_apart(client, reviewer, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "reviewer", "password": "wrong guess"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            **proxy,
        )
    credentials = {"username": "reviewer", "password": "pw-reviewer"}
    locked = client.post(LOGIN, credentials, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert locked.status_code == 429
    # Another newsroom member behind the same proxy: the address the proxy adds, last.
    elsewhere = client.post(
        LOGIN, credentials, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.9", **proxy
    )
    assert elsewhere.status_code == 302


def test_a_successful_login_clears_the_earlier_failures(client, reviewer, settings):
    guess_wrong(client, "reviewer", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "reviewer", "pw-reviewer").status_code == 302
    client.logout()
    response = guess_wrong(client, "reviewer", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200


def test_the_admin_login_counts_and_an_administrator_can_unlock(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": "staff", "password": "nope"},
            REMOTE_ADDR="10.0.0.1",
        )
    assert log_in(client, "staff", "pw-staff").status_code == 429
    assert AccessAttempt.objects.get(username="staff").failures_since_start >= 5
    call_command("axes_reset_username", "staff")
    assert log_in(client, "staff", "pw-staff").status_code == 302


def test_the_api_token_endpoint_cannot_be_used_to_guess_either(reviewer, settings):
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/auth/token/", {"username": "reviewer", "password": "nope"}, format="json")
    response = api.post(
        "/api/auth/token/", {"username": "reviewer", "password": "pw-reviewer"}, format="json"
    )
    assert response.status_code == 429 and "token" not in response.json()
    assert response.json()["detail"].startswith("too many failed logins for this username")
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
