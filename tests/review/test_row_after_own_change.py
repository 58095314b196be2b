"""The save action shows counts derived from the row it read before saving; they must equal a
fresh read in every case (new label, changed label, rejected label changed, label removed)."""

import pytest

from annotations.corpus.models import Sentence
from annotations.corpus.services import ingest_files
from annotations.review import selectors, services
from annotations.review.models import Annotation
from tests.conftest import seed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentence(other_reviewer, staff):
    [outcome] = ingest_files([("a.txt", seed_text(body="One claim here."))])
    sentence = Sentence.objects.get(article_id=outcome.article_id)
    Annotation.objects.create(sentence=sentence, reviewer=other_reviewer, label="sourced")
    Annotation.objects.create(sentence=sentence, reviewer=staff, label="disputed")
    return sentence


def fresh(sentence, user):
    return selectors.sentence_rows(Sentence.objects.filter(pk=sentence.pk), user)[0]


def save(sentence, user, label):
    before = fresh(sentence, user)
    annotation, _ = services.annotation_save(
        sentence=sentence, reviewer=user, changes={"label": label}
    )
    return selectors.row_after_own_change(before, annotation)


def test_new_and_changed_labels_count_like_a_fresh_read(sentence, reviewer):
    for label in ("sourced", "false_flag", "false_flag"):
        derived = save(sentence, reviewer, label)
        assert derived.label_counts == fresh(sentence, reviewer).label_counts
        assert derived.mine.label == label


def test_a_rejected_label_changed_counts_again(sentence, reviewer):
    save(sentence, reviewer, "sourced")
    Annotation.objects.filter(reviewer=reviewer).update(moderation_status="rejected")
    derived = save(sentence, reviewer, "disputed")  # a new label goes back to moderation
    assert derived.label_counts == fresh(sentence, reviewer).label_counts
    assert derived.label_counts["disputed"] == 2


def test_a_removed_label_leaves_the_counts(sentence, reviewer):
    save(sentence, reviewer, "sourced")
    before = fresh(sentence, reviewer)
    services.annotation_clear(annotation=before.mine, actor=reviewer)
    derived = selectors.row_after_own_change(before, None)
    assert derived.mine is None
    assert (
        derived.label_counts
        == fresh(sentence, reviewer).label_counts
        == {
            "sourced": 1,
            "disputed": 1,
        }
    )
