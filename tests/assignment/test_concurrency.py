"""Acceptance, against PostgreSQL with threads: many reviewers ask for work at the same moment;
no sentence ever goes past k counted or claimed labels, no reviewer gets a sentence twice, and
an expired claim is handed to someone else."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from annotations.assignment.models import ReviewClaim
from annotations.assignment.selectors import sentence_loads
from annotations.assignment.services import next_sentence_for
from annotations.corpus.models import Sentence
from annotations.review.services import annotation_save
from tests.conftest import make_reviewer
from tests.services import require_postgres

from .conftest import scored_article

pytestmark = pytest.mark.django_db(transaction=True)

REVIEWERS = 12
OVERLAP = 3


def ask_together(users, work) -> list:
    """Each user's work(user) in a thread of its own, all released at once by a barrier; the
    results in the users' order (an exception is re-raised here)."""
    barrier = threading.Barrier(len(users))
    results: list = [None] * len(users)

    def run(position, user):
        try:
            barrier.wait()
            results[position] = work(user)
        except Exception as error:  # noqa: BLE001 - handed back to the test's thread
            results[position] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def loads_within_k(sentence_ids) -> None:
    loads = sentence_loads(sentence_ids, timezone.now())
    assert max(loads.values()) <= OVERLAP, loads


def test_reviewers_asking_at_once_never_push_a_sentence_past_k(settings):
    require_postgres()
    settings.REVIEW_OVERLAP = OVERLAP
    # Fewer sentences than reviewers times rounds: they run out, and many ask for the same ones.
    articles = [
        scored_article(f"Article {n}", [0.9, 0.8, 0.7, 0.6, 0.5], f"https://a.example/{n}")
        for n in range(3)
    ]
    sentence_ids = list(Sentence.objects.filter(article__in=articles).values_list("pk", flat=True))
    users = [make_reviewer(f"reviewer-{n}") for n in range(REVIEWERS)]
    handed: dict[str, list[int]] = {user.username: [] for user in users}

    def ask(user):
        claim = next_sentence_for(user)
        return None if claim is None else claim.sentence_id

    def ask_and_label(user):
        sentence_id = ask(user)
        if sentence_id is not None:
            sentence = Sentence.objects.select_related("article").get(pk=sentence_id)
            annotation_save(sentence=sentence, reviewer=user, changes={"label": "sourced"})
        return sentence_id

    # First everyone claims at once, without labelling: claims alone count towards k.
    assert None not in ask_together(users, ask)
    loads_within_k(sentence_ids)
    # Then rounds of asking at once and labelling, until nothing is handed out.
    while True:
        got = ask_together(users, ask_and_label)
        for user, sentence_id in zip(users, got, strict=True):
            if sentence_id is not None:
                handed[user.username].append(sentence_id)
        loads_within_k(sentence_ids)
        if all(sentence_id is None for sentence_id in got):
            break

    for user in users:
        assert len(handed[user.username]) == len(set(handed[user.username])), user
    # Every sentence ended with exactly k labels: never more, and nothing was left undone.
    labels = Counter(
        Sentence.objects.filter(pk__in=sentence_ids).values_list("annotations__sentence", flat=True)
    )
    assert set(labels.values()) == {OVERLAP} and len(labels) == len(sentence_ids)


def test_an_expired_claim_is_handed_to_someone_else(settings):
    require_postgres()
    settings.REVIEW_OVERLAP = 1
    article = scored_article("Only", [0.9], "https://a.example/only")
    walked_away, *others = [make_reviewer(f"reviewer-{n}") for n in range(6)]
    held = next_sentence_for(walked_away)
    assert held.sentence.article == article
    # While it is held, no one else gets it, however many ask at once.
    assert ask_together(others, next_sentence_for) == [None] * len(others)
    ReviewClaim.objects.filter(reviewer=walked_away).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    claims = ask_together(others, next_sentence_for)
    [winner] = [claim for claim in claims if claim is not None]
    assert winner.sentence == held.sentence and winner.reviewer != walked_away
