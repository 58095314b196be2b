"""The article list: search, progress and precompute filters, sort, counts, pages."""

import re

import pytest

from annotations.corpus.models import Article
from tests.reviewing import add_candidate, label, load_article, sentence

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'<td><a href="/articles/\d+/">([^<]+)</a>', html)


@pytest.fixture
def articles(reviewer, other_reviewer):
    """Three articles: not started, in progress and done by `reviewer`."""
    fresh = load_article("Fresh article", "One. Two. Three.", "https://a.example/fresh", "20220301")
    half = load_article("Half done", "One. Two.", "https://b.example/half", "20220201")
    done = load_article("All done", "Only one.", "https://c.example/done", "20220101")
    label(sentence(half, 0), reviewer, "sourced")
    label(sentence(half, 0), other_reviewer, "disputed")
    label(sentence(half, 1), other_reviewer, "disputed")
    label(sentence(done, 0), reviewer, "not_claim")
    add_candidate(sentence(done, 0), 0.95)
    add_candidate(sentence(half, 0), 0.7)
    add_candidate(sentence(half, 1), 0.6)
    Article.objects.filter(pk=fresh.pk).update(precompute_status="failed")
    return fresh, half, done


def get(client, **params):
    response = client.get("/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_per_article_counts(reviewer, client, articles):
    client.force_login(reviewer)
    html = get(client)
    assert titles(html) == ["Fresh article", "Half done", "All done"]  # newest first
    row = html[html.index("Half done") :]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)[:5]
    # sentences, labelled by me, with k counted labels (only the first has two), candidate
    # claims, top score
    assert cells == ["2", "1", "1 (k = 2)", "2", "0.70"]


def test_it_searches_title_and_url(reviewer, client, articles):
    client.force_login(reviewer)
    assert titles(get(client, q="half")) == ["Half done"]
    assert titles(get(client, q="c.example")) == ["All done"]
    assert "No articles match." in get(client, q="nothing like it")


@pytest.mark.parametrize(
    ("progress", "expected"),
    [("not_started", ["Fresh article"]), ("in_progress", ["Half done"]), ("done", ["All done"])],
)
def test_it_filters_by_my_progress(reviewer, client, articles, progress, expected):
    client.force_login(reviewer)
    assert titles(get(client, progress=progress)) == expected


def test_progress_is_mine_not_other_reviewers(other_reviewer, client, articles):
    client.force_login(other_reviewer)
    assert titles(get(client, progress="done")) == ["Half done"]


def test_it_filters_by_precompute_status(reviewer, client, articles):
    client.force_login(reviewer)
    assert titles(get(client, status="failed")) == ["Fresh article"]


def test_it_sorts_by_most_candidate_claims(reviewer, client, articles):
    client.force_login(reviewer)
    assert titles(get(client, sort="candidates")) == ["Half done", "All done", "Fresh article"]


def test_an_unknown_filter_value_is_reported_and_ignored(reviewer, client, articles):
    client.force_login(reviewer)
    html = get(client, progress="finished", sort="random")
    assert "Select a valid choice. finished is not one of the available choices." in html
    assert titles(html) == ["Fresh article", "Half done", "All done"]


def test_it_pages_and_keeps_the_filters(reviewer, client):
    for n in range(55):
        load_article(f"Report {n:02}", "One.", f"https://e.example/{n}", f"202201{n % 28 + 1:02}")
    client.force_login(reviewer)
    html = get(client, q="Report")
    assert len(titles(html)) == 50 and "Page 1 of 2" in html
    assert 'href="?q=Report&amp;page=2"' in html
    assert len(titles(get(client, q="Report", page=2))) == 5
    assert len(titles(get(client, q="Report", page="last-one"))) == 50  # a bad page: the first


def test_it_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
