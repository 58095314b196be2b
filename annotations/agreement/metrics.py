"""Inter-annotator agreement measures on nominal labels, in plain Python and numpy.

They take labels already counted (by the database, or by anyone): a two-rater contingency table
(k x k: rows the first rater's label, columns the second's), or unit profiles (P x k: each row
how many raters gave each category to a unit, with `weights` saying how many units share that
row). Arrays are small whatever the number of annotations: at most one row per distinct profile.

A measure that the data cannot define (no unit with two raters, one category only) is a Measure
with value None and the reason, never a division by zero or a nan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_SHARED_UNITS = "no sentence labelled by both reviewers"
NO_PAIRABLE_UNITS = "no sentence has counted labels from two or more reviewers"
ONE_CATEGORY = "only one label was given: expected disagreement is 0"


@dataclass(frozen=True)
class Measure:
    """A figure, or None with the reason it is undefined; `units` is how many units (sentences)
    it rests on, `raters` the number of raters per unit where the measure requires one."""

    value: float | None
    units: int
    reason: str = ""
    raters: int | None = None


def _undefined(reason: str, units: int = 0, raters: int | None = None) -> Measure:
    return Measure(None, units, reason, raters)


def observed_agreement(table) -> Measure:
    """Share of the units two raters both labelled on which they gave the same label."""
    table = np.asarray(table, dtype=np.int64)
    units = int(table.sum())
    if units == 0:
        return _undefined(NO_SHARED_UNITS)
    return Measure(float(np.trace(table)) / units, units)


def cohen_kappa(table) -> Measure:
    """Cohen's kappa from two raters' contingency table: (p_o - p_e) / (1 - p_e), worked out in
    whole numbers (n * agreed - chance) / (n^2 - chance) so that "p_e is 1" is exact."""
    table = np.asarray(table, dtype=np.int64)
    units = int(table.sum())
    if units == 0:
        return _undefined(NO_SHARED_UNITS)
    chance = int(table.sum(axis=1) @ table.sum(axis=0))
    if chance == units * units:
        return _undefined(ONE_CATEGORY, units)
    agreed = int(np.trace(table))
    return Measure((units * agreed - chance) / (units * units - chance), units)


def _pairable(profiles, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The profiles of units with two or more raters, their weights and rater counts."""
    weights = np.asarray(weights, dtype=np.int64)
    profiles = np.asarray(profiles, dtype=np.int64).reshape(len(weights), -1 if len(weights) else 0)
    raters = profiles.sum(axis=1)
    keep = raters >= 2
    return profiles[keep], weights[keep], raters[keep]


def percent_agreement(profiles, weights) -> Measure:
    """Raw agreement over units with two or more raters: in each unit, the share of its pairs of
    raters who gave the same label (Fleiss' P_i; for two raters, 1 if they agree, else 0),
    averaged over units, each unit counting once."""
    profiles, weights, raters = _pairable(profiles, weights)
    units = int(weights.sum())
    if units == 0:
        return _undefined(NO_PAIRABLE_UNITS)
    agreeing_pairs = (profiles * (profiles - 1)).sum(axis=1)
    per_unit = agreeing_pairs / (raters * (raters - 1))
    return Measure(float(per_unit @ weights) / units, units)


def most_common_raters(profiles, weights) -> int | None:
    """The number of raters per unit that most units have, among two or more (ties: the larger
    number); None when no unit has two raters."""
    _, weights, raters = _pairable(profiles, weights)
    if len(raters) == 0:
        return None
    counts = np.bincount(raters, weights=weights)
    return int(np.flatnonzero(counts == counts.max())[-1])


def fleiss_kappa(profiles, weights) -> Measure:
    """Fleiss' kappa over the units having the most common number of raters m (>= 2; see
    most_common_raters); the others are left out, as the measure requires a fixed m."""
    raters = most_common_raters(profiles, weights)
    if raters is None:
        return _undefined(NO_PAIRABLE_UNITS)
    profiles, weights, per_unit = _pairable(profiles, weights)
    profiles, weights = profiles[per_unit == raters], weights[per_unit == raters]
    units = int(weights.sum())
    ratings = units * raters
    by_category = weights @ profiles
    chance = int(by_category @ by_category)  # (sum of p_j^2) * ratings^2
    if chance == ratings * ratings:
        return _undefined(ONE_CATEGORY, units, raters)
    squares = int(weights @ (profiles * profiles).sum(axis=1))
    observed = (squares - ratings) / (ratings * (raters - 1))
    expected = chance / (ratings * ratings)
    return Measure((observed - expected) / (1 - expected), units, raters=raters)


def coincidences(profiles, weights) -> np.ndarray:
    """Krippendorff's coincidence matrix (k x k): o_ck = sum over units u of n_uc * n_uk / (m_u
    - 1), with n_uc * (n_uc - 1) on the diagonal; units with fewer than two values left out."""
    profiles, weights, raters = _pairable(profiles, weights)
    scaled = profiles * (weights / (raters - 1))[:, None]
    return scaled.T @ profiles - np.diag(scaled.sum(axis=0))


def krippendorff_alpha(profiles, weights) -> Measure:
    """Krippendorff's alpha for nominal data, 1 - D_o / D_e from the coincidence matrix; missing
    labels are simply absent from a unit's profile, and units with fewer than two values are
    left out, as the measure defines."""
    profiles, weights, _ = _pairable(profiles, weights)
    units = int(weights.sum())
    if units == 0:
        return _undefined(NO_PAIRABLE_UNITS)
    by_category = weights @ profiles  # n_c: the pairable values of each category
    values = int(by_category.sum())
    expected_pairs = values * values - int(by_category @ by_category)  # sum over c != k n_c n_k
    if expected_pairs == 0:
        return _undefined(ONE_CATEGORY, units)
    matrix = coincidences(profiles, weights)
    observed_disagreement = float(matrix.sum() - np.trace(matrix))
    return Measure(1 - (values - 1) * observed_disagreement / expected_pairs, units)
