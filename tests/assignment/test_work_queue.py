"""The work queue (SentenceWork) equals a fresh computation after every kind of write, and "next"
hands out what the queue's old definition, computed here from the labels, claims, candidates
and articles themselves, says it should."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.assignment.models import NO_SCORE, ReviewClaim, SentenceWork
from annotations.assignment.selectors import eligible_sentences
from annotations.assignment.services import next_sentence_for, rebuild_work_queue, skip_sentence
from annotations.corpus.models import Article, Sentence
from annotations.detection.selectors import active_detector
from annotations.detection.services import write_candidates
from annotations.labels import Label
from annotations.moderation.services import adjudicate, moderate, set_article_flag
from annotations.review.models import Annotation, ModerationStatus
from annotations.review.services import annotation_clear, annotation_save
from tests import reviewing
from tests.conftest import make_reviewer
from tests.reviewing import load_article

pytestmark = pytest.mark.django_db

OPERATIONS = [
    "ingest",
    "precompute",
    "label",
    "clear",
    "reject",
    "adjudicate",
    "lock",
    "hide",
    "overlap",
    "claim",
    "skip",
    "expire",
]
BODIES = ["One claim. Two claims.", "Troops moved. Moscow denied it. Reuters said so.", "Only."]


def fresh_rows(django_settings) -> dict[int, tuple]:
    """Every sentence's row as the work queue should hold it, from the tables themselves."""
    rows = {}
    for sentence in Sentence.objects.select_related("article"):
        article = sentence.article
        candidates = sentence.candidates.order_by("-pk")
        votes = sentence.annotations.exclude(moderation_status=ModerationStatus.REJECTED)
        rows[sentence.pk] = (
            article.pk,
            sentence.index,
            candidates[0].score if candidates else NO_SCORE,
            votes.count(),
            article.overlap or django_settings.REVIEW_OVERLAP,
            not (article.locked or article.hidden),
        )
    return rows


def queue_rows() -> dict[int, tuple]:
    return {
        work.pk: (
            work.article_id,
            work.index,
            work.score,
            work.votes,
            work.needed,
            work.article_open,
        )
        for work in SentenceWork.objects.all()
    }


def expected_next(user, now, django_settings) -> int | None:
    """The sentence "next" should hand the user, by its definition before the queue: of an
    open article, not labelled nor passed over by the user, counted labels plus live claims
    under k; the highest candidate score first (unscored last), then article and sentence."""
    eligible = []
    for sentence in Sentence.objects.select_related("article"):
        article = sentence.article
        if article.locked or article.hidden:
            continue
        labelled_by = set(sentence.annotations.values_list("reviewer", flat=True))
        claims = ReviewClaim.objects.filter(sentence=sentence)
        if user.pk in labelled_by or claims.filter(reviewer=user, skipped=True).exists():
            continue
        votes = sentence.annotations.exclude(moderation_status=ModerationStatus.REJECTED).count()
        live = claims.filter(skipped=False, expires_at__gt=now).exclude(reviewer__in=labelled_by)
        if votes + live.count() >= (article.overlap or django_settings.REVIEW_OVERLAP):
            continue
        latest = sentence.candidates.order_by("-pk").first()
        score = latest.score if latest else None
        eligible.append(((score is None, -(score or 0), article.pk, sentence.index), sentence.pk))
    return min(eligible)[1] if eligible else None


def pick(items, number: int):
    items = list(items)
    return items[number % len(items)] if items else None


def apply(operation: str, a: int, b: int, people: dict) -> None:
    """One write of the given kind on the articles, sentences and labels a and b pick."""
    reviewers, moderator = people["reviewers"], people["moderator"]
    reviewer = reviewers[b % len(reviewers)]
    article = pick(Article.objects.order_by("pk"), a)
    sentence = pick(Sentence.objects.select_related("article").order_by("pk"), a)
    annotation = pick(Annotation.objects.select_related("sentence__article").order_by("pk"), a)
    if operation == "ingest":
        people["loaded"] += 1
        number = people["loaded"]
        load_article(f"Article {number}", BODIES[b % 3], f"https://q.example/{number}")
    elif operation == "precompute" and article:
        write_candidates([article.pk], active_detector())
    elif operation == "label" and sentence:
        label = Label.values[b % len(Label.values)]
        annotation_save(sentence=sentence, reviewer=reviewer, changes={"label": label})
    elif operation == "clear" and annotation:
        annotation_clear(annotation=annotation, actor=moderator)
    elif operation == "reject" and annotation:
        moderate(annotation=annotation, actor=moderator, decision="reject", reason="no")
    elif operation == "adjudicate" and sentence:
        adjudicate(sentence=sentence, actor=moderator, label=Label.values[b % 4])
    elif operation in ("lock", "hide") and article:
        flag = "locked" if operation == "lock" else "hidden"
        value = not getattr(article, flag)
        set_article_flag(article=article, actor=moderator, flag=flag, value=value)
    elif operation == "overlap" and article:
        article.overlap = [None, 1, 2, 3][b % 4]
        article.save(update_fields=["overlap"])
    elif operation == "claim":
        next_sentence_for(reviewer)
    elif operation == "skip" and sentence:
        skip_sentence(reviewer, sentence.pk)
    elif operation == "expire":
        ReviewClaim.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    writes=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=12,
    )
)
def test_the_queue_follows_every_write(db, moderator, settings, writes):
    with transaction.atomic():
        people = {
            "reviewers": [make_reviewer(f"queue-r{n}") for n in range(3)],
            "moderator": moderator,
            "loaded": 0,
        }
        load_article("Article 0", BODIES[1], "https://q.example/0")
        for operation, a, b in writes:
            # A reviewer's label on a locked article is refused: nothing is written.
            with contextlib.suppress(PermissionDenied):
                apply(operation, a, b, people)
            assert queue_rows() == fresh_rows(settings), operation
            now = timezone.now()
            for reviewer in people["reviewers"]:
                first = eligible_sentences(reviewer, now).first()
                assert (first and first.pk) == expected_next(reviewer, now, settings), operation
        transaction.set_rollback(True)


def test_a_rebuild_computes_the_same_rows(article, reviewer, moderator, settings):
    reviewing.label(reviewing.sentence(article, 0), reviewer, "sourced")
    set_article_flag(article=article, actor=moderator, flag="hidden", value=True)
    kept = queue_rows()
    SentenceWork.objects.all().delete()
    rebuild_work_queue()
    assert queue_rows() == kept == fresh_rows(settings)
    rebuild_work_queue([article.pk])
    assert queue_rows() == kept


def test_deleting_an_article_in_the_admin_takes_its_sentences_out_of_the_queue(
    admin_client, reviewer, settings
):
    # The rows have no database constraint to their sentence: Django's cascade must remove them.
    kept = load_article("Kept", BODIES[1], "https://q.example/kept")
    reviewing.label(reviewing.sentence(kept, 0), reviewer, "sourced")
    deleted = load_article("Deleted", BODIES[1], "https://q.example/deleted")
    response = admin_client.post(
        f"/admin/annotations/article/{deleted.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Article.objects.filter(pk=deleted.pk).exists()
    assert set(SentenceWork.objects.values_list("article_id", flat=True)) == {kept.pk}
    assert queue_rows() == fresh_rows(settings)
