"""What the export tests share: a small labelled dataset with every kind of final label, and
helpers to run an export into memory."""

import io
from dataclasses import dataclass

import pytest

from annotations.corpus.models import Article, Sentence
from annotations.detection.models import Candidate, DetectorVersion
from annotations.export.selectors import ExportFilters, export_rows
from annotations.export.services import ExportOptions, ExportResult, write_export
from annotations.moderation.services import adjudicate, moderate
from tests.reviewing import label, load_article, sentence

SALT = "test-salt"


@dataclass
class Dataset:
    """Article "kyiv" (2022-02-23): 0 sourced by both reviewers (claimant, source, evidence),
    1 a tie (sourced / disputed: disputed wins), 2 unlabelled, 3 "not a claim" by one reviewer
    (its text and note start like spreadsheet formulas). Article "donbas" (2023-05-01): 0
    disputed by both, adjudicated "false flag"; 1 sourced by the reviewer but rejected, "not a
    claim" by the other."""

    kyiv: Article
    donbas: Article
    agreed: Sentence
    tie: Sentence
    unlabelled: Sentence
    formula: Sentence
    adjudicated: Sentence
    rejected: Sentence


@pytest.fixture
def dataset(reviewer, other_reviewer, moderator) -> Dataset:
    kyiv = load_article(
        title="Shelling near Kyiv",
        url="https://news.example.com/kyiv",
        date="20220223",
        body="The ministry said the plant was shelled. Critics disputed that account.\n"
        "It rained all day. =HYPERLINK(1) is what the sign said.",
    )
    donbas = load_article(
        title="Donbas report",
        url="https://news.example.com/donbas",
        date="20230501",
        body="Officials called the blast a staged provocation. The road was closed.",
    )
    agreed, tie, unlabelled, formula = (sentence(kyiv, i) for i in range(4))
    adjudicated, rejected = sentence(donbas, 0), sentence(donbas, 1)
    evidence = {
        "claimant": "Defence ministry",
        "source_name": "Ministry of Defence",
        "evidence_url": "https://example.org/statement",
    }
    label(agreed, reviewer, "sourced", **evidence, span_start=4, span_end=12)
    label(agreed, other_reviewer, "sourced", claimant="Defence ministry")
    label(tie, reviewer, "sourced")
    label(tie, other_reviewer, "disputed", claimant="Critics")
    label(formula, reviewer, "not_claim", note="=cmd|' /C calc'!A0")
    label(adjudicated, reviewer, "disputed")
    label(adjudicated, other_reviewer, "disputed")
    adjudicate(sentence=adjudicated, actor=moderator, label="false_flag", reason="staged, per OSCE")
    moderate(
        annotation=label(rejected, reviewer, "sourced"),
        actor=moderator,
        decision="reject",
        reason="no source named",
    )
    label(rejected, other_reviewer, "not_claim")
    old = DetectorVersion.objects.create(name="detector-old", rules_version="old")
    new = DetectorVersion.objects.create(name="detector-new", rules_version="new")
    Candidate.objects.create(sentence=agreed, detector_version=old, score=0.2)
    Candidate.objects.create(
        sentence=agreed, detector_version=new, score=0.9, suggested_label="sourced"
    )
    return Dataset(kyiv, donbas, agreed, tie, unlabelled, formula, adjudicated, rejected)


def all_rows(filters: ExportFilters | None = None, **options) -> list[dict]:
    options.setdefault("salt", SALT)
    return [row for batch in export_rows(filters or ExportFilters(), **options) for row in batch]


def row_of(rows: list[dict], sentence: Sentence) -> dict:
    [row] = [row for row in rows if row["sentence_id"] == sentence.pk]
    return row


def exported(format: str, **options) -> tuple[bytes, ExportResult]:
    """An export written into memory: its bytes and its result."""
    options.setdefault("salt", SALT)
    out = io.BytesIO()
    result = write_export(out, ExportOptions(format=format, **options))
    return out.getvalue(), result
