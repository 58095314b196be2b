from django.core.management.base import BaseCommand, CommandError

from annotations.models import DetectorVersion
from annotations.tasks import train_detector
from annotations.training import TrainingError, check_training_data, up_to_date_detector


class Command(BaseCommand):
    help = (
        "Train a new candidate detector version from every label (imported and reviewers'), "
        "then re-score all articles with it. Runs as a Celery task; --wait waits for it."
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
            check_training_data()
        except TrainingError as error:
            raise CommandError(str(error)) from None
        if not force and (current := up_to_date_detector()):
            self.stdout.write(
                f"{current.name} was trained on every label there is "
                f"({current.training['examples']} sentences); nothing new to train on. "
                "--force trains again."
            )
            return
        if not wait:
            train_detector.delay(only_if_new_labels=not force)
            self.stdout.write("training queued; the new version shows in the admin when done")
            return
        detector = DetectorVersion.objects.get(pk=train_detector.apply(throw=True).get())
        training = detector.training
        self.stdout.write(
            f"trained {detector.name} on {training['examples']} sentences "
            f"({training['checkworthy']} check-worthy) in {training['seconds']} s; "
            "all articles queued for re-scoring"
        )
