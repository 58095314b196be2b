from django.core.management.base import BaseCommand, CommandError

from annotations.training.models import TrainingRun
from annotations.training.services import (
    ACTIVE,
    request_training,
    run_training,
    wait_for_training,
)


class Command(BaseCommand):
    help = (
        "Train a new candidate detector version from every label (imported and reviewers'), "
        "then re-score all articles with it. Runs as a Celery task, or here without a broker "
        "(an automatic run left waiting is joined and runs with it); --wait runs it here. One "
        "training runs at a time: a request made while one trains starts when it ends."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", action="store_true", help="run in this process and report the new version"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="train even if the active model was trained on every label there is",
        )

    def handle(self, *args, wait, force, **options):
        run = request_training(TrainingRun.Trigger.COMMAND, force=force, queue=not wait)
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"training run #{run.pk} refused: {run.error}")
        if run.status == TrainingRun.Status.SKIPPED:
            current = run.detector_version
            self.stdout.write(
                f"{current.name} was trained on every label there is "
                f"({current.training['examples']} sentences); nothing new to train on. "
                "--force trains again."
            )
            return
        if not wait:
            run.refresh_from_db()  # without a broker it has already run, here
            self.stdout.write(
                f"training run #{run.pk}: {run.get_status_display()}; "
                "see it in the admin (Training runs)"
            )
            return
        if (run := run_training(run.pk)).status in ACTIVE:
            self.stdout.write(
                f"training run #{run.pk} waits for the run training now to end, then runs"
            )
            run = wait_for_training(run.pk)
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"training run #{run.pk} failed: {run.error}")
        if run.status != TrainingRun.Status.DONE:
            self.stdout.write(f"training run #{run.pk}: {run.get_status_display()}")
            return
        training = run.detector_version.training
        self.stdout.write(
            f"trained {run.detector_version.name} on {training['examples']} sentences "
            f"({training['checkworthy']} check-worthy) in {training['seconds']} s; "
            "all articles queued for re-scoring"
        )
