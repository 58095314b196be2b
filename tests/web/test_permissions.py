"""Who sees what: everything but the public claim review pages needs a login; moderators also get
the moderation link, staff the admin's."""

import pytest

from tests.reviewing import article_url, load_article

pytestmark = pytest.mark.django_db

MODERATION_LINK = '<a href="/moderation/">Moderation</a>'


@pytest.mark.parametrize(
    "url", ["/", "/search/", "/next/", "/accounts/password_change/", "ARTICLE"]
)
def test_every_page_needs_a_login(client, url):
    if url == "ARTICLE":
        url = article_url(load_article())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_reviewer_gets_neither_the_moderation_nor_the_admin_link(reviewer, client):
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert MODERATION_LINK not in html and 'href="/admin/"' not in html


@pytest.mark.parametrize("is_staff", [False, True])
def test_every_moderator_gets_the_moderation_link(moderator, client, is_staff):
    # The queue is in the web UI: a moderator needs no admin access to use it.
    moderator.is_staff = is_staff
    moderator.save()
    client.force_login(moderator)
    html = client.get("/search/").content.decode()
    assert MODERATION_LINK in html
    assert ('href="/admin/"' in html) is is_staff


def test_staff_without_the_moderator_role_get_only_the_admin_link(staff, client):
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert MODERATION_LINK not in html and 'href="/admin/"' in html


def test_a_reviewer_can_change_their_password(reviewer, client):
    client.force_login(reviewer)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw-reviewer",
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
        follow=True,
    )
    assert "Your password has been changed." in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.check_password("a-much-longer-passphrase")


def test_a_wrong_old_password_is_reported(reviewer, client):
    client.force_login(reviewer)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "nope",
            "new_password1": "x-long-pass-1",
            "new_password2": "x-long-pass-1",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()


def test_logging_out_returns_to_the_login_page(reviewer, client):
    client.force_login(reviewer)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"]
)
def test_there_is_no_password_reset_by_email_to_abuse(client, db, url):
    """The server sends no email: no public, unthrottled form that would try to."""
    assert client.post(url, {"email": "someone@example.org"}).status_code == 404
