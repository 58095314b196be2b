"""Training runs: one trains at a time, refused requests are recorded, and without a broker an
automatic run never trains inside anybody's request (it waits for `train_candidates`)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from annotations.candidates.model import ClaimModel
from annotations.corpus.models import Sentence
from annotations.corpus.services import ingest_files
from annotations.detection.models import DetectorModel
from annotations.detection.selectors import active_detector
from annotations.training import services
from annotations.training.models import TrainingRun
from annotations.training.services import request_training, run_training
from tests.conftest import SEED_ARTICLE
from tests.reviewing import label
from tests.training.labelled import write_tsv

pytestmark = pytest.mark.django_db

LATE_LABEL = [("Taxes rose 9 percent in 2020.", 1)]


def models_trained() -> int:
    return DetectorModel.objects.count()


def running(**fields) -> TrainingRun:
    """A run some worker is training now (or was, when its worker died)."""
    return TrainingRun.objects.create(
        trigger=TrainingRun.Trigger.COMMAND,
        status=TrainingRun.Status.RUNNING,
        started_at=fields.pop("started_at", timezone.now()),
        **fields,
    )


def test_the_database_refuses_a_second_running_run():
    running()
    with pytest.raises(IntegrityError), transaction.atomic():
        running()


def test_a_request_made_while_a_run_trains_waits_for_it_then_trains_what_came_meanwhile(
    tmp_path, debate, django_capture_on_commit_callbacks
):
    call_command("import_labels", str(debate))
    first = request_training(TrainingRun.Trigger.COMMAND, queue=False)
    train = ClaimModel.train
    seen_while_training = {}

    def another_request_while_training(*args, **kwargs):
        call_command("import_labels", str(write_tsv(tmp_path / "late.tsv", LATE_LABEL)))
        second = request_training(TrainingRun.Trigger.ADMIN, queue=False)
        seen_while_training["second"] = run_training(second.pk)  # a second worker tries it
        return train(*args, **kwargs)

    with (
        django_capture_on_commit_callbacks(execute=True),  # its end queues the next run
        mock.patch.object(ClaimModel, "train", side_effect=another_request_while_training),
    ):
        first = run_training(first.pk)
    second = seen_while_training["second"]
    assert second.status == "pending"  # refused while the first one trained
    second.refresh_from_db()
    assert (first.status, second.status) == ("done", "done") and models_trained() == 2
    assert second.started_at >= first.finished_at
    assert second.detector_version == active_detector()
    assert active_detector().training["examples"] == first.detector_version.training["examples"] + 1


def test_train_candidates_wait_waits_for_the_run_training_now_then_trains(debate, capsys):
    call_command("import_labels", str(debate))
    busy = running()

    def the_busy_run_ends(seconds):
        TrainingRun.objects.filter(pk=busy.pk).update(status="done", finished_at=timezone.now())

    with mock.patch.object(services, "time") as clock:
        clock.sleep.side_effect = the_busy_run_ends
        call_command("train_candidates", "--wait")
    output = capsys.readouterr().out
    run = TrainingRun.objects.exclude(pk=busy.pk).get()
    assert f"training run #{run.pk} waits for the run training now to end" in output
    assert f"trained {active_detector().name}" in output and clock.sleep.call_count == 1
    assert (
        run.status == "done" and run.started_at >= TrainingRun.objects.get(pk=busy.pk).finished_at
    )


def test_a_run_whose_worker_died_does_not_keep_training_waiting(debate, settings):
    call_command("import_labels", str(debate))
    died = running(started_at=timezone.now() - timedelta(seconds=settings.TRAINING_TIMEOUT + 1))
    call_command("train_candidates", "--wait")
    died.refresh_from_db()
    assert died.status == "failed" and "the worker stopped" in died.error
    assert models_trained() == 1


def test_an_interrupted_training_is_recorded_and_frees_the_way(debate):
    call_command("import_labels", str(debate))
    with (
        mock.patch.object(ClaimModel, "train", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        call_command("train_candidates", "--wait")
    interrupted = TrainingRun.objects.get()
    assert (interrupted.status, interrupted.error) == ("failed", "interrupted")
    call_command("train_candidates", "--wait")
    assert models_trained() == 1


def test_a_refused_request_from_the_command_is_a_failed_run_and_a_non_zero_exit():
    with pytest.raises(CommandError, match=r"training run #\d+ refused: need at least 5 check"):
        call_command("train_candidates")
    refused = TrainingRun.objects.get()
    assert (refused.status, refused.trigger) == ("failed", "command")
    assert refused.error.startswith("need at least 5 check-worthy and 5 other labelled")


def test_a_refused_request_from_the_admin_is_a_failed_run_listed_with_why(superuser, client):
    client.force_login(superuser)
    response = client.post(reverse("admin:annotations_detectorversion_train"), follow=True)
    refused = TrainingRun.objects.get()
    assert f"Training run #{refused.pk} refused: need at least 5 check-worthy" in (
        response.content.decode()
    )
    assert (refused.status, refused.trigger, refused.requested_by) == (
        "failed",
        "admin",
        superuser,
    )
    runs_page = client.get(reverse("admin:annotations_trainingrun_changelist")).content.decode()
    assert f"training run #{refused.pk} (failed)" in runs_page and "need at least 5" in runs_page


def test_without_a_broker_importing_then_training_trains_once(
    debate, settings, capsys, django_capture_on_commit_callbacks
):
    settings.CANDIDATE_RETRAIN_EVERY = 10
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_labels", str(debate))
    automatic = TrainingRun.objects.get()
    assert f"training run #{automatic.pk} waits for `manage.py train_candidates`" in (
        capsys.readouterr().out
    )
    assert (automatic.status, automatic.trigger) == ("pending", "new_labels")
    assert models_trained() == 0  # the import did not train
    with django_capture_on_commit_callbacks(execute=True):
        call_command("train_candidates")
    automatic.refresh_from_db()
    assert (automatic.status, automatic.trigger) == ("done", "command")
    assert TrainingRun.objects.count() == 1 and models_trained() == 1


def test_without_a_broker_an_admins_training_leaves_an_automatic_run_for_the_command(
    superuser, client, tmp_path, debate, settings, django_capture_on_commit_callbacks
):
    call_command("import_labels", str(debate))
    train = ClaimModel.train

    def labels_arrive_while_training(*args, **kwargs):
        settings.CANDIDATE_RETRAIN_EVERY = 1
        call_command("import_labels", str(write_tsv(tmp_path / "late.tsv", LATE_LABEL)))
        return train(*args, **kwargs)

    client.force_login(superuser)
    with (
        mock.patch.object(ClaimModel, "train", side_effect=labels_arrive_while_training),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("admin:annotations_detectorversion_train"))
    asked = TrainingRun.objects.get(trigger="admin")
    automatic = TrainingRun.objects.get(trigger="new_labels")
    # The admin's run trained; the automatic one, due meanwhile, did not train in that request.
    assert (asked.status, automatic.status, models_trained()) == ("done", "pending", 1)
    call_command("train_candidates", "--wait")
    automatic.refresh_from_db()
    assert automatic.status == "done" and models_trained() == 2


def test_without_a_broker_the_article_list_says_a_newer_model_is_due(
    superuser, reviewer, client, settings
):
    settings.CANDIDATE_RETRAIN_EVERY = 3
    [outcome] = ingest_files([("seed.txt", SEED_ARTICLE.read_bytes())])
    for sentence in Sentence.objects.filter(article_id=outcome.article_id)[:3]:
        label(sentence, reviewer, "sourced")  # saving past the threshold only saves
    assert not TrainingRun.objects.exists() and models_trained() == 0
    client.force_login(superuser)
    html = client.get(reverse("annotations:article_list")).content.decode()
    assert "A newer candidate model is due: 3 new labels since the active one." in html
    assert "Run <code>manage.py train_candidates</code>" in html
    client.force_login(reviewer)
    assert "candidate model" not in client.get(reverse("annotations:article_list")).content.decode()


def test_with_a_broker_the_article_list_says_a_run_is_queued_or_running(
    superuser, client, debate, with_a_broker
):
    call_command("import_labels", str(debate))
    client.force_login(superuser)
    waiting = request_training(TrainingRun.Trigger.COMMAND, queue=False)
    html = client.get(reverse("annotations:article_list")).content.decode()
    assert f"Training run #{waiting.pk} is queued: a worker trains a new candidate model" in html
    busy = running()
    html = client.get(reverse("annotations:article_list")).content.decode()
    assert f"Training run #{busy.pk} is training a new candidate model" in html
    busy.finish(TrainingRun.Status.DONE)
    run_training(waiting.pk)
    assert "candidate model" not in client.get(reverse("annotations:article_list")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fails_runs_that_trained_side_by_side_before_the_rule():
    before = [("annotations", "0017_sentence_tally_final_label")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("annotations")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        runs = executor.loader.project_state(before).apps.get_model("annotations", "TrainingRun")
        now = timezone.now()
        older = runs.objects.create(trigger="command", status="running", started_at=now)
        newer = runs.objects.create(
            trigger="new_labels", status="running", started_at=now + timedelta(seconds=10)
        )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        statuses = dict(TrainingRun.objects.values_list("pk", "status"))
        assert statuses == {older.pk: "failed", newer.pk: "running"}
        assert "another run was training" in TrainingRun.objects.get(pk=older.pk).error
    finally:
        MigrationExecutor(connection).migrate(latest)
