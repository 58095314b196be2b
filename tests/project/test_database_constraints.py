"""The data rules live in the database: a write that breaks one is refused there, whatever code
(a bulk COPY, a migration, a shell) makes it."""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from annotations.corpus.models import Sentence
from annotations.detection.models import Candidate, DetectorVersion
from annotations.review.models import Annotation
from annotations.training.models import TrainingRun
from tests.reviewing import load_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(db):
    return load_article(body="Kyiv said so. It rained.")


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def sentence_of(article, **fields):
    values = {"article": article, "index": 5, "paragraph": 0, "start": 0, "end": 5, "text": "Kyiv "}
    return lambda: Sentence.objects.create(**{**values, **fields})


def test_a_sentence_must_fit_its_offsets(article):
    refused(sentence_of(article, index=0))  # the index is taken
    refused(sentence_of(article, end=6))  # end is not start + length(text)
    refused(sentence_of(article, start=5, end=5, text=""))  # empty
    # Offsets count characters, not bytes, on every database.
    sentence_of(article, start=10, end=14, text="Київ")()
    assert Sentence.objects.filter(article=article).count() == 3


def test_a_candidate_score_is_a_probability_and_one_per_sentence_and_version(article):
    sentence = article.sentences.first()
    detector = DetectorVersion.objects.create(name="v", rules_version="r")
    refused(
        lambda: Candidate.objects.create(sentence=sentence, detector_version=detector, score=1.5)
    )
    refused(
        lambda: Candidate.objects.create(sentence=sentence, detector_version=detector, score=-0.1)
    )
    Candidate.objects.create(sentence=sentence, detector_version=detector, score=0.5)
    refused(
        lambda: Candidate.objects.create(sentence=sentence, detector_version=detector, score=0.2)
    )


def test_an_annotation_is_one_per_reviewer_with_an_ordered_span(article, reviewer):
    sentence = article.sentences.first()
    refused(
        lambda: Annotation.objects.create(
            sentence=sentence, reviewer=reviewer, label="sourced", span_start=4, span_end=2
        )
    )
    refused(
        lambda: Annotation.objects.create(
            sentence=sentence, reviewer=reviewer, label="sourced", span_start=4
        )
    )
    Annotation.objects.create(sentence=sentence, reviewer=reviewer, label="sourced")
    refused(
        lambda: Annotation.objects.create(sentence=sentence, reviewer=reviewer, label="disputed")
    )
    other = User.objects.create_user("other")
    Annotation.objects.create(sentence=sentence, reviewer=other, label="disputed")
    assert Annotation.objects.count() == 2


def test_at_most_one_training_run_waits(db):
    TrainingRun.objects.create(trigger="admin")
    refused(lambda: TrainingRun.objects.create(trigger="api"))
    TrainingRun.objects.create(trigger="api", status="running")
    assert TrainingRun.objects.count() == 2
