"""The agreement measures equal the published implementations (scikit-learn, statsmodels,
krippendorff) on textbook cases with known values and on generated ratings, and say why when a
measure is undefined instead of dividing by zero."""

import math

import numpy as np
import pytest
from hypothesis import given, settings

from annotations.agreement.metrics import (
    NO_PAIRABLE_UNITS,
    NO_SHARED_UNITS,
    ONE_CATEGORY,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    observed_agreement,
    percent_agreement,
)

from .ratings import (
    contingency,
    fleiss_subset,
    pair_labels,
    pairable,
    pairwise_agreement,
    profiles,
    rating_sets,
    reference_alpha,
    reference_cohen,
    reference_fleiss,
    single_category,
)

# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5
# categories; P-bar = 0.378, kappa = 0.210.
FLEISS_1971 = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
# missing values; nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Wikipedia's "Cohen's kappa" example: 50 grant proposals read by A (rows) and B (columns), yes
# then no; p_o = 0.7, kappa = 0.4.
COHEN_EXAMPLE = [[20, 5], [10, 15]]


def test_fleiss_kappa_of_fleiss_1971_is_0_210():
    table = np.array(FLEISS_1971)
    kappa = fleiss_kappa(table, np.ones(len(table)))
    assert kappa.value == pytest.approx(0.210, abs=5e-4)
    assert kappa.value == pytest.approx(reference_fleiss(table))
    assert (kappa.raters, kappa.units) == (14, 10)
    assert percent_agreement(table, np.ones(len(table))).value == pytest.approx(0.378, abs=5e-4)


def test_krippendorff_alpha_of_krippendorffs_own_example_is_0_743():
    units = [list(unit) for unit in zip(*KRIPPENDORFF_2011, strict=True)]
    counts = np.zeros((len(units), 5), dtype=int)
    for row, unit in zip(counts, units, strict=True):
        for value in unit:
            if value is not None:
                row[value - 1] += 1
    alpha = krippendorff_alpha(counts, np.ones(len(units)))
    assert alpha.value == pytest.approx(0.743, abs=5e-4)
    assert alpha.units == 11  # the last unit has one value: it cannot be paired


def test_cohens_kappa_of_the_textbook_example_is_0_4():
    assert cohen_kappa(COHEN_EXAMPLE).value == pytest.approx(0.4)
    assert observed_agreement(COHEN_EXAMPLE).value == pytest.approx(0.7)
    first = [0] * 20 + [0] * 5 + [1] * 10 + [1] * 15
    second = [0] * 20 + [1] * 5 + [0] * 10 + [1] * 15
    assert cohen_kappa(COHEN_EXAMPLE).value == pytest.approx(reference_cohen(first, second))


def test_weights_count_units_sharing_a_profile():
    table = np.array(FLEISS_1971)
    doubled = fleiss_kappa(table, np.full(len(table), 2))
    repeated = fleiss_kappa(np.concatenate([table, table]), np.ones(2 * len(table)))
    assert doubled == repeated
    assert krippendorff_alpha(table, np.full(len(table), 2)) == krippendorff_alpha(
        np.concatenate([table, table]), np.ones(2 * len(table))
    )


def test_fleiss_uses_the_most_common_number_of_raters_the_larger_on_a_tie():
    # Two units with 2 raters, two with 3, one with 4.
    counts = [[2, 0], [1, 1], [3, 0], [2, 1], [2, 2]]
    kappa = fleiss_kappa(counts, [1, 1, 1, 1, 1])
    assert (kappa.raters, kappa.units) == (3, 2)
    assert kappa.value == pytest.approx(reference_fleiss(np.array([[3, 0], [2, 1]])))


@pytest.mark.parametrize(
    "counts, reason",
    [
        ([[2, 0, 0, 0], [3, 0, 0, 0]], ONE_CATEGORY),  # everyone gave the same label
        ([[1, 0, 0, 0], [0, 1, 0, 0]], NO_PAIRABLE_UNITS),  # one reviewer per sentence
        ([], NO_PAIRABLE_UNITS),
    ],
)
def test_undefined_measures_say_why(counts, reason):
    weights = np.ones(len(counts))
    for measure in (fleiss_kappa, krippendorff_alpha):
        result = measure(counts, weights)
        assert (result.value, result.reason) == (None, reason)
    if reason == NO_PAIRABLE_UNITS:
        assert percent_agreement(counts, weights).reason == NO_PAIRABLE_UNITS
    else:
        assert percent_agreement(counts, weights).value == 1.0


def test_cohen_is_undefined_without_shared_sentences_or_with_one_label():
    assert cohen_kappa(np.zeros((4, 4))).reason == NO_SHARED_UNITS
    assert observed_agreement(np.zeros((4, 4))).value is None
    one_label = [[5, 0], [0, 0]]
    assert (cohen_kappa(one_label).value, cohen_kappa(one_label).reason) == (None, ONE_CATEGORY)
    assert observed_agreement(one_label).value == 1.0


def same(ours, reference) -> bool:
    """Ours is None exactly where the reference is undefined (nan), else equal."""
    if ours.value is None:
        return math.isnan(reference)
    return not math.isnan(reference) and ours.value == pytest.approx(reference, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(rating_sets())
def test_every_measure_equals_its_reference_on_generated_ratings(ratings):
    counts, weights = profiles(ratings)
    raters = len(ratings[0])
    for first in range(raters):
        for second in range(first + 1, raters):
            labels_a, labels_b = pair_labels(ratings, first, second)
            kappa = cohen_kappa(contingency(labels_a, labels_b))
            if not labels_a:
                assert kappa.reason == NO_SHARED_UNITS
            else:
                assert same(kappa, reference_cohen(labels_a, labels_b))
                assert kappa.units == len(labels_a)

    usable = pairable(ratings)
    fleiss, alpha = fleiss_kappa(counts, weights), krippendorff_alpha(counts, weights)
    agreement = percent_agreement(counts, weights)
    if not usable:
        assert fleiss.reason == alpha.reason == agreement.reason == NO_PAIRABLE_UNITS
        return
    m, units = fleiss_subset(ratings)
    assert (fleiss.raters, fleiss.units) == (m, len(units))
    assert same(fleiss, reference_fleiss(profiles(units)[0]))
    assert same(alpha, reference_alpha(ratings))
    assert alpha.units == len(usable)
    assert (alpha.value is None) is single_category(usable)
    assert agreement.value == pytest.approx(pairwise_agreement(ratings))
