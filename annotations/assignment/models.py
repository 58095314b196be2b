from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.corpus.models import Article, Sentence

NO_SCORE = -1.0  # a sentence without a candidate: after every scored one in the queue


class ReviewClaim(models.Model):
    """A reviewer's hold on a sentence that "next" handed them. Until they label it or it
    expires, it counts towards the sentence's overlap, so two reviewers asking at the same
    moment never push a sentence past the reviewers it needs. A skipped claim is the reviewer
    passing the sentence over: it no longer counts, and "next" does not offer it to them again."""

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="claims")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_claims"
    )
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    skipped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Also serves the count of a sentence's claims (its leading column).
            models.UniqueConstraint(fields=["sentence", "reviewer"], name="one_claim_per_reviewer")
        ]
        indexes = [models.Index(fields=["reviewer", "expires_at"], name="claim_by_reviewer")]

    def __str__(self) -> str:
        return f"{self.reviewer_id} holds {self.sentence_id} until {self.expires_at:%H:%M}"


class SentenceWork(models.Model):
    """What "next" needs to know of a sentence, one row each, kept in the transaction of every
    write that changes it (services.py, receivers of the signals those writes send). The rows
    of open articles still under their k are the work queue: the partial index `work_queue`
    holds them in "next" order, so "next" reads its first few at any corpus size. Each column
    has one kind of write that sets it (labels, candidates, the article), so writes racing on a
    sentence never undo each other's."""

    # No database constraint: the rows are derived, written only from stored sentences (by the
    # load, in the sentences' own transaction) and deleted with them by Django's cascade; the
    # constraint's check of every row at commit was a third of the load's cost above the COPY
    # ceiling (bench/load_articles.py). recount_stored_figures rebuilds them from the sentences.
    sentence = models.OneToOneField(
        Sentence,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="work",
        db_constraint=False,
    )
    # The sentence's article, copied for the queue's index, without a constraint either.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    index = models.PositiveIntegerField(help_text="the sentence's, for the queue's order")
    score = models.FloatField(help_text="the latest candidate's; -1 without one")
    votes = models.PositiveIntegerField(default=0, help_text="counted (not rejected) labels")
    needed = models.PositiveSmallIntegerField(
        help_text="the article's overlap k (its own, else REVIEW_OVERLAP when it was written)"
    )
    article_open = models.BooleanField(help_text="the article is neither locked nor hidden")

    class Meta:
        verbose_name_plural = "sentence work"
        indexes = [
            models.Index(
                fields=["-score", "article", "index"],
                condition=Q(article_open=True, votes__lt=F("needed")),
                name="work_queue",
            ),
            # An article's rows: its writes, and "next" among the articles a reviewer started.
            models.Index(fields=["article", "index"], name="work_by_article"),
        ]

    def __str__(self) -> str:
        return f"{self.sentence_id}: {self.votes} of {self.needed}"
