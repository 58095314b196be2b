"""Ranking metrics as CheckThat defines them, calibration of the scores as probabilities, and
per-label agreement of suggested labels."""

from __future__ import annotations

from collections import Counter


def average_precision(labels_in_rank_order: list[int]) -> float:
    """Mean of precision at the rank of each positive; 0.0 when there is no positive."""
    hits = 0
    total = 0.0
    for rank, label in enumerate(labels_in_rank_order, start=1):
        if label:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def ranking_report(
    docs: dict[str, list[tuple[float, int]]], ks: tuple[int, ...] = (1, 5, 10, 20, 50)
) -> dict:
    """MAP and P@k averaged over documents, then the Brier score and ECE of all sentences
    together (calibration_report); each document is a list of (score, label)."""
    if not docs:
        return {"map": 0.0, **{f"p@{k}": 0.0 for k in ks}, "brier": 0.0, "ece": 0.0, "n_docs": 0}
    aps = []
    precisions = {k: [] for k in ks}
    for pairs in docs.values():
        # Stable sort: ties keep document order, as the official scorer does.
        ranked = [label for _, label in sorted(pairs, key=lambda p: -p[0])]
        aps.append(average_precision(ranked))
        for k in ks:
            precisions[k].append(sum(ranked[:k]) / k)
    report = {"map": sum(aps) / len(aps)}
    report.update({f"p@{k}": sum(v) / len(v) for k, v in precisions.items()})
    report.update(calibration_report([pair for pairs in docs.values() for pair in pairs]))
    report["n_docs"] = len(docs)
    return report


ECE_BINS = 10


def calibration_report(pairs: list[tuple[float, int]], bins: int = ECE_BINS) -> dict:
    """How far (score, label) pairs are from probabilities: the Brier score (mean squared
    error) and the expected calibration error over `bins` equal-width score bins (the share of
    pairs in a bin times |mean score - share of positives| there, summed)."""
    if not pairs:
        return {"brier": 0.0, "ece": 0.0}
    brier = sum((score - label) ** 2 for score, label in pairs) / len(pairs)
    totals = [[0, 0.0, 0] for _ in range(bins)]  # count, sum of scores, positives
    for score, label in pairs:
        total = totals[min(int(score * bins), bins - 1)]
        total[0] += 1
        total[1] += score
        total[2] += label
    ece = sum(abs(scores - positives) for _, scores, positives in totals) / len(pairs)
    return {"brier": brier, "ece": ece}


def label_report(pairs: list[tuple[str | None, str | None]]) -> dict:
    """Per-label precision/recall/F1 of (suggested, true) pairs; None means "no label".

    Precision (recall) is None when the label was never suggested (never true).
    """
    suggested = Counter(s for s, _ in pairs if s is not None)
    true = Counter(t for _, t in pairs if t is not None)
    correct = Counter(s for s, t in pairs if s is not None and s == t)
    per_label = {}
    for label in sorted(suggested.keys() | true.keys()):
        p = correct[label] / suggested[label] if suggested[label] else None
        r = correct[label] / true[label] if true[label] else None
        f1 = 2 * p * r / (p + r) if p and r else 0.0
        per_label[label] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "suggested": suggested[label],
            "support": true[label],
        }
    agree = sum(s == t for s, t in pairs)
    return {"labels": per_label, "accuracy": agree / len(pairs) if pairs else None, "n": len(pairs)}
