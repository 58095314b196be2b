"""Export jobs: started by a moderator, run by a worker into storage with their progress
recorded, restarted cleanly when their worker stops, and their files deleted once expired."""

import datetime
import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from annotations.export import services
from annotations.export.models import ExportJob
from annotations.export.selectors import ExportFilters
from annotations.export.services import ExportOptions, run_export, start_export
from annotations.export.tasks import run_export_task, sweep_exports_task
from tests.reviewing import label, load_article, long_body, sentence
from tests.services import celery_worker, require_postgres, require_redis, wait_for

from .conftest import Dataset

pytestmark = pytest.mark.django_db

SENTENCES = 6  # in the dataset fixture


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_bytes(job: ExportJob) -> bytes:
    with default_storage.open(job.file.name) as file:
        return file.read()


def stored_files(storage) -> list[str]:
    return sorted(str(path.relative_to(storage)) for path in storage.rglob("*") if path.is_file())


def started(user, run: bool = True, **options) -> ExportJob:
    """A job started as the UI and API start one; run by the in-process worker when `run`."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=run):
        job = start_export(user, ExportOptions(**{"format": "jsonl", **options}))
    job.refresh_from_db()
    return job


def age(job: ExportJob, seconds: int, **fields) -> None:
    """Make the job look as it would `seconds` later, as the sweep sees it."""
    past = timezone.now() - datetime.timedelta(seconds=seconds)
    ExportJob.objects.filter(pk=job.pk).update(created_at=past, **fields)


def test_a_moderators_export_is_stored_whole_with_its_checksum_and_counts(
    dataset: Dataset, moderator, storage
):
    job = started(moderator)

    assert job.status == "done" and job.error == ""
    assert job.file.name.startswith(f"exports/{job.pk}/") and job.filename.endswith(".jsonl")
    data = stored_bytes(job)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert len(lines) == job.row_count == SENTENCES
    assert hashlib.sha256(data).hexdigest() == job.sha256 and job.size == len(data)
    assert job.rows_done == job.rows_total == SENTENCES
    assert job.label_counts["sourced"] == 1 and job.label_counts["unlabelled"] == 1
    kept = job.expires_at - job.finished_at
    assert abs(kept - datetime.timedelta(days=7)) < datetime.timedelta(seconds=1)
    # Reviewers are pseudonyms, the same throughout the export.
    reviewers = {a["reviewer"] for line in lines for a in line["annotations"]}
    assert len(reviewers) == 2 and not reviewers & {"reviewer", "other"}


def test_the_options_are_kept_and_a_restarted_job_names_reviewers_as_its_first_attempt(
    dataset: Dataset, moderator
):
    job = started(moderator, run=False, filters=ExportFilters(labels=("sourced",)))
    assert job.options["filters"]["labels"] == ["sourced"]
    assert len(job.options["salt"]) == 32  # drawn when the job was started

    first = stored_bytes(run_export(job.pk))
    ExportJob.objects.filter(pk=job.pk).update(status="pending")
    assert stored_bytes(run_export(job.pk)) == first
    assert [json.loads(line)["final_label"] for line in first.decode().splitlines()] == ["sourced"]


def test_only_moderators_export_and_only_administrators_get_usernames(
    dataset: Dataset, reviewer, moderator, superuser
):
    with pytest.raises(PermissionDenied):
        started(reviewer)
    with pytest.raises(ValidationError) as refused:
        started(moderator, real_names=True)
    assert "real_names" in refused.value.message_dict
    assert not ExportJob.objects.exists()

    job = started(superuser, real_names=True)
    reviewers = {
        a["reviewer"]
        for line in stored_bytes(job).decode().splitlines()
        for a in json.loads(line)["annotations"]
    }
    assert reviewers == {"reviewer", "other"}


def test_bad_options_are_refused_by_name_before_any_job(moderator):
    with pytest.raises(ValidationError) as refused:
        started(moderator, format="xlsx", splits=(0.5, 0.5, 0.5))
    assert {"format", "splits"} <= set(refused.value.message_dict)
    assert not ExportJob.objects.exists()


def test_progress_is_recorded_after_every_batch(dataset: Dataset, moderator, settings, monkeypatch):
    settings.EXPORT_BATCH_SIZE = 2
    seen = []
    real_write_export = services.write_export

    def write_export(out, options, progress):
        def watched(done, total):
            progress(done, total)
            seen.append(ExportJob.objects.values_list("status", "rows_done", "rows_total").get())

        return real_write_export(out, options, watched)

    monkeypatch.setattr(services, "write_export", write_export)
    started(moderator)
    assert seen[:3] == [("running", 2, 6), ("running", 4, 6), ("running", 6, 6)]


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_while_postgres_holds_the_snapshot(
    reviewer, moderator, monkeypatch, settings
):
    """What the page polling a job sees: the export reads in one long transaction, and its
    progress must not wait for that to end."""
    require_postgres()
    article = load_article(body=long_body(SENTENCES))
    label(sentence(article, 0), reviewer, "sourced")
    settings.EXPORT_BATCH_SIZE = 2
    seen = []
    real_write_export = services.write_export

    def from_elsewhere():
        try:
            return ExportJob.objects.values_list("rows_done", flat=True).get()
        finally:
            connections.close_all()

    def write_export(out, options, progress):
        def watched(done, total):
            progress(done, total)
            with ThreadPoolExecutor(max_workers=1) as elsewhere:
                seen.append(elsewhere.submit(from_elsewhere).result())

        return real_write_export(out, options, watched)

    monkeypatch.setattr(services, "write_export", write_export)
    job = started(moderator)
    assert job.status == "done"
    assert seen[:3] == [2, 4, 6]


def test_a_failed_export_records_why_and_stores_nothing(
    dataset: Dataset, moderator, monkeypatch, storage
):
    def write_export(out, options, progress):
        out.write(b"half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(services, "write_export", write_export)
    job = started(moderator)
    assert job.status == "failed" and job.error == "OSError: No space left on device"
    assert not job.file and stored_files(storage) == []


def test_the_sweep_restarts_a_job_whose_worker_stopped_and_the_rerun_is_whole(
    dataset: Dataset, moderator, settings, django_capture_on_commit_callbacks
):
    job = started(moderator, run=False)
    ExportJob.claim(job.pk)  # a worker took it, wrote 4 rows, then stopped
    age(job, settings.EXPORT_TIMEOUT + 1, rows_done=4, rows_total=6)
    ExportJob.objects.filter(pk=job.pk).update(progressed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_exports_task.apply().get() == (0, 0, 0, 0)  # it is still progressing

    ExportJob.objects.filter(pk=job.pk).update(
        progressed_at=timezone.now() - datetime.timedelta(seconds=settings.EXPORT_TIMEOUT + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_exports_task.apply().get() == (1, 1, 0, 0)
    job.refresh_from_db()
    assert (job.status, job.restarts, job.rows_done, job.row_count) == ("done", 1, 6, 6)
    assert len(stored_bytes(job).decode().splitlines()) == SENTENCES


def test_an_attempt_the_sweep_restarted_gives_way_to_the_new_one(
    dataset: Dataset, moderator, settings, monkeypatch, storage, django_capture_on_commit_callbacks
):
    """The first worker was only slow: it stops at its next batch, and only the second
    attempt's file is kept."""
    settings.EXPORT_BATCH_SIZE = 2
    real_write_export = services.write_export
    attempts = []

    def write_export(out, options, progress):
        attempts.append(len(attempts) + 1)

        def slow_first(done, total):
            progress(done, total)
            if attempts == [1]:
                ExportJob.objects.update(progressed_at=timezone.now() - datetime.timedelta(days=1))
                services.sweep_exports()

        return real_write_export(out, options, slow_first)

    monkeypatch.setattr(services, "write_export", write_export)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_export(moderator, ExportOptions(format="csv"))
    job.refresh_from_db()
    assert attempts == [1, 2]
    assert (job.status, job.restarts, job.row_count) == ("done", 1, 6)
    assert stored_files(storage) == [job.file.name]


def test_a_job_whose_worker_keeps_stopping_fails_in_the_end(dataset: Dataset, moderator, settings):
    job = started(moderator, run=False)
    ExportJob.claim(job.pk)
    ago = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_TIMEOUT + 1)
    ExportJob.objects.filter(pk=job.pk).update(started_at=ago, restarts=services.MAX_RESTARTS)

    assert services.sweep_exports() == (0, 0, 1, 0)
    job.refresh_from_db()
    assert job.status == "failed" and "its worker stopped 4 times" in job.error


def test_the_sweep_queues_a_job_a_down_broker_left_pending(
    dataset: Dataset, moderator, settings, django_capture_on_commit_callbacks
):
    job = started(moderator, run=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_exports() == (0, 0, 0, 0)  # just started: its task may be on its way
    age(job, settings.PRECOMPUTE_PENDING_GRACE + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_exports() == (1, 0, 0, 0)
    job.refresh_from_db()
    assert job.status == "done"


def test_a_broker_that_refuses_the_task_leaves_the_job_pending_and_says_so(
    dataset: Dataset, moderator, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_export_task, "delay", refuse)
    with caplog.at_level(logging.WARNING, "annotations.jobs"):
        job = started(moderator)
    assert job.status == "pending"  # for the sweep, as above
    assert f"could not queue export job {job.pk} (Error 111" in caplog.text


def test_expired_files_are_deleted_and_their_jobs_kept(dataset: Dataset, moderator, storage):
    old, recent = started(moderator), started(moderator, format="csv")
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now())

    assert sweep_exports_task.apply().get() == (0, 0, 0, 1)
    old.refresh_from_db()
    assert old.status == "expired" and not old.file and old.sha256
    assert stored_files(storage) == [recent.file.name]
    assert services.sweep_exports() == (0, 0, 0, 0)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_restarts_an_export_whose_worker_stopped_and_stores_it(
    reviewer, moderator, settings, monkeypatch, storage
):
    """A worker process, Redis and PostgreSQL, no eager mode: a job claimed by a worker that
    then stopped is restarted by the beat's sweep task and written to the storage again."""
    require_postgres()
    broker = require_redis()
    monkeypatch.setenv("MEDIA_ROOT", str(storage))  # the worker's settings
    article = load_article(body=long_body(SENTENCES))
    label(sentence(article, 0), reviewer, "sourced")
    with monkeypatch.context() as broker_down:
        broker_down.setattr(services, "_queue_export", lambda job_id: None)
        job = start_export(moderator, ExportOptions(format="csv"))
    ExportJob.claim(job.pk)
    ago = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_TIMEOUT + 1)
    ExportJob.objects.filter(pk=job.pk).update(started_at=ago, rows_done=2)

    with celery_worker(broker):
        sweep_exports_task.delay()
        wait_for(
            lambda: ExportJob.objects.get(pk=job.pk).status in ("done", "failed"),
            message="the worker to restart and finish the export",
        )
    job.refresh_from_db()
    assert (job.status, job.error, job.restarts) == ("done", "", 1)
    data = (storage / job.file.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert len(data.decode().splitlines()) == 1 + SENTENCES  # the header, then every sentence
