"""Score sentences as candidate claims: rule findings, a rule score, and optionally a model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .features import SIGNAL_NAMES, extract_reasons, signals

if TYPE_CHECKING:
    from .model import ClaimModel

RULES_VERSION = "rules-1"
# The serialised format of ClaimModel (model.py): 3, words and characters hashed by hashing.py;
# 4, trees over its dense features; 5, per-domain trust and calibration. Kept here, so that
# choosing a detector loads no numpy.
MODEL_FORMAT = 5

# Hand-set weights on the signals. Signs and rough sizes follow a logistic regression on the
# CheckThat training transcripts, rounded; the cue signals (attribution, dispute, false flag) are
# raised because they define this project's labels.
_RULE_WEIGHTS = {
    "digit": 0.9,
    "number_word": 1.0,
    "year": 0.2,
    "attribution": 0.8,
    "dispute": 1.0,
    "false_flag": 2.0,
    "comparatives": 1.5,
    "length": 2.0,
    "short": -0.8,
    "question": -1.0,
    "first_person": -0.3,
    "opinion": -0.7,
    "second_person": -0.3,
    "future": -0.3,
    "past": 1.3,
    "capitalised": 0.2,
    "stage_direction": -0.7,
}
_RULE_BIAS = -3.5
_WEIGHTS = [_RULE_WEIGHTS.get(name, 0.0) for name in SIGNAL_NAMES]

# Share of the final score that comes from the model on imported data, before calibration;
# chosen with the model's tree weight by leave-transcripts-out CV on all 50 CheckThat transcripts.
MODEL_WEIGHT = 0.93

# Where a sentence comes from: imported labelled data (CheckThat! debates, any labelled file) or
# the server's own articles (news, which its reviewers label). The model's trust and
# calibration are fitted per domain (calibration.py): debates do not say how to score news.
IMPORTED, NEWS = "imported", "news"
DOMAINS = (IMPORTED, NEWS)


@dataclass(frozen=True)
class SentenceInput:
    text: str
    speaker: str | None = None
    previous: str | None = None
    next: str | None = None
    document: str | None = None  # id of the article/transcript, groups sentences for context
    domain: str = IMPORTED  # one of DOMAINS


@dataclass(frozen=True)
class CandidateResult:
    score: float
    suggested_label: str | None
    reasons: dict


def rule_score(signal_values: list[float]) -> float:
    """Probability-like claim score from the signals alone."""
    z = _RULE_BIAS + sum(w * v for w, v in zip(_WEIGHTS, signal_values, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def suggest_label(reasons: dict) -> str | None:
    """The most specific label the cues support: false_flag > disputed > sourced, else None."""
    if reasons["false_flag_cues"]:
        return "false_flag"
    if reasons["dispute_cues"]:
        return "disputed"
    if reasons["attributions"]:
        return "sourced"
    return None


def score_sentences(
    items: list[SentenceInput], model: ClaimModel | None = None
) -> list[CandidateResult]:
    """Score a batch; the model (if any) sees the whole batch at once for speed and context,
    and its probability is blended with the rule score and calibrated for each item's domain."""
    all_reasons = [extract_reasons(item.text) for item in items]
    all_signals = [signals(item.text, r) for item, r in zip(items, all_reasons, strict=True)]
    rule_scores = [rule_score(s) for s in all_signals]
    if model is not None:
        probs = model.predict(items, reasons=all_reasons, signal_values=all_signals)
        scores = model.calibrated(probs, rule_scores, [item.domain for item in items])
    else:
        scores = rule_scores
    version = model.version if model is not None else None
    results = []
    for reasons, rule, score in zip(all_reasons, rule_scores, scores, strict=True):
        label = suggest_label(reasons)
        reasons = {
            **reasons,
            "rule_score": rule,
            "rules_version": RULES_VERSION,
            "model": {"version": version, "contribution": score - rule},
        }
        results.append(CandidateResult(score=score, suggested_label=label, reasons=reasons))
    return results
