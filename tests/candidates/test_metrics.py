import pytest

from annotations.candidates.metrics import (
    average_precision,
    calibration_report,
    label_report,
    ranking_report,
)


def test_average_precision():
    assert average_precision([1, 0, 1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0, 0, 0, 1]) == pytest.approx(0.25)
    assert average_precision([1, 1, 0]) == 1.0
    assert average_precision([0, 0]) == 0.0
    assert average_precision([]) == 0.0


def test_ranking_report_ranks_by_score_within_each_document():
    docs = {
        "a": [(0.1, 1), (0.9, 0), (0.5, 1)],  # ranked: 0, 1, 1 -> AP (1/2 + 2/3) / 2
        "b": [(0.2, 0), (0.8, 1)],  # ranked: 1, 0 -> AP 1
    }
    report = ranking_report(docs, ks=(1, 2))
    assert report["map"] == pytest.approx(((1 / 2 + 2 / 3) / 2 + 1) / 2)
    assert report["p@1"] == pytest.approx(0.5)
    assert report["p@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert report["n_docs"] == 2


def test_precision_at_k_counts_missing_ranks_as_misses():
    assert ranking_report({"a": [(1.0, 1)]}, ks=(5,))["p@5"] == pytest.approx(0.2)


def test_label_report():
    pairs = [
        ("sourced", "sourced"),
        ("sourced", "disputed"),
        (None, "disputed"),
        ("false_flag", "false_flag"),
        (None, None),
    ]
    report = label_report(pairs)
    assert report["labels"]["sourced"]["precision"] == 0.5
    assert report["labels"]["sourced"]["recall"] == 1.0
    assert report["labels"]["disputed"]["precision"] is None
    assert report["labels"]["disputed"]["recall"] == 0.0
    assert report["labels"]["false_flag"]["f1"] == 1.0
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["n"] == 5


def test_with_no_documents_the_ranking_report_has_every_figure_at_zero():
    # evaluate_candidates prints these keys whatever the input.
    assert ranking_report({}, ks=(1, 5)) == {
        "map": 0.0,
        "p@1": 0.0,
        "p@5": 0.0,
        "brier": 0.0,
        "ece": 0.0,
        "n_docs": 0,
    }


def test_brier_and_ece_of_scores_as_probabilities():
    pairs = [(0.05, 0), (0.15, 1), (0.1, 0), (0.95, 1), (0.85, 0)]
    report = calibration_report(pairs)
    squared = [0.05**2, 0.85**2, 0.1**2, 0.05**2, 0.85**2]
    assert report["brier"] == pytest.approx(sum(squared) / 5)
    # Bins of 0.1: [0, 0.1) holds 0.05; [0.1, 0.2) holds 0.15 and 0.1 (mean 0.125, one of two
    # positive); [0.8, 0.9) 0.85 (none); [0.9, 1] 0.95 (one).
    expected = (1 * 0.05 + 2 * abs(0.125 - 0.5) + 1 * 0.85 + 1 * 0.05) / 5
    assert report["ece"] == pytest.approx(expected)
    assert calibration_report([(1.0, 1), (0.0, 0)]) == {"brier": 0.0, "ece": 0.0}


def test_the_ranking_report_adds_the_calibration_of_all_documents_together():
    docs = {"a": [(0.2, 0), (0.9, 1)], "b": [(0.6, 0)]}
    report = ranking_report(docs, ks=())
    assert report["brier"] == pytest.approx((0.04 + 0.01 + 0.36) / 3)
    assert report["ece"] == pytest.approx((0.2 + 0.1 + 0.6) / 3)


def test_label_report_figures_for_uneven_precision_and_recall():
    pairs = [
        ("disputed", "disputed"),
        ("disputed", None),
        (None, "disputed"),
        (None, "disputed"),  # disputed: precision 1/2, recall 1/3
        ("sourced", None),  # suggested, never true: no recall, F1 0
    ]
    labels = label_report(pairs)["labels"]
    assert labels["disputed"] == {
        "precision": 0.5,
        "recall": pytest.approx(1 / 3),
        "f1": pytest.approx(0.4),  # 2PR / (P + R)
        "suggested": 2,
        "support": 3,
    }
    assert labels["sourced"] == {
        "precision": 0.0,
        "recall": None,
        "f1": 0.0,
        "suggested": 1,
        "support": 0,
    }


def test_label_report_of_no_pairs_has_no_accuracy():
    assert label_report([]) == {"labels": {}, "accuracy": None, "n": 0}
