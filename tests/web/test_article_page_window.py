"""The review page shows a long article a window at a time: the first window, the window holding
a linked sentence (`at`), and the windows before and after one (the fragment htmx loads), each
in the same queries and about the same bytes whatever the article's length."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.corpus.models import Sentence
from tests.reviewing import (
    add_candidate,
    article_url,
    label,
    load_article,
    long_body,
    sentence,
    with_candidates,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def window_of_ten(settings):
    settings.REVIEW_WINDOW = 10


@pytest.fixture
def article(window_of_ten):
    """40 sentences, three to a paragraph: 0-2, 3-5, ..., 36-38, 39."""
    return load_article("Forty", long_body(40), "https://a.example/forty")


def window_url(article) -> str:
    return reverse("annotations:article_window", args=[article.pk])


def shown(html: str) -> list[int]:
    """The indexes of the sentences in the page or fragment, in order."""
    return [int(index) for index in re.findall(r'class="sentence" id="s(\d+)"', html)]


def edges(html: str) -> dict[str, str]:
    """Where the page loads the sentences before and after those shown from."""
    return dict(re.findall(r'id="load-(earlier|later)"><button [^>]*hx-get="([^"]+)"', html))


def page(client, article, **params):
    response = client.get(article_url(article), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_opens_on_the_first_window_ending_on_a_whole_paragraph(
    reviewer, other_reviewer, client, article
):
    for user in (reviewer, other_reviewer):
        label(sentence(article, 35), user, "sourced")
    client.force_login(reviewer)
    html = page(client, article)
    # Ten would cut the paragraph 9-11: the window stops before it.
    assert shown(html) == list(range(9))
    assert edges(html) == {"later": f"{window_url(article)}?after=8"}
    assert "Load more sentences" in html
    # The progress counts the whole article, not the window.
    assert "1 of 40 sentences have their 2 reviewers, 1 labelled by you" in html


def test_the_next_windows_follow_by_index_to_the_last(reviewer, client, article):
    client.force_login(reviewer)
    seen, url = shown(page(client, article)), edges(page(client, article))["later"]
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        indexes = shown(html)
        numbers = f"{indexes[0] + 1}-{indexes[-1] + 1}"
        assert response["X-Sentence-Window"] == numbers
        assert "load-earlier" not in html  # the page already has what came before
        seen += indexes
        url = edges(html).get("later")
    assert seen == list(range(40))


def test_the_window_after_an_index_is_the_sentences_right_after_it(reviewer, client, article):
    client.force_login(reviewer)
    html = client.get(window_url(article), {"after": 8}).content.decode()
    assert shown(html) == list(range(9, 18))
    assert edges(html) == {"later": f"{window_url(article)}?after=17"}
    # The same markup as the page: the sentence partial, with what the script reads.
    assert f'data-pk="{sentence(article, 9).pk}" data-version="0"' in html
    assert 'aria-label="Sentence 10"' in html


def test_the_last_window_has_no_way_on(reviewer, client, article):
    client.force_login(reviewer)
    response = client.get(window_url(article), {"after": 35})
    html = response.content.decode()
    assert shown(html) == [36, 37, 38, 39] and edges(html) == {}
    assert response["X-Sentence-Window"] == "37-40"


def test_at_opens_the_window_holding_the_sentence_from_its_paragraph(reviewer, client, article):
    client.force_login(reviewer)
    html = page(client, article, at=20)
    assert shown(html) == list(range(18, 27))  # paragraph 18-20 on, up to before 27-29
    assert edges(html) == {
        "earlier": f"{window_url(article)}?before=18",
        "later": f"{window_url(article)}?after=26",
    }
    assert "Load earlier sentences" in html


def test_the_window_before_an_index_ends_right_before_it(reviewer, client, article):
    client.force_login(reviewer)
    html = client.get(window_url(article), {"before": 18}).content.decode()
    assert shown(html) == list(range(9, 18))  # 8-17 would cut the paragraph 6-8
    assert edges(html) == {"earlier": f"{window_url(article)}?before=9"}
    html = client.get(window_url(article), {"before": 9}).content.decode()
    assert shown(html) == list(range(9)) and edges(html) == {}


def test_at_past_the_end_opens_the_last_window(reviewer, client, article):
    client.force_login(reviewer)
    html = page(client, article, at=10**6)
    assert shown(html)[-1] == 39 and "later" not in edges(html)


@pytest.mark.parametrize("at", ["abc", "-1", "²", "1.5", "", "9" * 40])
def test_an_at_that_is_no_index_opens_the_start_and_says_so(reviewer, client, article, at):
    client.force_login(reviewer)
    html = page(client, article, at=at)
    assert shown(html) == list(range(9))
    assert "is not a sentence index: the article opens at its start." in html


@pytest.mark.parametrize(
    "params",
    [{}, {"after": "x"}, {"before": "-3"}, {"after": "²"}, {"after": "1", "before": "5"}],
)
def test_a_window_asked_for_without_one_index_is_a_400(reviewer, client, article, params):
    client.force_login(reviewer)
    response = client.get(window_url(article), params)
    assert response.status_code == 400
    assert "after=<index> or before=<index>" in response.content.decode()
    assert "X-Sentence-Window" not in response  # the page never swaps it in


def test_a_window_past_the_end_is_empty(reviewer, client, article):
    client.force_login(reviewer)
    response = client.get(window_url(article), {"after": 10**9})
    assert response.status_code == 200 and shown(response.content.decode()) == []
    assert response["X-Sentence-Window"] == ""


def test_a_huge_paragraph_is_still_cut(reviewer, client, window_of_ten):
    one_paragraph = load_article("One", long_body(40, per_paragraph=40), "https://a.example/one")
    client.force_login(reviewer)
    assert shown(page(client, one_paragraph)) == list(range(10))
    assert shown(page(client, one_paragraph, at=25)) == list(range(20, 30))
    html = client.get(window_url(one_paragraph), {"before": 20}).content.decode()
    assert shown(html) == list(range(10, 20))


def test_windows_show_my_labels_and_the_counts_after_mine(
    reviewer, other_reviewer, client, article
):
    label(sentence(article, 12), other_reviewer, "disputed")
    label(sentence(article, 12), reviewer, "sourced")
    add_candidate(sentence(article, 13), 0.8, "sourced")
    client.force_login(reviewer)
    html = client.get(window_url(article), {"after": 8}).content.decode()
    assert 'data-label="sourced"' in html and "All reviewers: Sourced 1 · Disputed 1" in html
    assert '<meter min="0" max="1" value="0.80"' in html


def test_windows_of_a_hidden_article_are_not_found_and_need_a_login(reviewer, client, article):
    assert client.get(window_url(article), {"after": 0}).status_code == 302
    article.hidden = True
    article.save()
    client.force_login(reviewer)
    assert client.get(window_url(article), {"after": 0}).status_code == 404


def measured(client, url, params=None) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.content


def test_a_window_costs_the_same_queries_and_bytes_at_300_and_3000_sentences(reviewer, client):
    short = with_candidates(load_article("Short", long_body(300), "https://a.example/short"))
    long = with_candidates(load_article("Long", long_body(3000), "https://a.example/long"))
    for s in Sentence.objects.filter(article__in=[short, long], index__lt=250):
        s.annotations.create(reviewer=reviewer, label="sourced")
    client.force_login(reviewer)
    # Only ids and the figures about the whole article differ: a few bytes per sentence at most.
    for url, params in [
        *((article_url, params) for params in ({}, {"at": 150})),
        *((window_url, params) for params in ({"after": 98}, {"before": 200})),
    ]:
        short_queries, short_page = measured(client, url(short), params)
        long_queries, long_page = measured(client, url(long), params)
        assert short_queries == long_queries, params
        assert abs(len(long_page) - len(short_page)) < 1000, params
        assert len(long_page) < 300_000
