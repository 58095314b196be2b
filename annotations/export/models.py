from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from annotations.jobs import Job
from annotations.roles import can_export_real_names, is_moderator


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportJobQuerySet":
        """A job and its file show to its requester and to moderators; one naming reviewers by
        username (not pseudonym) only to its requester and administrators."""
        if not user.is_authenticated:
            return self.none()
        if can_export_real_names(user):
            return self
        if is_moderator(user):
            return self.filter(Q(requester=user) | Q(options__real_names=False))
        return self.filter(requester=user)


class ExportJob(Job):
    """One request for a dataset export: its options, its progress, then its file until the
    retention sweep deletes it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        EXPIRED = "expired", "expired: file deleted"

    objects = ExportJobQuerySet.as_manager()

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16)
    options = models.JSONField(
        encoder=DjangoJSONEncoder, help_text="filters, salt, splits and the other export options"
    )
    # The job's statuses, and "expired".
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(
        default=0, help_text="sentences to read; filters on labels may leave fewer"
    )
    progressed_at = models.DateTimeField(
        null=True, blank=True, help_text="the running attempt's latest batch"
    )
    restarts = models.PositiveSmallIntegerField(
        default=0, help_text="times the sweep restarted it after its worker stopped"
    )
    file = models.FileField(upload_to="exports/", max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True, help_text="the name to download as")
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="bytes")
    sha256 = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="sentences exported"
    )
    label_counts = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="when the retention sweep deletes the file"
    )

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.format}, {self.status})"
