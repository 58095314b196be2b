from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.candidates.labelfile import LabelFileError
from annotations.training.services import import_labelled_file, schedule_retraining_if_due


class Command(BaseCommand):
    help = (
        "Import labelled sentences for training the candidate detector: CheckThat! TSV "
        "(line, speaker, text, 0/1) or JSONL ({text, checkworthy or label, speaker, document})."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files, **options):
        failures = 0
        for path in files:
            try:
                with transaction.atomic():
                    result = import_labelled_file(path)
            except (LabelFileError, OSError) as error:
                failures += 1
                self.stderr.write(f"failed: {error}")
                continue
            self.stdout.write(
                f"{path}: {result.rows} sentences ({result.created} new, {result.updated} updated)"
            )
        if schedule_retraining_if_due():
            self.stdout.write("enough new labels: retraining the detector was queued")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files failed to import")
