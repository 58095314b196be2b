"""The article list's stored figures (the article's sentence count, top score and candidate
claims; sentences by votes; each reviewer's labels) equal a fresh count after every kind of
write: ingest, precompute, label, change, clear, approve, reject, reopen, adjudicate, clear the
adjudication, a reviewer deactivated with their pending labels rejected, an overlap change,
lock and unlock. The expected figures are counted here from the rows themselves, as the list
used to count them (correlated subqueries), not by the code under test."""

from collections import Counter
from contextlib import suppress

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.assignment.selectors import overlap_progress
from annotations.corpus.models import Article, Sentence
from annotations.detection.models import Candidate
from annotations.detection.selectors import active_detector
from annotations.detection.services import write_candidates
from annotations.moderation.services import (
    adjudicate,
    adjudication_clear,
    deactivate_reviewer,
    moderate,
    set_article_flag,
)
from annotations.review.models import Annotation, ReviewerProgress, SentencesByVotes
from annotations.review.selectors import article_list, article_progress, overlap_of
from annotations.review.services import annotation_clear, annotation_save, recount_articles
from tests.conftest import make_reviewer
from tests.reviewing import load_article

pytestmark = pytest.mark.django_db

LABELS = ["sourced", "disputed", "not_claim"]
BODIES = ["One. Two.", "Alpha said 3 people died. Beta. Gamma denied it.", "Solo sentence."]

# Few choices, so that steps meet the same labels often (a clear after a label, a decision on it).
article = st.integers(0, 1)
sentence = st.integers(0, 1)
reviewer = st.integers(0, 1)
STEPS = st.one_of(
    st.tuples(st.just("ingest"), st.sampled_from(BODIES)),
    st.tuples(st.just("precompute"), article),
    st.tuples(st.just("label"), article, sentence, reviewer, st.sampled_from(LABELS)),
    st.tuples(st.just("clear"), article, sentence, reviewer),
    st.tuples(
        st.just("decide"),
        article,
        sentence,
        reviewer,
        st.sampled_from(["approve", "reject", "reopen"]),
    ),
    st.tuples(st.just("adjudicate"), article, sentence, st.sampled_from([*LABELS, None])),
    st.tuples(st.just("deactivate"), reviewer),
    st.tuples(st.just("overlap"), article, st.sampled_from([None, 1, 2, 3])),
    st.tuples(st.just("lock"), article, st.booleans()),
)


def expected_figures(users) -> dict:
    """Per article: its list figures for each user, counted from the rows."""
    figures = {}
    for item in Article.objects.order_by("pk"):
        sentences = list(Sentence.objects.filter(article=item))
        latest = [s.candidates.order_by("-pk").first() for s in sentences]
        scores = [c.score for c in latest if c is not None]
        annotations = list(Annotation.objects.filter(sentence__article=item))
        votes = Counter(a.sentence_id for a in annotations if a.moderation_status != "rejected")
        k = overlap_of(item)
        shared = {
            "sentence_count": len(sentences),
            "top_score": max(scores, default=None),
            "candidate_claims": sum(score >= 0.5 for score in scores),
            "labelled_by_anyone": len({a.sentence_id for a in annotations}),
            "needed_reviewers": k,
            "reached_overlap": sum(n >= k for n in votes.values()),
            "missing": sum(max(k - votes[s.pk], 0) for s in sentences),
        }
        figures[item.pk] = {
            user.pk: {
                **shared,
                "labelled_by_me": sum(a.reviewer_id == user.pk for a in annotations),
            }
            for user in users
        }
    return figures


def stored_figures(users) -> dict:
    """Per article: its list figures for each user, as the list reads them."""
    figures = {}
    for user in users:
        for row in (
            article_list(user)
            .order_by("pk")
            .values(
                "pk",
                "sentence_count",
                "top_score",
                "candidate_claims",
                "labelled_by_anyone",
                "needed_reviewers",
                "reached_overlap",
                "labelled_by_me",
            )
        ):
            pk = row.pop("pk")
            progress = overlap_progress(Article.objects.filter(pk=pk))
            figures.setdefault(pk, {})[user.pk] = {**row, "missing": progress.missing_labels}
    return figures


def kept_rows() -> tuple[set, set]:
    return (
        set(SentencesByVotes.objects.values_list("article", "votes", "sentences")),
        set(ReviewerProgress.objects.values_list("reviewer", "article", "labelled")),
    )


class Scenario:
    def __init__(self, reviewers, moderator):
        self.reviewers, self.moderator = reviewers, moderator
        self.loaded = 0

    def articles(self) -> list[Article]:
        return list(Article.objects.order_by("pk"))

    def sentence(self, a: int, s: int) -> Sentence | None:
        articles = self.articles()
        if not articles:
            return None
        item = articles[a % len(articles)]
        return Sentence.objects.filter(article=item).order_by("index")[s:].first()

    def annotation(self, a, s, r) -> Annotation | None:
        target = self.sentence(a, s)
        return (
            target
            and Annotation.objects.filter(sentence=target, reviewer=self.reviewers[r]).first()
        )

    def run(self, step) -> None:
        name, *args = step
        getattr(self, name)(*args)

    def ingest(self, body):
        self.loaded += 1
        load_article(f"Article {self.loaded}", body, f"https://f.example/{self.loaded}")

    def precompute(self, a):
        articles = self.articles()
        if articles:
            write_candidates([articles[a % len(articles)].pk], active_detector())

    def label(self, a, s, r, value):
        target = self.sentence(a, s)
        if target is not None:
            annotation_save(sentence=target, reviewer=self.reviewers[r], changes={"label": value})

    def clear(self, a, s, r):
        annotation = self.annotation(a, s, r)
        if annotation is not None:
            annotation_clear(annotation=annotation, actor=self.reviewers[r])

    def decide(self, a, s, r, decision):
        annotation = self.annotation(a, s, r)
        if annotation is not None:
            reason = "not so" if decision == "reject" else ""
            moderate(annotation=annotation, actor=self.moderator, decision=decision, reason=reason)

    def adjudicate(self, a, s, value):
        target = self.sentence(a, s)
        if target is None:
            return
        if value is None:
            adjudication_clear(sentence=target, actor=self.moderator)
        else:
            adjudicate(sentence=target, actor=self.moderator, label=value, reason="final")

    def deactivate(self, r):
        deactivate_reviewer(
            user=self.reviewers[r], actor=self.moderator, reject_pending=True, reason="left"
        )

    def overlap(self, a, k):
        articles = self.articles()
        if articles:
            item = articles[a % len(articles)]
            item.overlap = k
            item.save(update_fields=["overlap"])  # as the admin saves it

    def lock(self, a, locked):
        articles = self.articles()
        if articles:
            item = articles[a % len(articles)]
            set_article_flag(article=item, actor=self.moderator, flag="locked", value=locked)


@pytest.fixture
def people(moderator):
    return [make_reviewer(f"f{n}") for n in range(2)], moderator


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=14))
def test_the_kept_figures_equal_a_fresh_count_after_every_write(people, steps):
    reviewers, moderator = people
    with transaction.atomic():
        # Each example from the same start: its writes are rolled back at the end.
        reviewers = [User.objects.get(pk=user.pk) for user in reviewers]
        scenario = Scenario(reviewers, moderator)
        scenario.ingest(BODIES[1])
        for step in steps:
            # A locked article, a deactivated reviewer: refused, nothing written.
            with suppress(PermissionDenied):
                scenario.run(step)
            users = [*reviewers, moderator]
            kept = stored_figures(users)
            assert kept == expected_figures(users), step
            rows = kept_rows()
            # By id: counting everything would ANALYZE these tiny tables, and the statistics
            # outlive the rollback (other tests' plans would be made from them).
            recount_articles(Article.objects.values_list("pk", flat=True))
            assert kept_rows() == rows, step
        transaction.set_rollback(True)


def test_the_article_page_reads_its_progress_from_the_kept_figures(reviewer, other_reviewer):
    item = load_article("Progress", "One. Two. Three.", "https://f.example/progress")
    first, second = Sentence.objects.filter(article=item).order_by("index")[:2]
    for user in (reviewer, other_reviewer):
        annotation_save(sentence=first, reviewer=user, changes={"label": "sourced"})
    annotation_save(sentence=second, reviewer=reviewer, changes={"label": "sourced"})
    progress = article_progress(item, reviewer)
    assert (progress.needed_reviewers, progress.sentence_count) == (2, 3)
    assert (progress.reached_overlap, progress.labelled_by_me) == (1, 2)
    assert article_progress(item, other_reviewer).labelled_by_me == 1


def test_a_recount_fixes_figures_written_around_the_services(reviewer):
    item = load_article("Bulk", "One. Two.", "https://f.example/bulk")
    first = Sentence.objects.filter(article=item).order_by("index").first()
    Annotation.objects.create(sentence=first, reviewer=reviewer, label="sourced")
    Candidate.objects.create(
        sentence=first, detector_version=active_detector(), score=0.8, reasons={}
    )
    recount_articles([item.pk])
    row = (
        article_list(reviewer)
        .values("top_score", "candidate_claims", "labelled_by_anyone", "labelled_by_me")
        .get(pk=item.pk)
    )
    assert row == {
        "top_score": 0.8,
        "candidate_claims": 1,
        "labelled_by_anyone": 1,
        "labelled_by_me": 1,
    }
