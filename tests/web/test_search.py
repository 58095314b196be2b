"""Sentence search across all articles, results linking to the sentence in its article."""

import pytest

from tests.reviewing import load_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(db):
    first = load_article(
        "Border report",
        "Troops moved at dawn. Moscow called the shelling a false flag operation.",
        "https://a.example/1",
    )
    second = load_article(
        "Evening report",
        "Reuters reported new false flag claims. It rained.",
        "https://a.example/2",
    )
    return first, second


def search(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_it_finds_sentences_in_every_article_and_links_to_them(reviewer, client, articles):
    first, second = articles
    client.force_login(reviewer)
    html = search(client, "false flag")
    assert "2 sentences match" in html
    assert f'href="/articles/{first.pk}/?at=1#s1">Moscow called the shelling a false flag' in html
    assert f'href="/articles/{second.pk}/?at=0#s0">Reuters reported new false flag claims.' in html
    assert "Troops moved at dawn." not in html


def test_it_finds_an_outlet(reviewer, client, articles):
    client.force_login(reviewer)
    html = search(client, "Reuters")
    assert "1 sentence match" in html and "Evening report" in html


def test_no_match_says_so(reviewer, client, articles):
    client.force_login(reviewer)
    assert "No sentence matches “zeppelin”." in search(client, "zeppelin")


def test_an_empty_search_shows_only_the_form(reviewer, client, articles):
    client.force_login(reviewer)
    html = search(client, "")
    assert "match" not in html and 'name="q"' in html


def test_a_too_long_query_is_reported(reviewer, client, articles):
    client.force_login(reviewer)
    html = search(client, "x" * 201)
    assert "Ensure this value has at most 200 characters (it has 201)." in html


def test_markup_in_a_query_or_result_is_text(reviewer, client):
    load_article("x", "He wrote <b>false flag</b> on the wall.", "https://a.example/x")
    client.force_login(reviewer)
    html = search(client, "flag")
    assert "<b>false flag</b>" not in html and "&lt;b&gt;false flag&lt;/b&gt;" in html
    assert "No sentence matches “&lt;i&gt;zeppelin”." in search(client, "<i>zeppelin")


def test_it_pages_results_in_constant_queries(reviewer, client, django_assert_max_num_queries):
    body = " ".join(f"Shelling report number {n}." for n in range(120))
    load_article("Many", body, "https://a.example/many")
    client.force_login(reviewer)
    with django_assert_max_num_queries(5):
        html = search(client, "shelling")
    assert "120 sentences match" in html and "Page 1 of 3" in html


def test_it_needs_a_login(client):
    assert client.get("/search/", {"q": "x"}).status_code == 302
