"""Who sees what: everything needs a login; moderators also get the moderation link."""

import pytest

from tests.reviewing import article_url, load_article

pytestmark = pytest.mark.django_db

MODERATION_LINK = 'href="/admin/annotations/annotation/">Moderation</a>'


@pytest.mark.parametrize(
    "url", ["/", "/search/", "/next/", "/accounts/password_change/", "ARTICLE"]
)
def test_every_page_needs_a_login(client, url):
    if url == "ARTICLE":
        url = article_url(load_article())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_reviewer_gets_no_moderation_link(reviewer, client):
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert MODERATION_LINK not in html and 'href="/admin/"' not in html


def test_moderators_with_admin_access_get_the_moderation_link(moderator, client):
    moderator.is_staff = True
    moderator.save()
    client.force_login(moderator)
    assert MODERATION_LINK in client.get("/search/").content.decode()


def test_the_link_is_not_offered_where_it_cannot_be_used(moderator, staff, client):
    # The moderation lists are in the admin site: a moderator without admin access could not
    # open them, and staff who are no moderators have no moderation to do.
    for user in (moderator, staff):
        client.force_login(user)
        assert MODERATION_LINK not in client.get("/").content.decode()


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
