"""Which sentence "next" hands a reviewer: those still needing reviewers (overlap k), highest
candidate score first, never one the reviewer labelled or passed over, held by a claim."""

import datetime
import signal

import pytest
from django.utils import timezone

from annotations.assignment.models import ReviewClaim
from annotations.assignment.services import next_sentence_for, skip_sentence
from annotations.moderation.services import moderate
from annotations.review.models import Annotation
from annotations.roles import NotAReviewer
from tests.conftest import make_reviewer
from tests.reviewing import label, load_article, sentence

from .conftest import scored_article

pytestmark = pytest.mark.django_db


def next_index(user, **kwargs) -> int | None:
    claim = next_sentence_for(user, **kwargs)
    return None if claim is None else claim.sentence.index


def expire(user) -> None:
    past = timezone.now() - datetime.timedelta(seconds=1)
    ReviewClaim.objects.filter(reviewer=user).update(expires_at=past)


def test_it_hands_out_the_highest_score_and_holds_it_for_a_while(article, reviewer, settings):
    settings.ASSIGNMENT_CLAIM_MINUTES = 15
    before = timezone.now()
    claim = next_sentence_for(reviewer)
    assert claim.sentence == sentence(article, 1)
    assert claim.sentence.article == article
    held = ReviewClaim.objects.get(reviewer=reviewer)
    assert held.sentence == claim.sentence and not held.skipped
    minutes = (held.expires_at - before).total_seconds() / 60
    assert 15 <= minutes < 16


def test_asking_again_before_labelling_resumes_the_same_sentence(article, reviewer):
    article.overlap = 1  # my own claim fills it
    article.save()
    assert next_index(reviewer) == 1
    assert next_index(reviewer) == 1
    assert ReviewClaim.objects.filter(reviewer=reviewer).count() == 1


def test_once_labelled_the_next_one_comes(article, reviewer):
    assert next_index(reviewer) == 1
    label(sentence(article, 1), reviewer, "sourced")
    assert next_index(reviewer) == 2
    label(sentence(article, 2), reviewer, "sourced")
    assert next_index(reviewer) == 0
    label(sentence(article, 0), reviewer, "sourced")
    assert next_sentence_for(reviewer) is None


def test_a_sentence_goes_to_k_reviewers_then_the_next_one_is_handed_out(article, settings):
    settings.REVIEW_OVERLAP = 2
    first, second, third = (make_reviewer(name) for name in ("r1", "r2", "r3"))
    assert next_index(first) == 1
    assert next_index(second) == 1  # it needs two reviewers
    assert next_index(third) == 2  # two claims fill it


def test_the_articles_own_overlap_overrides_the_setting(article, settings):
    settings.REVIEW_OVERLAP = 2
    article.overlap = 3
    article.save()
    users = [make_reviewer(f"r{n}") for n in range(4)]
    assert [next_index(user) for user in users] == [1, 1, 1, 2]


def test_an_overlap_of_one_gives_each_reviewer_another_sentence(article):
    article.overlap = 1
    article.save()
    users = [make_reviewer(f"r{n}") for n in range(4)]
    assert [next_index(user) for user in users] == [1, 2, 0, None]


def test_counted_labels_fill_a_sentence_and_a_rejected_one_frees_its_slot(
    article, reviewer, moderator
):
    top = sentence(article, 1)
    first, second = make_reviewer("r1"), make_reviewer("r2")
    label(top, first, "sourced")
    rejected = label(top, second, "disputed")
    assert next_index(reviewer) == 2  # two counted labels: k reached
    ReviewClaim.objects.filter(reviewer=reviewer).delete()
    moderate(annotation=rejected, actor=moderator, decision="reject", reason="off topic")
    assert next_index(reviewer) == 1


def test_a_sentence_i_labelled_is_never_handed_to_me(article, reviewer):
    label(sentence(article, 1), reviewer, "sourced")  # one label of the two it needs
    assert next_index(reviewer) == 2


def test_a_claim_and_the_label_that_fulfils_it_count_once(article):
    article.overlap = 2
    article.save()
    first, second, third = (make_reviewer(name) for name in ("r1", "r2", "r3"))
    assert next_index(first) == 1
    label(sentence(article, 1), first, "sourced")  # its claim is still live
    assert next_index(second) == 1
    assert next_index(third) == 2


def test_a_skipped_sentence_frees_its_slot_and_is_never_offered_to_me_again(article):
    article.overlap = 1
    article.save()
    first, second = make_reviewer("r1"), make_reviewer("r2")
    assert next_index(first) == 1
    assert next_index(first, skip=sentence(article, 1).pk) == 2
    assert next_index(second) == 1  # free again
    label(sentence(article, 2), first, "sourced")
    assert next_index(first) == 0
    label(sentence(article, 0), first, "sourced")
    assert next_sentence_for(first) is None


def test_skipping_a_sentence_i_hold_no_claim_on_changes_nothing(article, reviewer):
    assert skip_sentence(reviewer, sentence(article, 2).pk) is False
    assert next_index(reviewer, skip=sentence(article, 2).pk) == 1
    assert not ReviewClaim.objects.filter(skipped=True).exists()


def test_an_expired_claim_no_longer_counts_and_goes_to_someone_else(article):
    article.overlap = 1
    article.save()
    walked_away, other = make_reviewer("r1"), make_reviewer("r2")
    assert next_index(walked_away) == 1
    expire(walked_away)
    assert next_index(other) == 1


def test_an_expired_claim_is_not_resumed_but_may_be_claimed_again(article, reviewer):
    assert next_index(reviewer) == 1
    expire(reviewer)
    claim = next_sentence_for(reviewer)
    assert claim.sentence.index == 1  # still the best, and still needing a reviewer
    assert ReviewClaim.objects.get(reviewer=reviewer).expires_at > timezone.now()


@pytest.mark.parametrize("flag", ["locked", "hidden"])
def test_locked_and_hidden_articles_are_left_out(article, reviewer, flag):
    other = scored_article("Other", [0.1], "https://a.example/other")
    assert next_index(reviewer) == 1
    setattr(article, flag, True)
    article.save()
    claim = next_sentence_for(reviewer)  # the held claim is not resumed either
    assert claim.sentence == sentence(other, 0)


def test_favouring_started_articles_finishes_them_first(article, reviewer, settings):
    started = scored_article("Started", [0.1, 0.05], "https://a.example/started")
    label(sentence(started, 0), reviewer, "sourced")
    settings.ASSIGNMENT_FAVOUR_STARTED = False
    assert next_sentence_for(reviewer).sentence == sentence(article, 1)
    ReviewClaim.objects.all().delete()
    settings.ASSIGNMENT_FAVOUR_STARTED = True
    assert next_sentence_for(reviewer).sentence == sentence(started, 1)


def test_sentences_without_a_candidate_come_last(article, reviewer):
    article.overlap = 1
    article.save()
    unscored = load_article("Unscored", "No candidate here.", "https://a.example/unscored")
    users = [make_reviewer(f"r{n}") for n in range(4)]
    claims = [next_sentence_for(user) for user in users]
    assert [claim.sentence.article for claim in claims] == [article] * 3 + [unscored]


def test_an_account_without_a_role_gets_nothing(article, staff):
    with pytest.raises(NotAReviewer):
        next_sentence_for(staff)
    assert not ReviewClaim.objects.exists()


def test_queue_rows_behind_their_labels_are_passed_by_and_next_still_answers(article, reviewer):
    """Labels written around the services (a bulk load that did not rebuild the work queue)
    leave rows short of their sentences' votes: "next" finds those sentences full, leaves them
    out and answers, rather than trying the same ones again for ever."""
    others = [make_reviewer(f"other{n}") for n in range(2)]
    Annotation.objects.bulk_create(
        Annotation(sentence=sentence(article, index), reviewer=other, label="sourced")
        for other in others
        for index in range(3)
    )
    signal.signal(signal.SIGALRM, _took_too_long)
    signal.alarm(20)
    try:
        assert next_sentence_for(reviewer) is None  # every sentence has its k labels
    finally:
        signal.alarm(0)


def _took_too_long(signum, frame):
    raise TimeoutError('"next" kept trying the same full sentences')
