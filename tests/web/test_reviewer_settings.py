"""Turning the review page's single-key shortcuts off (and on) from its help dialog."""

import pytest

from annotations.review.selectors import shortcuts_enabled
from tests.reviewing import article_url, load_article

pytestmark = pytest.mark.django_db


def test_turning_shortcuts_off_goes_back_to_the_page_without_them(reviewer, client):
    article = load_article()
    client.force_login(reviewer)
    assert 'data-shortcuts="on"' in client.get(article_url(article)).content.decode()
    response = client.post("/settings", {"next": article_url(article)}, follow=True)
    assert response.redirect_chain == [(article_url(article), 302)]
    html = response.content.decode()
    assert "Single-key shortcuts turned off." in html and 'data-shortcuts="off"' in html
    assert "aria-keyshortcuts" not in html and "<kbd>1</kbd> Sourced</button>" not in html
    assert not shortcuts_enabled(reviewer)
    client.post("/settings", {"shortcuts": "1", "next": article_url(article)})
    assert shortcuts_enabled(reviewer)


def test_it_only_goes_back_to_a_page_of_this_site(reviewer, client):
    client.force_login(reviewer)
    response = client.post("/settings", {"shortcuts": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_it_needs_a_login_and_a_post(reviewer, client):
    assert client.post("/settings", {"shortcuts": "1"})["Location"].startswith("/accounts/login/")
    client.force_login(reviewer)
    assert client.get("/settings").status_code == 405
