"""Rating sets stored as real annotations: one article per set, a sentence per unit, a reviewer
per rater."""

import numpy as np
from django.contrib.auth.models import User

from annotations.labels import Label
from annotations.review.models import Annotation, ModerationStatus
from tests.conftest import make_reviewer
from tests.reviewing import load_article, long_body

LABELS = Label.values  # category number -> label, in the order the measures use


def reviewers(count: int) -> list[User]:
    return [
        User.objects.filter(username=f"rater{n}").first() or make_reviewer(f"rater{n}")
        for n in range(count)
    ]


def store(ratings, raters: list[User], *, name="a", date="20220223", rejected_share=0.0, seed=0):
    """An article whose sentences carry the ratings as counted annotations; where a rater gave
    none, a rejected one is stored instead for a share of them (it must not count)."""
    rng = np.random.default_rng(seed)
    article = load_article(
        title=name, body=long_body(len(ratings)), url=f"https://example.com/{name}", date=date
    )
    sentences = list(article.sentences.order_by("index"))
    assert len(sentences) == len(ratings)
    annotations = []
    for sentence, unit in zip(sentences, ratings, strict=True):
        for rater, label in zip(raters, unit, strict=False):
            if label is not None:
                annotations.append(
                    Annotation(sentence=sentence, reviewer=rater, label=LABELS[label])
                )
            elif rng.random() < rejected_share:
                annotations.append(
                    Annotation(
                        sentence=sentence,
                        reviewer=rater,
                        label=LABELS[int(rng.integers(len(LABELS)))],
                        moderation_status=ModerationStatus.REJECTED,
                    )
                )
    Annotation.objects.bulk_create(annotations)
    return article
