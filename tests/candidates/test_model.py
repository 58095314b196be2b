"""ClaimModel trained on the bundled CheckThat sample (cut from the real transcripts)."""

import numpy as np
import pytest

from annotations.candidates.labelfile import read_label_file
from annotations.candidates.model import ClaimModel, _flatten_trees, _tree_scores
from annotations.candidates.scoring import MODEL_FORMAT, SentenceInput
from tests.conftest import CHECKTHAT_SAMPLE

SAMPLE = CHECKTHAT_SAMPLE


def load(name):
    rows = read_label_file(SAMPLE / name)
    texts = [r.text for r in rows]
    return [
        (
            SentenceInput(
                r.text,
                speaker=r.speaker,
                previous=texts[i - 1] if i else None,
                next=texts[i + 1] if i + 1 < len(texts) else None,
                document=r.document,
            ),
            r.checkworthy,
        )
        for i, r in enumerate(rows)
    ]


@pytest.fixture(scope="module")
def train_pairs():
    return load("20161019_3pres.tsv") + load("20170228_Trump_Congress_joint_session.tsv")


@pytest.fixture(scope="module")
def model(train_pairs):
    return ClaimModel.train(train_pairs)


def auc(scores, labels):
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    return np.mean([p > n for p in pos for n in neg])


def test_meta_describes_the_training_data(model, train_pairs):
    assert model.meta["n_examples"] == len(train_pairs) == 300
    assert model.meta["n_positive"] == sum(y for _, y in train_pairs) == 16
    assert model.meta["n_documents"] == 2
    assert model.meta["trained_at"]
    assert model.version.startswith("claimlr-")


def test_predictions_are_probabilities_that_separate_the_classes(model, train_pairs):
    scores = model.predict([item for item, _ in train_pairs])
    assert len(scores) == len(train_pairs)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert auc(scores, [y for _, y in train_pairs]) > 0.9


def test_ranks_unseen_transcript_better_than_chance(model):
    pairs = load("20181015_60_min.tsv")
    scores = model.predict([item for item, _ in pairs])
    assert auc(scores, [y for _, y in pairs]) > 0.6


def test_bytes_round_trip_keeps_predictions(model, train_pairs):
    items = [item for item, _ in train_pairs[:50]]
    loaded = ClaimModel.from_bytes(model.to_bytes())
    assert loaded.meta == model.meta
    assert loaded.predict(items) == pytest.approx(model.predict(items))
    assert len(model.to_bytes()) < 5_000_000


def test_flattened_trees_score_as_scikit_learn_does():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.random((500, 4))
    y = (X[:, 0] * X[:, 1] + 0.3 * rng.random(500) > 0.4).astype(int)
    trees = HistGradientBoostingClassifier(max_iter=20, max_depth=4).fit(X, y)
    assert _tree_scores(_flatten_trees(trees), X) == pytest.approx(trees.decision_function(X))


def test_from_bytes_rejects_other_data():
    with pytest.raises(ValueError):
        ClaimModel.from_bytes(b"not a model")


def test_from_bytes_names_the_format_of_a_model_from_another_release(model):
    older = ClaimModel(model.arrays, {**model.meta, "format": MODEL_FORMAT - 1})
    with pytest.raises(ValueError, match=f"format {MODEL_FORMAT - 1}, expected {MODEL_FORMAT}"):
        ClaimModel.from_bytes(older.to_bytes())


def test_training_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        ClaimModel.train([(SentenceInput("A claim."), 1), (SentenceInput("Another."), 1)])


def test_frequent_questioner_is_scored_below_the_same_words_from_a_candidate(model):
    # The role features come from the batch: MODERATOR asks questions, CANDIDATE answers.
    statement = "We lost 70,000 factories since China entered the World Trade Organization."
    batch = [SentenceInput(f"Question {i}?", speaker="MODERATOR", document="d") for i in range(8)]
    batch += [SentenceInput(statement, speaker="MODERATOR", document="d")]
    batch += [SentenceInput(statement, speaker="CANDIDATE", document="d")]
    batch += [SentenceInput("Our country is doing well.", speaker="CANDIDATE", document="d")] * 7
    scores = model.predict(batch)
    assert scores[8] < scores[9]


def test_predict_handles_empty_and_bare_input(model):
    assert model.predict([]) == []
    (score,) = model.predict([SentenceInput("")])
    assert 0.0 <= score <= 1.0


def test_unknown_encoder_is_rejected(train_pairs):
    with pytest.raises(ValueError, match="unknown encoder"):
        ClaimModel.train(train_pairs, encoder="word2vec")


def test_embedding_variant_round_trips(train_pairs):
    # requirements-dev.txt installs requirements-embeddings.txt: the packaged MiniLM model,
    # loaded from site-packages, nothing downloaded.
    pairs = train_pairs[:150]  # one transcript: encoding is the slow part
    model = ClaimModel.train(pairs, encoder="minilm")
    items = [item for item, _ in pairs[:20]]
    loaded = ClaimModel.from_bytes(model.to_bytes())
    assert loaded.meta["params"]["encoder"] == "minilm"
    assert loaded.predict(items) == pytest.approx(model.predict(items))
    # The embeddings take part: the same data without them predicts otherwise.
    assert model.predict(items) != pytest.approx(ClaimModel.train(pairs).predict(items))
