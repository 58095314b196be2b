"""The review page shows, next to each score, its rank in the article and its percentile in the
corpus; a saved sentence keeps them."""

import re

import pytest

from annotations.corpus.models import Sentence
from annotations.detection.models import Candidate
from tests.api_support import load_seed_article
from tests.reviewing import add_candidate, article_url, load_article, save, sentence

pytestmark = pytest.mark.django_db


def standings(html: str) -> dict[str, str]:
    """Sentence anchor -> the standing shown in its row."""
    rows = re.findall(r'id="(s\d+)".*?<span class="standing"[^>]*>([^<]*)</span>', html, re.S)
    return dict(rows)


def test_every_sentence_shows_its_rank_and_percentile(reviewer, client):
    article = load_seed_article()
    client.force_login(reviewer)
    html = client.get(article_url(article)).content.decode()
    shown = standings(html)
    assert len(shown) == 19
    # Sentence 19 (index 18) scores highest: the top of its article and of the corpus.
    assert shown["s18"] == "#1 in article · percentile 100.0"
    candidates = Candidate.objects.filter(sentence__article=article).select_related("sentence")
    ranks = {f"s{c.sentence.index}": c.rank for c in candidates}
    assert {anchor: int(text.split()[0][1:]) for anchor, text in shown.items()} == ranks


def test_a_saved_sentence_keeps_its_rank_and_percentile(reviewer, client):
    article = load_seed_article()
    client.force_login(reviewer)
    target = Sentence.objects.get(article=article, index=4)
    before = standings(client.get(article_url(article)).content.decode())["s4"]
    response = save(client, target, {"label": "false_flag", "version": "0"})
    assert response.status_code == 200
    assert standings(response.content.decode()) == {"s4": before}
    assert before.startswith("#3 in article · percentile ")


def test_a_candidate_without_rank_or_percentile_shows_neither(reviewer, client):
    article = load_article(body="One claim here. Another one.")
    add_candidate(sentence(article, 0), 0.5, "sourced")  # stored without a rank, no quantiles
    client.force_login(reviewer)
    html = client.get(article_url(article)).content.decode()
    assert '<span class="score">0.50</span>' in html
    assert 'class="standing"' not in html
