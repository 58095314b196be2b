from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.jobs import Lifecycle


class WebhookEvent(models.TextChoices):
    ARTICLE_LOADED = "article.loaded"
    ARTICLE_PRECOMPUTED = "article.precomputed"
    ANNOTATION_CREATED = "annotation.created"
    ANNOTATION_UPDATED = "annotation.updated"
    ANNOTATION_DELETED = "annotation.deleted"
    ANNOTATION_APPROVED = "annotation.approved"
    ANNOTATION_REJECTED = "annotation.rejected"
    SENTENCE_ADJUDICATED = "sentence.adjudicated"


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
    # A pending delivery whose next attempt is overdue was lost on the way (broker down when it
    # was queued, retry dropped): the sweep queues it again.
    lifecycle = Lifecycle(error="last_error", queued_at="attempt_due_by")

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
    # When the next attempt should have started at the latest.
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
