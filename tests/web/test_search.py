"""Sentence search across all articles: ranked full-text matches (PostgreSQL) or substrings
(SQLite), the matched words highlighted, each result with its label state and score, a bounded
number of matches ranked."""

import re

import pytest

from annotations.corpus import selectors
from annotations.corpus.models import Sentence
from annotations.moderation.services import adjudicate
from tests.conftest import make_reviewer
from tests.reviewing import add_candidate, label, load_article, sentence
from tests.services import require_postgres

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
    assert f'href="/articles/{first.pk}/?at=1#s1">Moscow called the shelling a ' in html
    assert f'href="/articles/{second.pk}/?at=0#s0">Reuters reported new ' in html
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
    assert "sentences match" not in html and 'name="q"' in html


def test_a_too_long_query_is_reported(reviewer, client, articles):
    client.force_login(reviewer)
    html = search(client, "x" * 201)
    assert "Ensure this value has at most 200 characters (it has 201)." in html


def test_markup_in_a_query_or_result_is_text(reviewer, client):
    load_article("x", "He wrote <b>false flag</b> on the wall.", "https://a.example/x")
    client.force_login(reviewer)
    html = search(client, "flag")
    assert "<b>" not in html and "&lt;b&gt;" in html and "&lt;/b&gt;" in html
    assert "No sentence matches “&lt;i&gt;zeppelin”." in search(client, "<i>zeppelin")


def test_hidden_articles_are_searched_by_moderators_only(reviewer, moderator, client, articles):
    first, _ = articles
    first.hidden = True
    first.save()
    client.force_login(reviewer)
    assert "1 sentence match" in search(client, "false flag")
    client.force_login(moderator)
    assert "2 sentences match" in search(client, "false flag")


def test_each_result_shows_its_label_state_and_score(reviewer, moderator, client):
    article = load_article(
        "States", "Shelling one. Shelling two. Shelling three.", "https://a.example/s"
    )
    mine, others, untouched = (sentence(article, n) for n in range(3))
    add_candidate(mine, 0.87)
    label(mine, reviewer, "sourced")
    label(others, make_reviewer("other"), "disputed")
    client.force_login(reviewer)
    html = search(client, "shelling")
    assert "sentence 1; My label: Sourced; final label: Sourced; score 0.87</span>" in html
    # Another reviewer's label is not shown to someone who has not labelled it (no anchoring).
    assert "sentence 2; Labelled by others (shown once you label it)</span>" in html
    assert "sentence 3; Unlabelled</span>" in html
    adjudicate(sentence=others, actor=moderator, label="false_flag", reason="")
    client.force_login(moderator)
    assert "sentence 2; Final label: &quot;False flag&quot; allegation</span>" in search(
        client, "shelling"
    )


def test_pages_go_on_with_more_results_in_constant_queries(
    reviewer, client, django_assert_max_num_queries
):
    body = " ".join(f"Shelling report number {n}." for n in range(120))
    load_article("Many", body, "https://a.example/many")
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        html = search(client, "shelling")
    assert "120 sentences match" in html and "Page 1" in html
    assert 'href="?q=shelling&amp;page=2" rel="next">More results</a>' in html
    with django_assert_max_num_queries(12):
        last = search(client, "shelling", page=3)
    assert '<ol class="results" start="101">' in last and "More results" not in last
    assert "No more sentences match" in search(client, "shelling", page=4)
    assert "120 sentences match" in search(client, "shelling", page="nonsense")


def test_a_common_word_ranks_only_the_first_matches_and_says_so(reviewer, client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_MATCHES", 60)
    body = " ".join(f"Shelling report number {n}." for n in range(120))
    load_article("Many", body, "https://a.example/many")
    client.force_login(reviewer)
    html = search(client, "shelling")
    assert "More than 60 sentences match “shelling”: the first 60 found are shown" in html
    assert "More results" in html
    second = search(client, "shelling", page=2)
    assert second.count("<li>") == 10 and "More results" not in second


def test_it_needs_a_login(client):
    assert client.get("/search/", {"q": "x"}).status_code == 302


# Full-text search: PostgreSQL only (SQLite matches a substring).


def test_matched_words_are_highlighted(reviewer, client):
    require_postgres()
    load_article("x", "Troops said the false flag claims were shelling.", "https://a.example/x")
    client.force_login(reviewer)
    html = search(client, "flags shelled")
    assert ">Troops said the false <mark>flag</mark> claims were <mark>shelling</mark>.</a>" in html


def test_a_long_sentence_shows_the_fragment_around_its_matches(reviewer, client):
    require_postgres()
    words = " ".join(f"word{n}" for n in range(80))
    load_article("x", f"{words} shelling {words}.", "https://a.example/x")
    client.force_login(reviewer)
    html = search(client, "shelling")
    fragment = re.search(r'#s0">(.*)</a>', html).group(1)
    assert fragment.startswith("… <mark>shelling</mark> word0 word1") and fragment.endswith(" …")
    assert "word79" not in fragment


def test_text_that_looks_like_markup_is_shown_as_it_is(reviewer, client):
    require_postgres()
    load_article("x", "He wrote <b>false flag</b> on the wall.", "https://a.example/x")
    client.force_login(reviewer)
    html = search(client, "flag")
    # ts_headline drops what looks like a tag: the sentence is shown whole, unmarked, instead.
    assert ">He wrote &lt;b&gt;false flag&lt;/b&gt; on the wall.</a>" in html


def test_a_sentence_holding_a_marker_character_is_shown_unmarked(reviewer, client):
    require_postgres()
    article = load_article("x", "Shelling <b>near</b> the plant.", "https://a.example/x")
    planted = f"{selectors.HEADLINE_START}<b>near</b>{selectors.HEADLINE_STOP}"
    text = f"Shelling {planted} the plant."
    Sentence.objects.filter(article=article).update(text=text, end=len(text))
    client.force_login(reviewer)
    html = search(client, "shelling")
    assert "<mark>" not in html and "<b>" not in html and "&lt;b&gt;near&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ('"false flag"', {"Moscow called"}),  # the phrase, not the words apart
        ("false flag", {"Moscow called", "A false report"}),
        ("Reuters OR Moscow", {"Moscow called", "Reuters reported"}),
        ("flag -Moscow", {"A false report"}),
        ("reports", {"Reuters reported", "A false report"}),  # other forms of the word
    ],
)
def test_websearch_syntax(reviewer, client, query, found):
    require_postgres()
    load_article(
        "Syntax",
        "Moscow called it a false flag operation. Reuters reported shelling. "
        "A false report named a flag.",
        "https://a.example/syntax",
    )
    client.force_login(reviewer)
    shown = re.sub("</?mark>", "", search(client, query))
    every = {"Moscow called", "Reuters reported", "A false report"}
    assert {text for text in every if f">{text}" in shown} == found


@pytest.mark.parametrize("query", ["the of and", "!!! ... ???", "-"])
def test_a_search_with_nothing_to_look_for_says_why(reviewer, client, articles, query):
    require_postgres()
    client.force_login(reviewer)
    html = search(client, query)
    assert "Nothing to search for in" in html and "are ignored" in html


def test_the_help_text_documents_the_syntax(reviewer, client):
    require_postgres()
    client.force_login(reviewer)
    html = search(client, "")
    assert '<kbd>"false flag"</kbd> finds the phrase, <kbd>Reuters OR AP</kbd>' in html
    assert "<kbd>shelling -Donetsk</kbd> leaves out" in html
