"""What the assignment tests share: an article whose sentences score in a known order."""

import pytest

from annotations.assignment.services import rebuild_work_queue
from tests.reviewing import add_candidate, load_article, sentence


def scored_article(title: str, scores: list[float], url: str):
    """An article with one sentence per score, each with a candidate of that score."""
    body = " ".join(f"Sentence number {n} of the {title} article." for n in range(len(scores)))
    article = load_article(title, body, url)
    for index, score in enumerate(scores):
        add_candidate(sentence(article, index), score)
    # Candidates written one by one, not by precompute: the queue learns their scores as it
    # does after a bulk load.
    rebuild_work_queue([article.pk])
    return article


@pytest.fixture
def article(db):
    """Three sentences scoring 0.2, 0.9 and 0.5: "next" goes 1, 2, 0."""
    return scored_article("Scored", [0.2, 0.9, 0.5], "https://a.example/scored")
