"""What the moderation tests share: an article two reviewers disagree on."""

from dataclasses import dataclass

import pytest

from annotations.corpus.models import Article, Sentence
from annotations.review.models import Annotation
from annotations.review.services import annotation_save
from tests.api_support import load_articles


@dataclass
class Disagreement:
    """Sentence 0: the reviewer says sourced, the other reviewer disputed (contested).
    Sentence 1: only the reviewer labelled it, not a claim (pending, not contested)."""

    article: Article
    contested: Sentence
    single: Sentence
    mine: Annotation  # the reviewer's label of the contested sentence
    theirs: Annotation  # the other reviewer's
    single_label: Annotation


@pytest.fixture
def disagreement(reviewer, other_reviewer) -> Disagreement:
    [article] = load_articles(1)
    contested, single = article.sentences.order_by("index")[:2]
    mine, _ = annotation_save(sentence=contested, reviewer=reviewer, changes={"label": "sourced"})
    theirs, _ = annotation_save(
        sentence=contested, reviewer=other_reviewer, changes={"label": "disputed"}
    )
    single_label, _ = annotation_save(
        sentence=single, reviewer=reviewer, changes={"label": "not_claim"}
    )
    return Disagreement(article, contested, single, mine, theirs, single_label)
