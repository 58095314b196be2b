"""Per-domain trust and calibration of the model's scores, fitted on out-of-fold predictions.

A domain's score is the model's probability blended with the rule score, `trust * model +
(1 - trust) * rules`, then mapped to a probability by Platt scaling, `sigmoid(slope *
logit(blend) + intercept)` with slope > 0: strictly increasing, so calibration never reorders
sentences within a domain. Plain numpy: a model stores the three numbers per domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import calibration_report, ranking_report

# A domain's labels fit its calibration (and, for news, its trust) from this many examples of
# each class in the out-of-fold predictions; with fewer, Platt's two parameters are noise.
MIN_CALIBRATION_EXAMPLES = 10
# Platt's slope at least this: calibration must keep the order (a slope of 0 would tie everything).
MIN_SLOPE = 0.01
TRUST_GRID = tuple(round(0.1 * step, 1) for step in range(11))
_EPS = 1e-6


@dataclass(frozen=True)
class DomainCalibration:
    trust: float  # the model's share of the blend
    slope: float = 1.0  # 1 and 0: the blend as it is
    intercept: float = 0.0

    def apply(self, model_probs: np.ndarray, rule_scores: np.ndarray) -> np.ndarray:
        blend = self.trust * model_probs + (1 - self.trust) * rule_scores
        return 1.0 / (1.0 + np.exp(-(self.slope * _logit(blend) + self.intercept)))

    def as_row(self) -> list[float]:
        return [self.trust, self.slope, self.intercept]


def fit_domain(
    model_probs: np.ndarray,
    rule_scores: np.ndarray,
    labels: np.ndarray,
    documents: list[str],
    *,
    trust: float | None,
) -> tuple[DomainCalibration, dict]:
    """Calibration of one domain from its out-of-fold predictions; trust=None learns the trust
    (the grid value whose blend ranks the domain's documents best, the rules on a tie). With too
    few labels of either class: the blend uncalibrated, at the given trust (0 if learned).
    Returns it with a report of what it was fitted on and how it scores."""
    positives = int(labels.sum())
    report = {"examples": len(labels), "positives": positives}
    if min(positives, len(labels) - positives) < MIN_CALIBRATION_EXAMPLES:
        return DomainCalibration(trust=trust or 0.0), {**report, "fitted": False}
    if trust is None:
        maps = [
            _map(documents, w * model_probs + (1 - w) * rule_scores, labels) for w in TRUST_GRID
        ]
        trust = TRUST_GRID[int(np.argmax(maps))]  # argmax: the first best, the smallest trust
    blend = DomainCalibration(trust=trust).apply(model_probs, rule_scores)
    z = _logit(blend)
    slope, intercept = _platt(z, labels)
    if slope < MIN_SLOPE:
        # Out of fold the blend ranks no better than chance: about the base rate for every
        # sentence, still in the blend's order.
        slope = MIN_SLOPE
        intercept = float(_logit(labels.mean()) - slope * z.mean())
    calibration = DomainCalibration(trust, slope, intercept)
    calibrated = calibration.apply(model_probs, rule_scores)
    return calibration, {
        **report,
        "fitted": True,
        "map": _map(documents, calibrated, labels),
        "before": calibration_report(list(zip(blend, labels, strict=True))),
        **calibration_report(list(zip(calibrated, labels, strict=True))),
    }


def _platt(z: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    # Nearly unregularised: two parameters on thousands of predictions.
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), labels)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _map(documents: list[str], scores: np.ndarray, labels: np.ndarray) -> float:
    by_document: dict[str, list[tuple[float, int]]] = {}
    for document, score, label in zip(documents, scores, labels, strict=True):
        by_document.setdefault(document, []).append((float(score), int(label)))
    return ranking_report(by_document, ks=())["map"]
