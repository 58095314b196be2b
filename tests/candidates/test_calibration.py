"""Calibrated scores: the stored score is a probability on held-out documents, calibration never
reorders a domain's sentences, news keeps the rules until reviewers' labels show the model helps
there, and the reviewers' labels weigh more than imported ones."""

import numpy as np
import pytest

from annotations.candidates.calibration import DomainCalibration, fit_domain
from annotations.candidates.metrics import calibration_report
from annotations.candidates.model import NEWS_HALF_WEIGHT, ClaimModel, source_weights
from annotations.candidates.scoring import (
    IMPORTED,
    MODEL_WEIGHT,
    NEWS,
    SentenceInput,
    score_sentences,
)
from tests.candidates.test_model import load

TRANSCRIPTS = [
    "20161019_3pres.tsv",
    "20170228_Trump_Congress_joint_session.tsv",
    "20181015_60_min.tsv",
]
# The sample's transcripts have 3-5% check-worthy sentences. A score that is a probability is
# off by much less than that on held-out documents: 0.05 allows for the difference between the
# transcripts' rates and for ~24 positives spread over ten bins, and is half the error of the
# same model's blend of probabilities before calibration (about 0.11 here: its training
# balanced the classes, as if half the sentences were check-worthy).
MAX_HELD_OUT_ECE = 0.05


@pytest.fixture(scope="module")
def documents():
    return {name: load(name) for name in TRANSCRIPTS}


@pytest.fixture(scope="module")
def held_out(documents):
    """Each transcript scored by a model trained on the other two: (calibrated score,
    uncalibrated blend, label) for every sentence, transcript by transcript."""
    scored = {}
    for name, pairs in documents.items():
        model = ClaimModel.train([p for n, d in documents.items() if n != name for p in d])
        items = [item for item, _ in pairs]
        calibrated = [r.score for r in score_sentences(items, model)]
        rules = np.array([r.score for r in score_sentences(items)])
        blend = DomainCalibration(trust=MODEL_WEIGHT).apply(np.array(model.predict(items)), rules)
        scored[name] = list(zip(calibrated, blend, [label for _, label in pairs], strict=True))
    return scored


@pytest.fixture(scope="module")
def model(documents):
    return ClaimModel.train([p for pairs in documents.values() for p in pairs])


def test_scores_on_held_out_transcripts_are_calibrated_probabilities(held_out):
    held_out = [row for rows in held_out.values() for row in rows]
    calibrated = calibration_report([(score, label) for score, _, label in held_out])
    before = calibration_report([(blend, label) for _, blend, label in held_out])
    assert calibrated["ece"] < MAX_HELD_OUT_ECE < before["ece"]
    assert calibrated["brier"] < before["brier"]
    # Still probabilities: mean score near the share of check-worthy sentences.
    share = np.mean([label for *_, label in held_out])
    assert np.mean([score for score, *_ in held_out]) == pytest.approx(share, abs=0.02)


def test_calibration_keeps_the_order_of_each_models_blend(held_out):
    for rows in held_out.values():  # one model each
        calibrated = np.array([score for score, *_ in rows])
        blend = np.array([b for _, b, _ in rows])
        order = np.argsort(blend, kind="stable")
        assert np.all(np.diff(calibrated[order]) >= 0)
        # and ties nothing that was apart
        assert len(np.unique(calibrated)) == len(np.unique(blend))


def test_calibration_is_strictly_increasing_even_where_the_model_does_no_better_than_chance():
    rng = np.random.default_rng(0)
    probs, rules = rng.random(400), rng.random(400)
    labels = (rng.random(400) < 0.1).astype(int)  # unrelated to the scores
    calibration, report = fit_domain(probs, rules, labels, ["d"] * 400, trust=0.5)
    assert report["fitted"] and calibration.slope > 0
    blend = 0.5 * probs + 0.5 * rules
    scores = calibration.apply(probs, rules)
    assert np.array_equal(np.argsort(blend), np.argsort(scores))
    # No better than chance: about the base rate for everyone.
    assert scores.mean() == pytest.approx(labels.mean(), abs=0.02)


def test_the_training_record_has_map_brier_and_ece_before_and_after_calibration(model):
    imported = model.meta["calibration"][IMPORTED]
    assert imported["fitted"] and imported["trust"] == MODEL_WEIGHT
    assert imported["examples"] == 450 and imported["positives"] == model.meta["n_positive"]
    assert 0 < imported["map"] <= 1
    assert imported["ece"] < imported["before"]["ece"]
    assert imported["brier"] < imported["before"]["brier"]
    assert model.meta["calibration"][NEWS] == {
        "examples": 0,
        "positives": 0,
        "fitted": False,
        "trust": 0.0,
    }


def test_news_keeps_the_rule_scores_until_reviewers_label_news(model):
    texts = [
        "Kremlin spokesman Dmitry Peskov said the rebel leaders asked for more troops.",
        'Psaki called the claims a "false flag" operation.',
        "What happens next?",
    ]
    news = score_sentences([SentenceInput(t, document="a", domain=NEWS) for t in texts], model)
    rules = score_sentences([SentenceInput(t, document="a") for t in texts])
    assert [r.score for r in news] == pytest.approx([r.score for r in rules])
    debate = score_sentences([SentenceInput(t, document="a") for t in texts], model)
    assert [r.score for r in debate] != pytest.approx([r.score for r in rules])


def _news_article(number: int, rng) -> list[tuple[SentenceInput, int]]:
    """Ten sentences on which the rules are blind (same shape, no cues) but the words are not:
    "audited" sentences are the check-worthy ones."""
    pairs = []
    for i in range(10):
        checkworthy = rng.random() < 0.3
        word = "audited" if checkworthy else "admired"
        text = f"The council {word} the harbour plans of district {number * 10 + i} this spring."
        pairs.append((SentenceInput(text, document=f"article-{number}", domain=NEWS), checkworthy))
    return pairs


def test_news_learns_to_trust_the_model_from_reviewers_labels_where_it_ranks_better(documents):
    rng = np.random.default_rng(1)
    news = [pair for number in range(30) for pair in _news_article(number, rng)]
    imported = [p for pairs in documents.values() for p in pairs]
    model = ClaimModel.train(imported + news)
    report = model.meta["calibration"][NEWS]
    assert report["fitted"] and report["trust"] > 0
    assert model.meta["n_news"] == 300
    fresh = _news_article(99, np.random.default_rng(2))
    results = score_sentences([item for item, _ in fresh], model)
    audited = [r.score for r, (_, y) in zip(results, fresh, strict=True) if y]
    admired = [r.score for r, (_, y) in zip(results, fresh, strict=True) if not y]
    assert min(audited) > max(admired)
    rules = [r.score for r in score_sentences([item for item, _ in fresh])]
    assert max(rules) - min(rules) < 0.05  # the rules alone could not have told them apart


def test_reviewers_labels_on_news_weigh_more_as_imported_data_outnumbers_them():
    imported, news = 4 * NEWS_HALF_WEIGHT, 100
    weights = source_weights([IMPORTED] * imported + [NEWS] * news)
    assert weights.mean() == pytest.approx(1.0)
    assert weights[-1] / weights[0] == pytest.approx(imported / NEWS_HALF_WEIGHT)
    # Together, n news labels weigh n / (n + NEWS_HALF_WEIGHT) of the total.
    assert weights[imported:].sum() / weights.sum() == pytest.approx(
        news / (news + NEWS_HALF_WEIGHT)
    )
    # Never less than an imported label, and all equal with one source only.
    few = source_weights([IMPORTED] * 10 + [NEWS] * 5)
    assert few == pytest.approx(np.ones(15))
    assert source_weights([NEWS] * 3) == pytest.approx(np.ones(3))


def test_an_unknown_domain_is_refused(documents):
    pairs = documents[TRANSCRIPTS[0]]
    with pytest.raises(ValueError, match="unknown domain"):
        ClaimModel.train([(SentenceInput("x", domain="blog"), 1), *pairs])
