from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q

from annotations.audit import EntryPoint
from annotations.corpus.models import Article, Sentence
from annotations.labels import UNLABELLED, Label


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Annotation(models.Model):
    """One reviewer's label for one sentence."""

    # What a reviewer fills in, and what History, webhook payloads and the API show of it: the
    # one list of an annotation's fields, which everything else derives from.
    INPUT_FIELDS = (
        "label",
        "span_start",
        "span_end",
        "claimant",
        "source_name",
        "evidence_url",
        "note",
    )
    RECORDED_FIELDS = (*INPUT_FIELDS, "moderation_status", "moderation_reason", "version")

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="annotations")
    # Indexed with the id (Meta): a reviewer's annotations in id order.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="annotations",
        db_index=False,
    )
    label = models.CharField(max_length=16, choices=Label.choices)
    # Optional claim span, as offsets inside the sentence text.
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    claimant = models.CharField(max_length=255, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    evidence_url = models.URLField(max_length=2000, blank=True)
    note = models.TextField(max_length=5000, blank=True)
    moderation_status = models.CharField(
        max_length=16, choices=ModerationStatus.choices, default=ModerationStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderated_annotations",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic concurrency")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sentence_id", "reviewer_id"]  # the columns, not joins through relations
        constraints = [
            models.UniqueConstraint(
                fields=["sentence", "reviewer"], name="annotation_one_per_reviewer"
            ),
            # Both offsets or neither, and in order (a check passes on NULL, so say "not null").
            models.CheckConstraint(
                condition=(Q(span_start__isnull=True) & Q(span_end__isnull=True))
                | (
                    Q(span_start__isnull=False)
                    & Q(span_end__isnull=False)
                    & Q(span_end__gt=F("span_start"))
                ),
                name="annotation_span_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["reviewer", "id"], name="annotation_by_reviewer"),
        ]
        permissions = [("moderate_annotation", "Can approve, reject and reopen annotations")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.label}: {self.sentence}"

    @classmethod
    def max_lengths(cls) -> dict[str, int]:
        """The free-text input fields' length limits, as the model defines them."""
        fields = (cls._meta.get_field(name) for name in cls.INPUT_FIELDS)
        return {f.name: f.max_length for f in fields if f.max_length and not f.choices}


class Adjudication(models.Model):
    """A moderator's final label for a sentence; it overrides the reviewers' majority."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="adjudication")
    label = models.CharField(max_length=16, choices=Label.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    reason = models.TextField(blank=True, max_length=5000)
    version = models.PositiveIntegerField(default=1, help_text="optimistic concurrency")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    RECORDED_FIELDS = ("label", "reason", "version")

    def __str__(self) -> str:
        return f"{self.label}: {self.sentence}"


class History(models.Model):
    """The audit trail: every change to an annotation or adjudication and every moderation
    decision, with who made it, when, what it replaced and through which entry point. Rows are
    only ever added (services write them; the admin and the API only read them)."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        APPROVED = "approved"
        REJECTED = "rejected"
        REOPENED = "reopened"
        ADJUDICATED = "adjudicated"
        LOCKED = "locked"
        UNLOCKED = "unlocked"
        HIDDEN = "hidden"
        SHOWN = "shown"
        DEACTIVATED = "deactivated"

    class Subject(models.TextChoices):
        ANNOTATION = "annotation"
        ADJUDICATION = "adjudication"
        ARTICLE = "article"
        USER = "user"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="history", null=True, blank=True
    )
    sentence = models.ForeignKey(
        Sentence, on_delete=models.CASCADE, related_name="history", null=True, blank=True
    )
    # What changed, by id: kept after an annotation is deleted, hence no foreign key.
    subject = models.CharField(max_length=16, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="history"
    )
    # Whose work it concerns: the annotation's reviewer, or the user deactivated.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="history_about",
        null=True,
        blank=True,
    )
    via = models.CharField(
        max_length=8,
        choices=EntryPoint.choices,
        blank=True,
        help_text="entry point; blank on rows recorded before it was",
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "history"
        indexes = [models.Index(fields=["subject", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.subject} #{self.subject_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("the audit trail cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("the audit trail cannot be deleted")


class SentenceTally(models.Model):
    """What the moderation queue sorts and filters a labelled or adjudicated sentence by, and
    the final label exports read, kept in the transaction of every change to its labels, their
    decisions, its adjudication or its candidate (review.services.retally): the queue and the
    exports then read one row per sentence instead of aggregating every label and candidate."""

    sentence = models.OneToOneField(
        Sentence, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    votes = models.PositiveIntegerField(default=0, help_text="counted (not rejected) labels")
    labels = models.PositiveIntegerField(default=0, help_text="all labels, rejected ones too")
    distinct_labels = models.PositiveIntegerField(default=0, help_text="among counted labels")
    contradicting = models.PositiveIntegerField(
        default=0, help_text="counted labels other than the candidate's suggestion"
    )
    pending = models.PositiveIntegerField(default=0, help_text="labels waiting for a decision")
    score = models.FloatField(default=0, help_text="the candidate's; 0 without one")
    adjudicated = models.BooleanField(default=False)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="the latest approval, rejection or adjudication"
    )
    # The sentence's final label and its evidence (labels.decide()): what exports read.
    final_label = models.CharField(max_length=16, choices=Label.choices, blank=True)
    final_basis = models.CharField(max_length=16, default=UNLABELLED)
    final_at = models.DateTimeField(
        null=True, blank=True, help_text="the adjudication, else the latest vote for the label"
    )
    label_counts = models.JSONField(default=dict, help_text="counted labels, zeros included")
    agreement = models.FloatField(null=True, blank=True, help_text="share of agreeing pairs")
    claimants = models.JSONField(default=list)
    sources = models.JSONField(default=list)
    evidence_urls = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(
                fields=["-score", "sentence"],
                condition=Q(pending__gt=0),
                name="tally_pending_by_score",
            ),
            models.Index(
                fields=["-decided_at", "-sentence"],
                condition=Q(decided_at__isnull=False),
                name="tally_latest_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"tally of {self.sentence_id}"


class SentencesByVotes(models.Model):
    """How many of an article's labelled sentences (those with any label, rejected ones too)
    have `votes` counted labels: the article list's figures for any overlap k (labelled
    sentences, sentences with k votes, labels still missing) without reading the sentences,
    and without a write when k changes. Kept with the tallies (review.services.retally)."""

    # No index of its own: the unique (article, votes) serves lookups by article.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", db_index=False)
    votes = models.PositiveIntegerField()
    sentences = models.IntegerField()

    class Meta:
        verbose_name_plural = "sentences by votes"
        constraints = [
            models.UniqueConstraint(fields=["article", "votes"], name="sentences_by_votes_key")
        ]

    def __str__(self) -> str:
        return f"{self.sentences} sentences of {self.article_id} with {self.votes} votes"


class ReviewerProgress(models.Model):
    """How many labels a reviewer has given in an article, rejected ones too (a row only while
    there is one): the article list's "labelled by me" and progress filters, which then read
    the reviewer's own rows instead of every label. Kept by annotation_save and
    annotation_clear."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    # No index of its own: the unique (reviewer, article) serves lookups by reviewer.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    labelled = models.IntegerField()

    class Meta:
        verbose_name_plural = "reviewer progress"
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "article"], name="reviewer_progress_key")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} labelled {self.labelled} in {self.article_id}"


class ReviewerSettings(models.Model):
    """A reviewer's choices for the review page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="review_settings",
    )
    shortcuts = models.BooleanField(
        default=True, help_text="single-key shortcuts on the review page (WCAG 2.1.4: can be off)"
    )

    class Meta:
        verbose_name_plural = "reviewer settings"

    def __str__(self) -> str:
        return f"settings of {self.user}"
