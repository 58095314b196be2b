"""Review assignment: "next" hands each reviewer a sentence that still needs labels from someone
other than those who gave them, holding a short-lived claim on it so that reviewers asking at
the same moment never push a sentence past its overlap k. The UI, the API and the beat sweep
call these."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.review.selectors import overlap_of, overlap_sql
from annotations.roles import check_can_review

from .models import ReviewClaim
from .selectors import eligible_sentences, held_claim, sentence_loads

# Sentence rows locked per attempt: enough that a few full ones do not cost a round trip each,
# few enough that reviewers asking together spread over different sentences.
CANDIDATES_PER_ATTEMPT = 5


def next_sentence_for(user, skip: int | None = None) -> ReviewClaim | None:
    """The user's claim on the sentence they should label next (its sentence and article
    loaded), or None when no sentence needs them. With `skip` (a sentence id), the user first
    passes over that sentence: "next" never offers it to them again. A live claim the user
    already holds is handed back (a reload resumes it); otherwise the best eligible sentence
    is claimed for ASSIGNMENT_CLAIM_MINUTES."""
    check_can_review(user)
    if skip is not None:
        skip_sentence(user, skip)
    now = timezone.now()
    held = held_claim(user, now)
    if held is not None:
        return held
    while True:
        with transaction.atomic():
            candidates = _lock_candidates(user, now)
            if not candidates:
                return None
            # A new statement: it sees the claims committed since the one above read its loads
            # (PostgreSQL's recheck of a locked row does not run the subqueries again).
            loads = sentence_loads([sentence.pk for sentence in candidates], now)
            for sentence in candidates:
                if loads[sentence.pk] < overlap_of(sentence.article):
                    return _claim(user, sentence, now)
        # Every candidate filled up meanwhile: the next attempt's query leaves them out.


def _lock_candidates(user, now: datetime.datetime) -> list:
    """The best eligible sentences, their rows locked for this transaction. Rows other claimers
    hold are skipped, so reviewers asking together spread over different sentences; when they
    hold every eligible one, wait for the first: None from "next" must mean that nothing needs
    the user, not that others were busy claiming. NO KEY: the lock label writes take on their
    sentence (review's tallies) too, while a label's insert, which only needs KEY SHARE on its
    sentence, is not held up."""
    eligible = eligible_sentences(user, now)
    skipping = eligible.select_for_update(skip_locked=True, no_key=True, of=("self",))
    return list(skipping[:CANDIDATES_PER_ATTEMPT]) or list(
        eligible.select_for_update(no_key=True, of=("self",))[:1]
    )


def _claim(user, sentence, now: datetime.datetime) -> ReviewClaim:
    claim = ReviewClaim(
        sentence=sentence,
        reviewer=user,
        claimed_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.ASSIGNMENT_CLAIM_MINUTES),
    )
    # An expired claim of the user's on this sentence is taken over, not duplicated.
    ReviewClaim.objects.bulk_create(
        [claim],
        update_conflicts=True,
        unique_fields=["sentence", "reviewer"],
        update_fields=["claimed_at", "expires_at", "skipped"],
    )
    return claim


def skip_sentence(user, sentence_id: int) -> bool:
    """Pass over a sentence "next" handed the user: its slot is free for someone else and it is
    not offered to them again. False when the user holds no claim on it."""
    return (
        ReviewClaim.objects.filter(reviewer=user, sentence_id=sentence_id).update(skipped=True) > 0
    )


def sweep_expired_claims() -> int:
    """Delete the claims that no longer mean anything: expired ones (their reviewer walked
    away), and passed-over ones of sentences that got their k counted labels. Returns how many
    were deleted."""
    now = timezone.now()
    # Only the claim's own columns: a claim renewed meanwhile is rechecked, and kept.
    expired, _ = ReviewClaim.objects.filter(skipped=False, expires_at__lte=now).delete()
    reached = Q(sentence__tally__votes__gte=overlap_sql(F("sentence__article__overlap")))
    done, _ = ReviewClaim.objects.filter(reached, skipped=True).delete()
    return expired + done
