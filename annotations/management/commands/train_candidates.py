from django.core.management.base import BaseCommand, CommandError

from annotations.training.models import TrainingRun
from annotations.training.services import TrainingError, request_training, run_training


class Command(BaseCommand):
    help = (
        "Train a new candidate detector version from every label (imported and reviewers'), "
        "then re-score all articles with it. Runs as a Celery task; --wait runs it here."
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
        try:
            run = request_training(TrainingRun.Trigger.COMMAND, force=force, queue=not wait)
        except TrainingError as error:
            raise CommandError(str(error)) from None
        if run.status == TrainingRun.Status.SKIPPED:
            current = run.detector_version
            self.stdout.write(
                f"{current.name} was trained on every label there is "
                f"({current.training['examples']} sentences); nothing new to train on. "
                "--force trains again."
            )
            return
        if not wait:
            self.stdout.write(
                f"training run #{run.pk} queued; follow it in the admin (Training runs)"
            )
            return
        run = run_training(run.pk)
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
