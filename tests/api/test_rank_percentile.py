"""Sentences and candidates carry each score's rank in its article and percentile in the corpus,
and both lists filter on a minimum percentile as they do on a minimum score."""

import pytest

from tests.api_support import client_for, load_articles, load_seed_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(reviewer):
    return load_seed_article()


def candidates(client, query=""):
    response = client.get(f"/api/candidates/?page_size=200{query}")
    assert response.status_code == 200
    return response.json()["results"]


def test_candidates_show_their_rank_in_the_article_and_percentile_in_the_corpus(seed, reviewer):
    results = candidates(client_for(reviewer), f"&article={seed.pk}")
    assert sorted(c["rank"] for c in results) == list(range(1, 20))
    top = min(results, key=lambda c: c["rank"])
    assert top["score"] == max(c["score"] for c in results)
    assert top["percentile"] == 100.0 and top["sentence_index"] == 18
    by_score = sorted(results, key=lambda c: c["score"])
    percentiles = [c["percentile"] for c in by_score]
    assert percentiles == sorted(percentiles) and percentiles[0] < 10


def test_the_sentences_list_and_a_sentence_show_them_too(seed, reviewer):
    client = client_for(reviewer)
    rows = client.get(f"/api/sentences/?article={seed.pk}&page_size=200").json()["results"]
    by_index = {row["index"]: row["candidate"] for row in rows}
    assert by_index[18]["rank"] == 1 and by_index[18]["percentile"] == 100.0
    one = client.get(f"/api/sentences/{rows[4]['id']}/").json()["candidate"]
    assert one["rank"] == by_index[4]["rank"] and one["percentile"] == by_index[4]["percentile"]


def test_rank_is_within_each_article_and_percentile_across_all(seed, reviewer):
    [other] = load_articles(1, sentences=3)
    client = client_for(reviewer)
    mine = candidates(client, f"&article={other.pk}")
    assert sorted(c["rank"] for c in mine) == [1, 2, 3]
    everything = candidates(client)
    assert len(everything) == 22
    assert [c["percentile"] for c in everything].count(100.0) == 1


@pytest.mark.parametrize("minimum", [0, 50, 80, 94.8, 100])
def test_min_percentile_returns_the_candidates_and_sentences_at_or_above_it(
    seed, reviewer, minimum
):
    client = client_for(reviewer)
    every = candidates(client)
    expected = {c["sentence"] for c in every if c["percentile"] >= minimum}
    kept = candidates(client, f"&min_percentile={minimum}")
    assert {c["sentence"] for c in kept} == expected
    rows = client.get(f"/api/sentences/?page_size=200&min_percentile={minimum}").json()
    assert {row["id"] for row in rows["results"]} == expected
    if minimum == 100:
        assert len(expected) == 1
    if minimum == 0:
        assert len(expected) == 19


def test_min_percentile_combines_with_min_score(seed, reviewer):
    client = client_for(reviewer)
    both = candidates(client, "&min_percentile=50&min_score=0.7")
    assert both and all(c["score"] >= 0.7 and c["percentile"] >= 50 for c in both)


def test_the_readme_example_min_score_0_7_still_returns_the_three_it_shows(seed, reviewer):
    results = candidates(client_for(reviewer), f"&article={seed.pk}&min_score=0.7")
    assert [c["sentence_index"] for c in results] == [3, 4, 18]
    assert [c["suggested_label"] for c in results] == ["sourced", "false_flag", "false_flag"]


@pytest.mark.parametrize("value", ["101", "-1", "high", "nan"])
@pytest.mark.parametrize("url", ["/api/candidates/", "/api/sentences/"])
def test_a_bad_min_percentile_is_a_400_naming_it(reviewer, url, value):
    response = client_for(reviewer).get(f"{url}?min_percentile={value}")
    assert response.status_code == 400
    assert "min_percentile" in response.json()["errors"]
