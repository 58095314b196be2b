from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Length

from annotations.jobs import JobStatus, Lifecycle

MAX_OVERLAP = 20  # reviewers a sentence can need (the per-article override's bound)
CANDIDATE_CLAIM_SCORE = 0.5  # a sentence counts as a candidate claim from this score up
# The article list's "most candidate claims" order ranks an article with no candidates yet
# (top_score NULL) below any score: one key without NULLs, so that keyset pages compare rows
# and one index serves the order.
TOP_SCORE_KEY = Coalesce("top_score", models.Value(-1.0))


class Article(models.Model):
    # Where its candidate precompute keeps its job state (claimed and swept by detection).
    precompute = Lifecycle(
        status="precompute_status",
        error="precompute_error",
        queued_at="precompute_queued_at",
        started_at="precompute_started_at",
        finished_at="precompute_finished_at",
    )

    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, unique=True)
    published_on = models.DateField()
    # The exact text sentence offsets point into; never changed after loading.
    body = models.TextField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the body")
    source_name = models.CharField(max_length=255, blank=True, help_text="file it was loaded from")
    precompute_status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    precompute_error = models.TextField(blank=True)
    precompute_queued_at = models.DateTimeField(null=True, blank=True)
    precompute_started_at = models.DateTimeField(null=True, blank=True)
    precompute_finished_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False, help_text="moderators stop edits")
    hidden = models.BooleanField(default=False, help_text="only moderators see it")
    overlap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OVERLAP)],
        help_text="how many reviewers each sentence needs; empty: the project's REVIEW_OVERLAP",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What the article list sorts by and shows, kept by the writes that change them: ingest,
    # and detection's write_candidates (review.services.recount_articles() counts them afresh).
    sentence_count = models.PositiveIntegerField(db_default=0)
    top_score = models.FloatField(null=True, blank=True, help_text="of its latest candidates")
    candidate_claims = models.PositiveIntegerField(
        db_default=0, help_text=f"sentences whose latest candidate scores {CANDIDATE_CLAIM_SCORE}+"
    )

    class Meta:
        ordering = ["-published_on", "-id"]
        permissions = [("lock_article", "Can lock, unlock, hide and show articles")]
        # One index per order of the article list (read backwards: newest first), alone and
        # after a precompute status; the API lists by id, alone and after a status (which the
        # precompute sweeps look up too). Hidden and locked articles are few: small partial
        # indexes find them.
        indexes = [
            models.Index(fields=["published_on", "id"], name="article_newest"),
            models.Index("candidate_claims", TOP_SCORE_KEY, "id", name="article_candidates"),
            models.Index(
                fields=["precompute_status", "published_on", "id"], name="article_status_newest"
            ),
            models.Index(
                "precompute_status",
                "candidate_claims",
                TOP_SCORE_KEY,
                "id",
                name="article_status_candidates",
            ),
            models.Index(fields=["precompute_status", "id"], name="article_status_id"),
            models.Index(fields=["id"], condition=Q(hidden=True), name="article_hidden"),
            models.Index(fields=["id"], condition=Q(locked=True), name="article_locked"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(overlap__gte=1, overlap__lte=MAX_OVERLAP) | Q(overlap__isnull=True),
                name="overlap_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Sentence(models.Model):
    # No separate index: the unique (article, index) constraint serves lookups by article.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sentences", db_index=False
    )
    index = models.PositiveIntegerField(help_text="0-based order in the article")
    paragraph = models.PositiveIntegerField(help_text="0-based paragraph in the article")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["article", "index"]
        constraints = [
            models.UniqueConstraint(fields=["article", "index"], name="sentence_unique_index"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="sentence_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("text")), name="sentence_text_fits_offsets"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]
