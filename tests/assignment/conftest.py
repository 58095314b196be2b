"""What the assignment tests share: an article whose sentences score in a known order."""

import pytest

from tests.reviewing import add_candidate, load_article, sentence


def scored_article(title: str, scores: list[float], url: str):
    """An article with one sentence per score, each with a candidate of that score."""
    body = " ".join(f"Sentence number {n} of the {title} article." for n in range(len(scores)))
    article = load_article(title, body, url)
    for index, score in enumerate(scores):
        add_candidate(sentence(article, index), score)
    return article


@pytest.fixture
def article(db):
    """Three sentences scoring 0.2, 0.9 and 0.5: "next" goes 1, 2, 0."""
    return scored_article("Scored", [0.2, 0.9, 0.5], "https://a.example/scored")
