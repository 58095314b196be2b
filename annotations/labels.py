"""The labels, their precedence, the guideline reviewers see (DESIGN.md) and how a sentence's
final label is decided, defined once."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models


class Label(models.TextChoices):
    SOURCED = "sourced", "Sourced"
    DISPUTED = "disputed", "Disputed"
    FALSE_FLAG = "false_flag", '"False flag" allegation'
    NOT_CLAIM = "not_claim", "Not a claim"


# Most specific first: when two labels apply, the earlier one wins.
PRECEDENCE = (Label.FALSE_FLAG, Label.DISPUTED, Label.SOURCED, Label.NOT_CLAIM)
# What the candidate detector may suggest: a claim label, or nothing.
CLAIM_LABELS = [(value, name) for value, name in Label.choices if value != Label.NOT_CLAIM]


def most_specific(labels: Iterable[str]) -> str:
    """The label that wins among several that apply (by PRECEDENCE)."""
    return min(labels, key=PRECEDENCE.index)


UNLABELLED = "unlabelled"  # the basis of a sentence with neither a counted label nor a decision


@dataclass(frozen=True)
class GoldLabel:
    """A sentence's final label and what it rests on: "adjudicated" (a moderator set it),
    "majority" (of counted annotations), or "tie" (the most specific of the tied labels, by
    PRECEDENCE; a tie is unresolved until a moderator adjudicates)."""

    label: str
    basis: str


def gold_label(counts: dict[str, int], adjudicated: str | None = None) -> GoldLabel | None:
    """A sentence's final label from its counted labels and its adjudication (None when it has
    neither)."""
    if adjudicated:
        return GoldLabel(adjudicated, "adjudicated")
    if not counts:
        return None
    top = max(counts.values())
    leaders = [label for label, n in counts.items() if n == top]
    return GoldLabel(most_specific(leaders), "majority" if len(leaders) == 1 else "tie")


@dataclass(frozen=True)
class Vote:
    """A counted (not rejected) annotation, as the final label's evidence needs it."""

    label: str
    claimant: str
    source_name: str
    evidence_url: str
    updated_at: datetime.datetime


@dataclass(frozen=True)
class Decision:
    """What a sentence's counted labels and adjudication add up to. counts: every label's
    (zeros included); label: None when unlabelled; decided_at: the adjudication's time, else
    the latest vote for the final label; claimants, sources, evidence_urls: the non-empty ones
    the votes for the final label name, each once, in the order given; agreement: the share
    of pairs of votes that agree (None under two votes)."""

    counts: dict[str, int]
    label: str | None
    basis: str
    decided_at: datetime.datetime | None
    claimants: list[str]
    sources: list[str]
    evidence_urls: list[str]
    agreement: float | None


def decide(votes: list[Vote], adjudicated: str | None = None, adjudicated_at=None) -> Decision:
    """The Decision of a sentence from its votes (in the order they were made) and its
    adjudication."""
    counts = dict.fromkeys(Label.values, 0)
    for vote in votes:
        counts[vote.label] += 1
    gold = gold_label({label: n for label, n in counts.items() if n}, adjudicated)
    final = gold.label if gold else None
    backing = [vote for vote in votes if vote.label == final]
    n = len(votes)
    return Decision(
        counts=counts,
        label=final,
        basis=gold.basis if gold else UNLABELLED,
        decided_at=adjudicated_at or max((v.updated_at for v in backing), default=None),
        claimants=_distinct(v.claimant for v in backing),
        sources=_distinct(v.source_name for v in backing),
        evidence_urls=_distinct(v.evidence_url for v in backing),
        agreement=sum(k * (k - 1) for k in counts.values()) / (n * (n - 1)) if n > 1 else None,
    )


def _distinct(values: Iterable[str]) -> list[str]:
    """The non-empty values, each once, in the order first met."""
    return [value for value in dict.fromkeys(values) if value]


@dataclass(frozen=True)
class LabelGuideline:
    label: Label
    meaning: str


# The label guideline of DESIGN.md, shown to reviewers; in PRECEDENCE order.
LABEL_GUIDELINES = (
    LabelGuideline(
        Label.FALSE_FLAG,
        "the sentence alleges a false-flag operation: a staged or deceptive act meant to be "
        "blamed on someone else, or a pretext manufactured for action",
    ),
    LabelGuideline(
        Label.DISPUTED,
        "the claim is contested: the text or another party contradicts, denies or casts doubt "
        'on it ("Putin claimed ... but Western nations believe ...")',
    ),
    LabelGuideline(
        Label.SOURCED,
        "the claim is attributed to an identifiable source: a named outlet, official, agency or "
        'document ("..., the Associated Press reported")',
    ),
    LabelGuideline(
        Label.NOT_CLAIM,
        "reviewed; no checkable claim here. Needed so datasets have negatives and queues move on",
    ),
)
LABEL_PRECEDENCE_RULE = (
    'When two apply, the more specific wins: "false flag" over disputed over sourced.'
)
