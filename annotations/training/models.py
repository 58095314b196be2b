from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import Q

from annotations.detection.models import DetectorVersion
from annotations.jobs import Job
from annotations.labels import Label


class TrainingRun(Job):
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
    # The job's statuses, and "skipped".
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    detector_version = models.ForeignKey(
        DetectorVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_runs",
        help_text="the version it trained, or the up-to-date one when skipped",
    )

    class Meta(Job.Meta):
        constraints = [
            # Requests made while a run waits join it: it uses every label there is when it starts.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="pending"), name="one_pending_training_run"
            ),
            # One training at a time, whatever the number of workers: the database refuses a
            # second running run, so two workers can never train on the same labels at once.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="one_running_training_run"
            ),
        ]

    def __str__(self) -> str:
        return f"training run #{self.pk} ({self.status})"

    @classmethod
    def claim(cls, pk: int) -> bool:
        """Take the pending run for this worker; False when another worker has it, it ended, or
        another run is training (one_running_training_run): then it stays pending, and is
        queued again when that one ends."""
        try:
            return super().claim(pk)
        except IntegrityError:
            return False


class LabelledSentence(models.Model):
    """An imported training example: a sentence from a labelled file (CheckThat! TSV or JSONL),
    not one of the articles' sentences. (The name is the table's; renaming the model would
    rename its table and permissions.)"""

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
