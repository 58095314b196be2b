"""The "next" queue: my next unlabelled sentence across articles, highest score first."""

import pytest

from tests.reviewing import add_candidate, article_url, label, load_article, sentence

pytestmark = pytest.mark.django_db


def test_it_goes_to_the_highest_scored_sentence_i_have_not_labelled(reviewer, client):
    first = load_article("First", "One. Two.", "https://a.example/1")
    second = load_article("Second", "Three. Four.", "https://a.example/2")
    add_candidate(sentence(first, 1), 0.5)
    add_candidate(sentence(second, 1), 0.9)
    add_candidate(sentence(second, 0), 0.8)
    client.force_login(reviewer)
    assert client.get("/next/")["Location"] == f"/articles/{second.pk}/?at=1#s1"
    label(sentence(second, 1), reviewer, "sourced")
    assert client.get("/next/")["Location"] == f"/articles/{second.pk}/?at=0#s0"


def test_other_reviewers_labels_and_locked_articles_do_not_count(reviewer, other_reviewer, client):
    open_article = load_article("Open", "One.", "https://a.example/open")
    locked = load_article("Locked", "Two.", "https://a.example/locked")
    locked.locked = True
    locked.save()
    add_candidate(sentence(locked, 0), 0.99)
    add_candidate(sentence(open_article, 0), 0.1)
    label(sentence(open_article, 0), other_reviewer, "sourced")
    client.force_login(reviewer)
    assert client.get("/next/")["Location"] == f"/articles/{open_article.pk}/?at=0#s0"


def test_when_everything_is_labelled_it_says_so(reviewer, client):
    article = load_article("Only", "One.", "https://a.example/only")
    label(sentence(article, 0), reviewer, "not_claim")
    client.force_login(reviewer)
    response = client.get("/next/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Nothing left to label" in response.content.decode()


def test_the_button_is_on_every_page_and_its_key_on_the_review_page(reviewer, client):
    client.force_login(reviewer)
    html = client.get("/search/").content.decode()
    assert '<a class="button" href="/next/">Next unlabelled</a>' in html
    review_page = client.get(article_url(load_article())).content.decode()
    assert '<a class="button" href="/next/" aria-keyshortcuts="g">' in review_page


def test_it_needs_a_login(client):
    assert client.get("/next/").status_code == 302
