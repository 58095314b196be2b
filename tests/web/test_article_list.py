"""The article list: search, progress and precompute filters, sort, counts, pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def links(html: str) -> dict[str, str]:
    """The pager's links by their text, unescaped."""
    nav = html[html.index('<nav class="pager"') :] if '<nav class="pager"' in html else ""
    return {text: href.replace("&amp;", "&") for href, text in re.findall(PAGER_LINK, nav)}


PAGER_LINK = r'<a href="([^"]+)"[^>]*>(First|Previous|Next|Last)</a>'


@pytest.fixture
def reports():
    """55 articles, several published on each day (the id orders them within a day)."""
    for n in range(55):
        load_article(f"Report {n:02}", "One.", f"https://e.example/{n}", f"202201{n % 28 + 1:02}")
    return [a.title for a in Article.objects.order_by("-published_on", "-id")]


def test_it_pages_by_cursor_and_keeps_the_filters(reviewer, client, reports):
    client.force_login(reviewer)
    first = get(client, q="Report")
    assert titles(first) == reports[:50]
    assert set(links(first)) == {"Next", "Last"}
    assert "q=Report" in links(first)["Next"] and "page=" not in links(first)["Next"]
    second = client.get(links(first)["Next"]).content.decode()
    assert titles(second) == reports[50:]
    assert set(links(second)) == {"First", "Previous"}
    back = client.get(links(second)["Previous"]).content.decode()
    assert titles(back) == reports[:50] and set(links(back)) == {"Next", "Last"}
    assert titles(client.get(links(first)["Last"]).content.decode()) == reports[5:]


def test_the_last_page_is_the_last_rows_and_leads_back(reviewer, client, reports):
    client.force_login(reviewer)
    last = get(client, last=1)
    assert titles(last) == reports[5:]  # a full page, ending with the oldest
    assert set(links(last)) == {"First", "Previous"}
    assert titles(client.get(links(last)["Previous"]).content.decode()) == reports[:5]


def test_it_pages_the_candidates_order_through_ties(reviewer, client, reports):
    client.force_login(reviewer)
    # All but two have no candidates (no top score): ties broken by id, never by position.
    add_candidate(sentence(Article.objects.get(title="Report 03"), 0), 0.9)
    add_candidate(sentence(Article.objects.get(title="Report 40"), 0), 0.4)
    first = get(client, sort="candidates")
    second = client.get(links(first)["Next"]).content.decode()
    seen = titles(first) + titles(second)
    assert seen[:2] == ["Report 03", "Report 40"] and sorted(seen) == sorted(reports)


def test_a_page_counts_nothing(reviewer, client, reports):
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as captured:
        get(client, last=1)
    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert "in all" not in get(client)


# Not base64, not a list, not JSON, an id past 64 bits, a date that is none, a NaN score.
BAD_CURSORS = [
    ("newest", "garbage!"),
    ("newest", "W10"),
    ("newest", "eyJ4Ijox"),
    ("newest", "WyJuZXdlc3QiLCAiMjAyMi0wMS0wMSIsIDExODA1OTE2MjA3MTc0MTEzMDM0MjRd"),
    ("newest", "WyJuZXdlc3QiLCAiMjAyMi0xMy0wMSIsIDFd"),
    ("candidates", "WyJjYW5kaWRhdGVzIiwgMSwgTmFOLCAzXQ"),
]


@pytest.mark.parametrize(("sort", "cursor"), BAD_CURSORS)
def test_a_bad_cursor_shows_the_first_page_and_says_why(reviewer, client, reports, sort, cursor):
    client.force_login(reviewer)
    html = get(client, sort=sort, before=cursor)
    assert "That page link does not fit this list" in html
    assert len(titles(html)) == 50


def test_a_cursor_of_another_sort_is_refused(reviewer, client, reports):
    client.force_login(reviewer)
    following = links(get(client))["Next"]
    html = client.get(following.replace("?", "?sort=candidates&")).content.decode()
    assert "That page link does not fit this list" in html


def test_an_old_page_number_shows_the_first_page(reviewer, client, reports):
    client.force_login(reviewer)
    assert titles(get(client, page=2)) == reports[:50]
    assert titles(get(client, page="last-one")) == reports[:50]


def test_hidden_articles_are_listed_for_moderators_only(reviewer, moderator, client, articles):
    fresh, _, _ = articles
    Article.objects.filter(pk=fresh.pk).update(hidden=True)
    client.force_login(reviewer)
    assert "Fresh article" not in titles(get(client))
    client.force_login(moderator)
    assert "Fresh article" in titles(get(client))


def test_the_progress_box_says_when_it_was_counted(reviewer, client, articles):
    client.force_login(reviewer)
    html = get(client)
    assert "2 of 6 sentences have the reviewers they need" not in html  # k = 2: one has two
    assert "1 of 6 sentences have the reviewers they need" in html
    assert "at most a minute ago" in html


def test_it_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
