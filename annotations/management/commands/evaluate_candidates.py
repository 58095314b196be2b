from django.core.management.base import BaseCommand, CommandError

from annotations.candidates.labelfile import LabelFileError, read_label_file
from annotations.training.selectors import evaluate_rows


class Command(BaseCommand):
    help = (
        "Score labelled sentences with the current detector (nothing is stored) and print the "
        "ranking quality as CheckThat! reports it, MAP and P@k averaged over documents, and how "
        "well the scores work as probabilities: the Brier score and the expected calibration "
        "error (ECE, 10 equal-width score bins)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="CheckThat! TSV or JSONL files")

    def handle(self, *args, files, **options):
        rows = []
        for path in files:
            try:
                rows.extend(read_label_file(path))
            except (LabelFileError, OSError) as error:
                raise CommandError(str(error)) from None
        report = evaluate_rows(rows)
        ranking = report["ranking"]
        self.stdout.write(f"detector: {report['detector']}")
        self.stdout.write(f"documents: {ranking['n_docs']}, sentences: {len(rows)}")
        self.stdout.write(f"MAP   {ranking['map']:.4f}")
        for k in (1, 5, 10, 20, 50):
            self.stdout.write(f"P@{k:<3} {ranking[f'p@{k}']:.4f}")
        self.stdout.write(f"Brier {ranking['brier']:.4f}")
        self.stdout.write(f"ECE   {ranking['ece']:.4f} (10 bins)")
        if report["labels"]:
            self.stdout.write("suggested labels:   precision  recall  support")
            for label, figures in report["labels"]["labels"].items():
                self.stdout.write(
                    f"  {label:<16} {_fmt(figures['precision']):>9} {_fmt(figures['recall']):>7} "
                    f"{figures['support']:>8}"
                )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
