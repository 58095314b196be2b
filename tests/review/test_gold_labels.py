"""The one definition of a sentence's final label: a moderator's adjudication, else the majority
of the annotations that count (not rejected), a tie going to the most specific label."""

import pytest
from django.contrib.auth.models import User

from annotations.labels import GoldLabel
from annotations.moderation.services import adjudicate, moderate
from annotations.review.models import Adjudication, Annotation, SentenceTally
from annotations.review.selectors import counted_annotations, gold_labels
from tests.reviewing import label, load_article, sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(db):
    return sentence(load_article(body="Kyiv denied it. Officials said so. It rained."), 0)


def labelled(target, *labels, rejected=()):
    for n, value in enumerate(labels):
        user = User.objects.create_user(f"r{target.pk}-{n}")
        status = "rejected" if n in rejected else "pending"
        Annotation.objects.create(
            sentence=target, reviewer=user, label=value, moderation_status=status
        )


def test_the_majority_of_labels_wins(first):
    labelled(first, "disputed", "disputed", "sourced")
    assert gold_labels([first.pk]) == {first.pk: GoldLabel("disputed", "majority")}


def test_a_tie_goes_to_the_most_specific_label_and_says_it_is_a_tie(first):
    labelled(first, "sourced", "false_flag", "not_claim", "disputed")
    assert gold_labels([first.pk]) == {first.pk: GoldLabel("false_flag", "tie")}
    second = sentence(first.article, 1)
    labelled(second, "not_claim", "sourced")
    assert gold_labels([second.pk])[second.pk] == GoldLabel("sourced", "tie")


def test_rejected_labels_do_not_count(first):
    labelled(first, "sourced", "disputed", "disputed", rejected=[1, 2])
    assert gold_labels([first.pk]) == {first.pk: GoldLabel("sourced", "majority")}
    assert counted_annotations().count() == 1


def test_an_adjudication_overrides_the_reviewers(first, moderator):
    labelled(first, "sourced", "sourced", "sourced")
    Adjudication.objects.create(sentence=first, label="not_claim", moderator=moderator)
    assert gold_labels([first.pk]) == {first.pk: GoldLabel("not_claim", "adjudicated")}


def test_an_adjudication_stands_even_when_every_label_was_rejected(first, moderator):
    labelled(first, "sourced", rejected=[0])
    Adjudication.objects.create(sentence=first, label="disputed", moderator=moderator)
    assert gold_labels([first.pk]) == {first.pk: GoldLabel("disputed", "adjudicated")}


def test_sentences_without_a_counted_label_have_none(first):
    second = sentence(first.article, 1)
    labelled(second, "sourced", rejected=[0])
    assert gold_labels([first.pk, second.pk]) == {}


def test_it_takes_a_queryset_or_everything_in_two_queries(first, django_assert_num_queries):
    second, third = sentence(first.article, 1), sentence(first.article, 2)
    labelled(first, "sourced")
    labelled(second, "disputed", "disputed")
    labelled(third, "not_claim")
    expected = {
        first.pk: GoldLabel("sourced", "majority"),
        second.pk: GoldLabel("disputed", "majority"),
        third.pk: GoldLabel("not_claim", "majority"),
    }
    with django_assert_num_queries(2):
        assert gold_labels() == expected
    with django_assert_num_queries(2):
        subset = first.article.sentences.filter(index__lt=2)
        assert gold_labels(subset) == {pk: expected[pk] for pk in (first.pk, second.pk)}


def test_the_stored_tally_keeps_the_final_label_and_its_evidence_through_every_change(
    first, reviewer, other_reviewer, moderator
):
    """What exports read from the tally follows each label, decision and adjudication."""

    def stored():
        tally = SentenceTally.objects.get(sentence=first)
        return (tally.final_label, tally.final_basis, tally.claimants, tally.agreement)

    sourced = label(first, reviewer, "sourced", claimant="Kyiv", source_name="Reuters")
    assert stored() == ("sourced", "majority", ["Kyiv"], None)
    label(first, other_reviewer, "disputed", claimant="Moscow")
    assert stored() == ("disputed", "tie", ["Moscow"], 0.0)
    moderate(annotation=sourced, actor=moderator, decision="reject", reason="no source")
    assert stored() == ("disputed", "majority", ["Moscow"], None)
    adjudicate(sentence=first, actor=moderator, label="false_flag", reason="staged")
    tally = SentenceTally.objects.get(sentence=first)
    assert stored() == ("false_flag", "adjudicated", [], None)
    assert tally.label_counts == {"sourced": 0, "disputed": 1, "false_flag": 0, "not_claim": 0}
    assert tally.final_at == first.adjudication.updated_at
