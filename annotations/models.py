from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length


class Label(models.TextChoices):
    SOURCED = "sourced", "Sourced"
    DISPUTED = "disputed", "Disputed"
    FALSE_FLAG = "false_flag", '"False flag" allegation'
    NOT_CLAIM = "not_claim", "Not a claim"


class PrecomputeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Article(models.Model):
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, unique=True)
    published_on = models.DateField()
    # The exact text sentence offsets point into; never changed after loading.
    body = models.TextField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the body")
    source_name = models.CharField(max_length=255, blank=True, help_text="file it was loaded from")
    precompute_status = models.CharField(
        max_length=16, choices=PrecomputeStatus.choices, default=PrecomputeStatus.PENDING
    )
    precompute_error = models.TextField(blank=True)
    precompute_queued_at = models.DateTimeField(null=True, blank=True)
    precompute_started_at = models.DateTimeField(null=True, blank=True)
    precompute_finished_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False, help_text="moderators stop edits")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["precompute_status"])]

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


class DetectorVersion(models.Model):
    """One version of the candidate detector: the rules alone, or the rules plus a trained model."""

    name = models.CharField(max_length=64, unique=True)
    rules_version = models.CharField(max_length=32)
    # The trained model, serialised by annotations.candidates.model.ClaimModel; empty: rules only.
    model_data = models.BinaryField(null=True, blank=True, editable=False)
    training = models.JSONField(default=dict, blank=True, help_text="what it was trained on")
    labels_as_of = models.DateTimeField(
        null=True, blank=True, help_text="its model saw the labels given or imported until then"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class TrainingRun(models.Model):
    """One request to train the candidate detector, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        SKIPPED = "skipped", "skipped: nothing new to train on"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        ADMIN = "admin"
        API = "api"
        COMMAND = "command", "train_candidates"
        NEW_LABELS = "new_labels", "new labels"

    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    force = models.BooleanField(default=False, help_text="train even with no new label")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    detector_version = models.ForeignKey(
        DetectorVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_runs",
        help_text="the version it trained, or the up-to-date one when skipped",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Requests made while a run waits join it: it uses every label there is when it starts.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="pending"), name="one_pending_training_run"
            )
        ]

    def __str__(self) -> str:
        return f"training run #{self.pk} ({self.status})"


class Candidate(models.Model):
    # No single-column indexes: the unique (sentence, detector_version) constraint and the
    # (detector_version, -score) index serve those lookups, and every index slows bulk writes.
    sentence = models.ForeignKey(
        Sentence, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    detector_version = models.ForeignKey(
        DetectorVersion, on_delete=models.PROTECT, related_name="candidates", db_index=False
    )
    score = models.FloatField(help_text="check-worthiness, 0 to 1")
    # NULL: the detector suggests no label (no claim); the API shows it as null.
    suggested_label = models.CharField(  # noqa: DJ001
        max_length=16,
        choices=[c for c in Label.choices if c[0] != Label.NOT_CLAIM],
        null=True,
        blank=True,
    )
    reasons = models.JSONField(default=dict)

    class Meta:
        ordering = ["sentence_id"]  # the column: ordering through the relation joins tables
        constraints = [
            models.UniqueConstraint(
                fields=["sentence", "detector_version"], name="candidate_unique_per_version"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="candidate_score_in_0_1"
            ),
        ]
        indexes = [models.Index(fields=["detector_version", "-score"])]

    def __str__(self) -> str:
        return f"{self.score:.2f} {self.suggested_label or '-'}: {self.sentence}"


class LabelledSentence(models.Model):
    """Labelled training data imported from a file (CheckThat! TSV or JSONL)."""

    document = models.CharField(max_length=255, help_text="transcript or article it comes from")
    line = models.PositiveIntegerField()
    speaker = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    checkworthy = models.BooleanField()
    label = models.CharField(max_length=16, choices=Label.choices, blank=True)
    source_file = models.CharField(max_length=255)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "line"]
        constraints = [
            models.UniqueConstraint(fields=["document", "line"], name="labelled_sentence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Annotation(models.Model):
    """One reviewer's label for one sentence."""

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="annotations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
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
            models.CheckConstraint(
                condition=(Q(span_start__isnull=True) & Q(span_end__isnull=True))
                | Q(span_end__gt=F("span_start")),
                name="annotation_span_ordered",
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.label}: {self.sentence}"


class Adjudication(models.Model):
    """A moderator's final label for a sentence; it overrides the reviewers' majority."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="adjudication")
    label = models.CharField(max_length=16, choices=Label.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.label}: {self.sentence}"


class History(models.Model):
    """Every change to an annotation or adjudication and every moderation decision."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        APPROVED = "approved"
        REJECTED = "rejected"
        ADJUDICATED = "adjudicated"

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="history")
    # What changed: an annotation (kept after it is deleted, hence no foreign key) or adjudication.
    subject = models.CharField(
        max_length=16, choices=[("annotation", "annotation"), ("adjudication", "adjudication")]
    )
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="history"
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


class WebhookEvent(models.TextChoices):
    ARTICLE_LOADED = "article.loaded"
    ARTICLE_PRECOMPUTED = "article.precomputed"
    ANNOTATION_CREATED = "annotation.created"
    ANNOTATION_UPDATED = "annotation.updated"
    ANNOTATION_DELETED = "annotation.deleted"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=200, help_text="signs every delivery (HMAC-SHA256)")
    events = models.JSONField(default=list, help_text="event types this endpoint receives")
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=64, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # When the next attempt should have started at the latest; a pending delivery past it was
    # lost on the way (broker down when queued, retry dropped) and the sweep queues it again.
    attempt_due_by = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["attempt_due_by"],
                condition=Q(status="pending"),
                name="delivery_pending_due_by",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
