"""The lifecycle background work shares, written once: pending → running → done or failed; a
worker claims work with a conditional update, and a sweep finds work that waited or ran too long.

Job is the abstract row for jobs the UI and API poll (training runs now, export jobs next).
Lifecycle names where a model keeps that state, so rows that are not jobs themselves (an
article's candidate precompute, a webhook delivery) go through the same claim and sweep.
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

ERROR_MAX_LENGTH = 2000
logger = logging.getLogger(__name__)


# When a send last failed in this process (None: the broker took the last one), as the cache
# keeps its own outage (factcheck/cache.py).
_broker_outage = {"failed_at": None}


def queue_on_commit(send: Callable[[], object], what: str) -> None:
    """Send a task once the current transaction commits. A broker that cannot take it (down,
    unreachable, hanging until BROKER_TIMEOUT_SECONDS) is logged as a warning and never fails the
    request or command whose data just committed, nor drops the other on-commit callbacks: the
    work is a row its sweep queues again. After a failure, this process does not try the broker
    again for BROKER_RETRY_SECONDS: a load of hundreds of files, each with its tasks, waits for
    one timeout, not one each.
    """

    def send_or_warn() -> None:
        failed_at = _broker_outage["failed_at"]
        if failed_at is not None and time.monotonic() < failed_at + settings.BROKER_RETRY_SECONDS:
            logger.warning(
                "could not queue %s (the broker failed just before); its sweep will", what
            )
            return
        try:
            send()
        except OperationalError as error:  # what kombu raises for any connection failure
            _broker_outage["failed_at"] = time.monotonic()
            logger.warning("could not queue %s (%s); its sweep will", what, error)
        else:
            _broker_outage["failed_at"] = None

    transaction.on_commit(send_or_warn)


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


@dataclass(frozen=True)
class Lifecycle:
    """The fields that hold a row's job state; the defaults are Job's own."""

    status: str = "status"
    error: str = "error"
    queued_at: str = "created_at"
    started_at: str = "started_at"
    finished_at: str = "finished_at"

    def claim(self, rows: QuerySet, claimable: Iterable[str] = (JobStatus.PENDING,)) -> list[int]:
        """Mark the claimable rows among `rows` running; returns the ids the caller now owns.

        Rows are locked in primary-key order and those another worker holds are skipped; the
        update is conditional on the status, so work delivered twice is done once.
        """
        claimable = list(claimable)
        in_claimable_state = Q(**{f"{self.status}__in": claimable})
        with transaction.atomic():
            ids = list(
                rows.select_for_update(skip_locked=True)
                .filter(in_claimable_state)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            rows.model.objects.filter(in_claimable_state, pk__in=ids).update(
                **{
                    self.status: JobStatus.RUNNING,
                    self.started_at: timezone.now(),
                    self.error: "",
                }
            )
        return ids

    def finish(self, rows: QuerySet, status: str, error: str = "", **fields) -> int:
        """Record how the rows' work ended (with `fields` of the model's own)."""
        return rows.update(
            **{
                self.status: status,
                self.error: error[:ERROR_MAX_LENGTH],
                self.finished_at: timezone.now(),
                **fields,
            }
        )

    def waiting_too_long(self, grace_seconds: int) -> Q:
        """Pending for more than grace_seconds (or never queued): its task was lost on the way."""
        queued_at = self.queued_at
        since = timezone.now() - timedelta(seconds=grace_seconds)
        return Q(**{self.status: JobStatus.PENDING}) & (
            Q(**{f"{queued_at}__isnull": True}) | Q(**{f"{queued_at}__lt": since})
        )

    def running_too_long(self, timeout_seconds: int) -> Q:
        """Running for more than timeout_seconds: its worker stopped."""
        since = timezone.now() - timedelta(seconds=timeout_seconds)
        return Q(**{self.status: JobStatus.RUNNING, f"{self.started_at}__lt": since})


class Job(models.Model):
    """A background job as a row: who asked, its status, its error, when it ran."""

    lifecycle = Lifecycle()

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @classmethod
    def claim(cls, pk: int) -> bool:
        """Take the pending job for this worker; False when another worker has it or it ended."""
        return bool(cls.lifecycle.claim(cls.objects.filter(pk=pk)))

    def finish(self, status: str, error: str = "", **fields) -> None:
        type(self).lifecycle.finish(type(self).objects.filter(pk=self.pk), status, error, **fields)
        self.refresh_from_db()

    @classmethod
    def sweep(
        cls, queue: Callable[[int], None], *, grace_seconds: int, timeout_seconds: int
    ) -> tuple[int, int]:
        """Queue again the jobs pending for more than grace_seconds (the broker was down) and
        fail those running longer than timeout_seconds (the worker stopped); returns
        (queued, failed)."""
        waiting = cls.lifecycle.waiting_too_long(grace_seconds)
        queued = list(cls.objects.filter(waiting).values_list("pk", flat=True))
        for pk in queued:
            queue(pk)
        return len(queued), cls.fail_stopped(timeout_seconds)

    @classmethod
    def fail_stopped(cls, timeout_seconds: int) -> int:
        """Fail the jobs running longer than timeout_seconds: their worker stopped."""
        return cls.lifecycle.finish(
            cls.objects.filter(cls.lifecycle.running_too_long(timeout_seconds)),
            JobStatus.FAILED,
            f"no result after {timeout_seconds} s: the worker stopped. Try again.",
        )
