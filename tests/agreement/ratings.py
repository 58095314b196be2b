"""Generated ratings and their reference figures: a rating set is a list of units (sentences),
each a list with one label (a category number) or None per rater. The references are the
published implementations, fed the raw ratings: scikit-learn, statsmodels and krippendorff."""

import warnings
from collections import Counter

import krippendorff
import numpy as np
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

CATEGORIES = 4


def rating_sets(max_units=25, max_raters=5, categories=CATEGORIES):
    """Hypothesis: rating sets with missing labels, sometimes of a single category."""
    return st.integers(2, max_raters).flatmap(
        lambda raters: st.lists(
            st.lists(st.none() | st.integers(0, categories - 1), min_size=raters, max_size=raters),
            min_size=1,
            max_size=max_units,
        )
    )


def random_ratings(seed: int, units: int, raters: int, missing: float = 0.4) -> list[list]:
    """Ratings where raters mostly agree with a sentence's true label, some cells missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, CATEGORIES, units)
    noise = rng.integers(0, CATEGORIES, (units, raters))
    labels = np.where(rng.random((units, raters)) < 0.7, truth[:, None], noise)
    gone = rng.random((units, raters)) < missing
    return [
        [None if g else int(v) for v, g in zip(row, gaps, strict=True)]
        for row, gaps in zip(labels, gone, strict=True)
    ]


def profiles(ratings) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's count per category, one row per unit (weight 1 each)."""
    counts = np.zeros((len(ratings), CATEGORIES), dtype=np.int64)
    for row, unit in zip(counts, ratings, strict=True):
        for label in unit:
            if label is not None:
                row[label] += 1
    return counts, np.ones(len(ratings), dtype=np.int64)


def pair_labels(ratings, first: int, second: int) -> tuple[list, list]:
    both = [(u[first], u[second]) for u in ratings if None not in (u[first], u[second])]
    return [a for a, _ in both], [b for _, b in both]


def contingency(labels_a, labels_b) -> np.ndarray:
    table = np.zeros((CATEGORIES, CATEGORIES), dtype=np.int64)
    for a, b in zip(labels_a, labels_b, strict=True):
        table[a, b] += 1
    return table


def quiet(compute):
    """The references warn (and answer nan) where a measure is undefined."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return compute()


def reference_cohen(labels_a, labels_b) -> float:
    return quiet(lambda: cohen_kappa_score(labels_a, labels_b, labels=list(range(CATEGORIES))))


def fleiss_subset(ratings) -> tuple[int, list]:
    """The most common number of raters per unit (>= 2; ties: the larger) and those units."""
    sizes = Counter(sum(label is not None for label in unit) for unit in ratings)
    sizes = {m: n for m, n in sizes.items() if m >= 2}
    raters = max(sizes, key=lambda m: (sizes[m], m))
    return raters, [u for u in ratings if sum(label is not None for label in u) == raters]


def reference_fleiss(table) -> float:
    """statsmodels' Fleiss' kappa of a units x categories count table (same raters per unit)."""
    return quiet(lambda: fleiss_kappa(table))


def reference_alpha(ratings) -> float:
    data = np.array(
        [[np.nan if label is None else label for label in unit] for unit in ratings], dtype=float
    ).T
    return quiet(
        lambda: krippendorff.alpha(
            reliability_data=data,
            level_of_measurement="nominal",
            value_domain=list(range(CATEGORIES)),
        )
    )


def pairwise_agreement(ratings) -> float:
    """Raw agreement worked out pair by pair: in each unit with two or more labels, the share of
    its pairs of raters who agree; the mean over those units."""
    shares = []
    for unit in ratings:
        given = [label for label in unit if label is not None]
        pairs = [(a, b) for i, a in enumerate(given) for b in given[i + 1 :]]
        if pairs:
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return sum(shares) / len(shares)


def pairable(ratings) -> list:
    return [u for u in ratings if sum(label is not None for label in u) >= 2]


def single_category(units) -> bool:
    return len({label for u in units for label in u if label is not None}) == 1
