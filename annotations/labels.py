"""The labels, their precedence and the guideline reviewers see (DESIGN.md), defined once."""

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
