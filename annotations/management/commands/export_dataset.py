import argparse
import datetime
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.audit import EntryPoint, entry_point
from annotations.export.selectors import ExportFilters
from annotations.export.services import FILE_FORMATS, FORMATS, ExportOptions, write_export
from annotations.roles import can_export_real_names

from ._support import describe, user_named


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def ratios(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected three ratios like 0.8,0.1,0.1, got {text!r}"
        ) from None


class Command(BaseCommand):
    help = (
        "Export the labelled dataset (one row per sentence) as JSONL, CSV, Parquet, ClaimReview "
        "JSON-LD, CheckThat! TSV, or a zip bundle of them in train/dev/test splits with a "
        "dataset card. Reviewers are pseudonymised unless an administrator asks (--real-names "
        "--as ADMIN). The file appears at --out only once complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument("--article", type=int, action="append", default=[], metavar="ID")
        parser.add_argument("--since", type=iso_date, help="articles published from this date")
        parser.add_argument("--until", type=iso_date, help="articles published until this date")
        parser.add_argument(
            "--label", action="append", default=[], help="keep sentences with this final label"
        )
        parser.add_argument(
            "--reviewer",
            action="append",
            default=[],
            metavar="USERNAME",
            help="only these reviewers' annotations",
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            help="annotation moderation statuses kept (default: pending and approved)",
        )
        parser.add_argument(
            "--min-agreement",
            type=float,
            help="keep sentences whose share of agreeing label pairs is at least this",
        )
        parser.add_argument(
            "--basis",
            action="append",
            default=[],
            help="keep sentences whose final label is adjudicated, majority, tie or unlabelled",
        )
        parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM")
        parser.add_argument(
            "--splits", type=ratios, default=(0.8, 0.1, 0.1), help="bundle: train,dev,test"
        )
        parser.add_argument(
            "--bundle-format",
            action="append",
            default=[],
            choices=FILE_FORMATS,
            help="bundle: the formats it holds (default: all)",
        )
        parser.add_argument("--salt", default="", help="pseudonyms' salt (default: random)")
        parser.add_argument("--real-names", action="store_true", help="usernames, not pseudonyms")
        parser.add_argument(
            "--as", dest="admin", metavar="ADMIN", help="the administrator asking for real names"
        )

    def handle(self, *args, out: Path, verbosity, **options):
        if options["real_names"]:
            if not options["admin"]:
                raise CommandError("--real-names needs --as ADMIN (an administrator's username)")
            if not can_export_real_names(user_named(options["admin"], "--as")):
                raise CommandError(f"--as: {options['admin']} is not an active administrator")
        reviewers = [user_named(name, "--reviewer").pk for name in options["reviewer"]]
        filters = ExportFilters(
            articles=tuple(options["article"]),
            since=options["since"],
            until=options["until"],
            labels=tuple(options["label"]),
            reviewers=tuple(reviewers),
            min_agreement=options["min_agreement"],
            bases=tuple(options["basis"]),
            **({"statuses": tuple(options["status"])} if options["status"] else {}),
        )
        export = ExportOptions(
            format=options["format"],
            filters=filters,
            salt=options["salt"],
            real_names=options["real_names"],
            bom=options["bom"],
            splits=options["splits"],
            **(
                {"bundle_formats": tuple(options["bundle_format"])}
                if options["bundle_format"]
                else {}
            ),
        )
        if not out.parent.is_dir():
            raise CommandError(f"--out: no folder {out.parent}")
        bar = tqdm(unit="sentence", disable=verbosity == 0)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        # Written in a folder beside the target, then renamed over it: a failed export leaves
        # no half file.
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as folder:
            part = Path(folder, out.name)
            try:
                with open(part, "wb") as file, entry_point(EntryPoint.CLI):
                    result = write_export(file, export, progress)
            except ValidationError as error:
                raise CommandError(describe(error)) from None
            finally:
                bar.close()
            os.replace(part, out)
        counts = ", ".join(f"{label} {n}" for label, n in result.label_counts.items())
        self.stdout.write(
            f"wrote {result.rows} sentences ({counts}) to {out}, sha256 {result.sha256}"
        )
