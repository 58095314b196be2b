import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.audit import EntryPoint, entry_point
from annotations.corpus.models import Article, Sentence
from annotations.review.models import Annotation
from annotations.review.services import annotation_save
from annotations.roles import can_review

from ._support import describe, user_named

PLACE = ("article_url", "sentence_index")
REQUIRED = (*PLACE, "label")
FIELDS = (*PLACE, *Annotation.INPUT_FIELDS)
OFFSETS = ("sentence_index", "span_start", "span_end")


class BadLine(Exception):
    """What is wrong with one line of the file."""


@dataclass(frozen=True)
class Line:
    number: int
    article_url: str
    sentence_index: int
    changes: dict


class Command(BaseCommand):
    help = (
        "Import labels made elsewhere as one reviewer's annotations, from JSONL: one object a "
        f"line with {', '.join(REQUIRED)} and optionally "
        f"{', '.join(f for f in FIELDS if f not in REQUIRED)}. All or nothing: any bad line "
        "(reported with its number) and nothing from the file is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.jsonl")
        parser.add_argument("--reviewer", required=True, metavar="NAME", help="whose labels")

    def handle(self, *args, file, reviewer, **options):
        user = user_named(reviewer, "--reviewer")
        if not can_review(user):  # said once, rather than on every line the service refuses
            raise CommandError(f"--reviewer: {reviewer} has no reviewer role (or is inactive)")
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        lines, errors = [], []
        for number, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                try:
                    lines.append(_parse(number, raw))
                except BadLine as error:
                    errors.append((number, str(error)))
        if not lines and not errors:
            raise CommandError(f"{file} holds no labels")
        created = 0
        with entry_point(EntryPoint.IMPORT), transaction.atomic():
            sentences = _sentences(lines)
            for line in lines:
                try:
                    created += _save(line, sentences, user)
                except BadLine as error:
                    errors.append((line.number, str(error)))
            if errors:
                transaction.set_rollback(True)
        if errors:
            for number, message in sorted(errors):
                self.stderr.write(f"{file}, line {number}: {message}")
            raise CommandError(f"{len(errors)} bad line(s) in {file}: nothing from it was imported")
        self.stdout.write(
            f"imported {len(lines)} label(s) as {reviewer} from {file} ({created} new)"
        )


def _save(line: Line, sentences: dict[str, dict[int, Sentence]], reviewer) -> bool:
    """Save the line's label; returns whether it is new."""
    article = sentences.get(line.article_url)
    if article is None:
        raise BadLine(f"no article with the URL {line.article_url}")
    sentence = article.get(line.sentence_index)
    if sentence is None:
        raise BadLine(f"the article has no sentence {line.sentence_index} (it has {len(article)})")
    try:
        _, created = annotation_save(sentence=sentence, reviewer=reviewer, changes=line.changes)
    except ValidationError as error:
        raise BadLine(describe(error)) from None
    except PermissionDenied as error:  # a locked or hidden article
        raise BadLine(str(error)) from None
    return created


def _parse(number: int, raw: str) -> Line:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BadLine(f"not JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadLine(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    missing = [name for name in REQUIRED if data.get(name) in (None, "")]
    if missing:
        raise BadLine(f"missing {', '.join(missing)}")
    problems = [
        f"{name}: {problem}"
        for name, value in data.items()
        if (problem := _type_problem(name, value))
    ]
    if problems:
        raise BadLine("; ".join(problems))
    changes = {name: value for name, value in data.items() if name not in PLACE}
    return Line(number, data["article_url"], data["sentence_index"], changes)


def _type_problem(name: str, value) -> str:
    """What is wrong with the value's JSON type ("" if nothing)."""
    if name in OFFSETS:
        if value is None and name != "sentence_index":
            return ""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return ""
        return "expected a whole number, 0 or more"
    return "" if isinstance(value, str) else "expected text"


def _sentences(lines: list[Line]) -> dict[str, dict[int, Sentence]]:
    """The sentences of every article the lines name, by article URL and index."""
    urls = {line.article_url for line in lines}
    found: dict[str, dict[int, Sentence]] = {
        url: {} for url in Article.objects.filter(url__in=urls).values_list("url", flat=True)
    }
    sentences = Sentence.objects.filter(article__url__in=urls).select_related("article")
    for sentence in sentences.defer("article__body"):
        found[sentence.article.url][sentence.index] = sentence
    return found
