from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.candidates.labelfile import LabelFileError
from annotations.corpus.services import analyze_tables
from annotations.training.models import LabelledSentence
from annotations.training.services import (
    import_labelled_file,
    schedule_retraining_if_due,
    waits_for_train_candidates,
)


class Command(BaseCommand):
    help = (
        "Import labelled sentences for training the candidate detector: CheckThat! TSV "
        "(line, speaker, text, 0/1) or JSONL ({text, checkworthy or label, speaker, document})."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files, **options):
        failures = imported = 0
        for path in files:
            try:
                with transaction.atomic():
                    result = import_labelled_file(path)
            except (LabelFileError, OSError) as error:
                failures += 1
                self.stderr.write(f"failed: {error}")
                continue
            imported += result.rows
            self.stdout.write(
                f"{path}: {result.rows} sentences ({result.created} new, {result.updated} updated)"
            )
        if imported:
            analyze_tables(LabelledSentence)  # the training and evaluation reads plan from it
        if run := schedule_retraining_if_due():
            if waits_for_train_candidates(run):
                self.stdout.write(
                    f"enough new labels: training run #{run.pk} waits for "
                    "`manage.py train_candidates` (no worker here to run it)"
                )
            else:
                self.stdout.write(
                    f"enough new labels: training run #{run.pk} was queued for a worker"
                )
        if failures:
            raise CommandError(f"{failures} of {len(files)} files failed to import")
