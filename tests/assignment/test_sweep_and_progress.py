"""The beat sweep of claims that mean nothing any more, and progress counts that respect k."""

import datetime

import pytest
from django.utils import timezone

from annotations.assignment.models import ReviewClaim
from annotations.assignment.selectors import overlap_progress
from annotations.assignment.tasks import sweep_expired_claims_task
from annotations.corpus.models import Article
from annotations.moderation.services import moderate
from tests.conftest import make_reviewer
from tests.reviewing import article_url, label, sentence

from .conftest import scored_article

pytestmark = pytest.mark.django_db


def hold(user, held_sentence, minutes_left: int, skipped: bool = False) -> None:
    now = timezone.now()
    ReviewClaim.objects.create(
        sentence=held_sentence,
        reviewer=user,
        claimed_at=now - datetime.timedelta(minutes=30),
        expires_at=now + datetime.timedelta(minutes=minutes_left),
        skipped=skipped,
    )


def test_the_sweep_deletes_expired_claims_and_passed_over_ones_of_sentences_done(article):
    article.overlap = 1
    article.save()
    live, expired, skipped_done, skipped_open = (make_reviewer(f"r{n}") for n in range(4))
    hold(live, sentence(article, 1), 5)
    hold(expired, sentence(article, 2), -1)
    hold(skipped_done, sentence(article, 0), 5, skipped=True)
    hold(skipped_open, sentence(article, 2), -1, skipped=True)
    label(sentence(article, 0), live, "sourced")  # its one reviewer: done
    assert sweep_expired_claims_task.delay().get() == 2
    kept = set(ReviewClaim.objects.values_list("reviewer__username", "sentence__index"))
    assert kept == {("r0", 1), ("r3", 2)}


def test_progress_counts_sentences_with_k_counted_labels(moderator, settings):
    settings.REVIEW_OVERLAP = 2
    pair = scored_article("Pair", [0.5, 0.4], "https://a.example/pair")
    single = scored_article("Single", [0.3, 0.2, 0.1], "https://a.example/single")
    single.overlap = 1
    single.save()
    first, second = make_reviewer("r1"), make_reviewer("r2")
    label(sentence(pair, 0), first, "sourced")
    label(sentence(pair, 0), second, "sourced")  # k = 2 reached
    label(sentence(pair, 1), first, "sourced")  # one of two
    label(sentence(single, 0), first, "sourced")  # k = 1 reached
    rejected = label(sentence(single, 1), first, "disputed")
    moderate(annotation=rejected, actor=moderator, decision="reject", reason="no")
    progress = overlap_progress()
    assert (progress.sentence_count, progress.reached_overlap) == (5, 2)
    # pair: 0 + 1; single: 0 + 1 (the rejected label does not count) + 1
    assert progress.missing_labels == 3
    only_pair = overlap_progress(Article.objects.filter(pk=pair.pk))
    assert (only_pair.sentence_count, only_pair.reached_overlap, only_pair.missing_labels) == (
        2,
        1,
        1,
    )


def test_progress_is_two_queries_over_the_stored_figures(django_assert_num_queries, article):
    with django_assert_num_queries(2):
        overlap_progress()


def test_the_article_list_and_page_show_progress_towards_k(article, reviewer, client):
    article.overlap = 1
    article.save()
    label(sentence(article, 1), reviewer, "sourced")
    label(sentence(article, 2), make_reviewer("r2"), "sourced")
    client.force_login(reviewer)
    listing = client.get("/").content.decode()
    assert "2 of 3 sentences have the reviewers they need; 1 more label to go." in listing
    assert '<td class="num">2 (k = 1)</td>' in listing
    page = client.get(article_url(article)).content.decode()
    assert "2 of 3 sentences have their 1 reviewer, 1 labelled by you" in page
