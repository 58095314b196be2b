from django.core.management.base import BaseCommand, CommandError

from annotations.models import DetectorVersion
from annotations.tasks import train_detector
from annotations.training import TrainingError, check_training_data


class Command(BaseCommand):
    help = (
        "Train a new candidate detector version from every label (imported and reviewers'), "
        "then re-score all articles with it. Runs as a Celery task; --wait waits for it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", action="store_true", help="run in this process and report the new version"
        )

    def handle(self, *args, wait, **options):
        try:
            check_training_data()
        except TrainingError as error:
            raise CommandError(str(error)) from None
        if not wait:
            train_detector.delay()
            self.stdout.write("training queued; the new version shows in the admin when done")
            return
        detector = DetectorVersion.objects.get(pk=train_detector.apply(throw=True).get())
        training = detector.training
        self.stdout.write(
            f"trained {detector.name} on {training['examples']} sentences "
            f"({training['checkworthy']} check-worthy) in {training['seconds']} s; "
            "all articles queued for re-scoring"
        )
