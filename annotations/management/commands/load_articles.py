from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.corpus.services import FAILED, LOADED, ingest_files, read_seed_files, seed_paths


class Command(BaseCommand):
    help = (
        "Load seed-format articles (files, or folders of *.txt files) and queue their precompute."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="seed files or folders holding them")

    def handle(self, *args, paths, verbosity, **options):
        files = seed_paths(paths)
        if not files:
            raise CommandError(f"no seed files (*.txt) found in: {', '.join(paths)}")
        counts = Counter()
        failures = []
        progress = tqdm(
            ingest_files(read_seed_files(files)),
            total=len(files),
            unit="file",
            disable=len(files) < 20 or verbosity == 0,
        )
        for outcome in progress:
            counts[outcome.status] += 1
            if outcome.status == FAILED:
                failures.append(outcome.message)
            elif verbosity > 1 or (outcome.status == LOADED and len(files) < 20 and verbosity):
                self.stdout.write(
                    f"{outcome.status}: {outcome.source_name} (article #{outcome.article_id}, "
                    f"{outcome.sentence_count} sentences)"
                    if outcome.status == LOADED
                    else f"{outcome.status}: {outcome.source_name}"
                )
        for message in failures:
            self.stderr.write(f"failed: {message}")
        self.stdout.write(
            f"{counts['loaded']} loaded, {counts['present']} already present, "
            f"{counts['failed']} failed"
        )
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} files failed to load")
