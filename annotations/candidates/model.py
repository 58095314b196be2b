"""Learned claim scorer: logistic regression over TF-IDF n-grams, context and rule signals, averaged
with shallow gradient-boosted trees over the signals and role features alone, which capture
interactions between them that the linear model cannot.

Text is hashed (hashing.py) and the trees are flattened to node arrays, so the model is only
arrays (IDF weights, coefficients, tree nodes) and serialises to a numpy archive without pickle,
independent of the scikit-learn version.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from .calibration import DomainCalibration, fit_domain
from .features import SIGNAL_NAMES, extract_reasons, signals
from .hashing import char_ngram_counts, word_ngram_counts
from .scoring import DOMAINS, IMPORTED, MODEL_FORMAT, MODEL_WEIGHT, NEWS, SentenceInput, rule_score

_QUESTION = SIGNAL_NAMES.index("question")
# Shallow trees keep prediction cheap: every sample walks every tree TREE_PARAMS["max_depth"] steps.
TREE_PARAMS = {"max_iter": 100, "learning_rate": 0.1, "max_depth": 4, "random_state": 0}
TREE_WEIGHT = 0.3  # share of the trees in the model's probability
# Out-of-fold predictions for calibration: each fold's model is trained without a fifth of the
# documents (training costs about this many times more).
CALIBRATION_FOLDS = 5
# The reviewers' labels on news weigh as much as all imported data together once there are this
# many of them (source_weights).
NEWS_HALF_WEIGHT = 1000


class ClaimModel:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        self.arrays = arrays
        self.meta = meta

    @property
    def version(self) -> str:
        return self.meta["version"]

    @classmethod
    def train(
        cls,
        examples: list[tuple[SentenceInput, int]],
        *,
        C: float = 1.0,
        context_weight: float = 0.3,
        dense_weight: float = 0.05,
        tree_weight: float = TREE_WEIGHT,
        encoder: str | None = None,
        embedding_weight: float = 0.5,
        model_weight: float = MODEL_WEIGHT,
        folds: int = CALIBRATION_FOLDS,
    ) -> ClaimModel:
        """Fit on (sentence, 0/1 check-worthy) pairs, then fit each domain's trust and
        calibration on out-of-fold predictions (folds group sentences by document, so no
        document is scored by a model that saw it). Weights were chosen by leave-transcripts-out
        cross-validation on CheckThat training data; model_weight is the trust on imported data.
        encoder="minilm" adds sentence embeddings (optional dependencies, see embeddings.py);
        predictions then need them too."""
        items = [item for item, _ in examples]
        y = np.array([int(label) for _, label in examples])
        if len(set(y)) < 2:
            raise ValueError("training needs both check-worthy (1) and other (0) examples")
        unknown = {item.domain for item in items} - set(DOMAINS)
        if unknown:
            raise ValueError(f"unknown domain {sorted(unknown)}; expected one of {DOMAINS}")
        params = {
            "C": C,
            "context_weight": context_weight,
            "dense_weight": dense_weight,
            "tree_weight": tree_weight,
        }
        if encoder:
            params.update(encoder=encoder, embedding_weight=embedding_weight)
        signal_values = [signals(item.text, extract_reasons(item.text)) for item in items]
        weights = source_weights([item.domain for item in items])
        model = cls._fit(items, y, weights, signal_values, params)
        probs = _out_of_fold(items, y, weights, signal_values, params, folds)
        rules = np.array([rule_score(s) for s in signal_values])
        calibration, report = _calibrate(items, y, probs, rules, model_weight)
        model.arrays["calibration"] = calibration
        digest = hashlib.sha1(model.arrays["coef"].tobytes()).hexdigest()[:10]
        model.meta.update(
            {
                "format": MODEL_FORMAT,
                "version": f"claimlr-{MODEL_FORMAT}-{digest}",
                "n_examples": len(y),
                "n_positive": int(y.sum()),
                "n_documents": len({item.document for item in items}),
                "n_news": sum(item.domain == NEWS for item in items),
                "calibration": report,
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
        return model

    @classmethod
    def _fit(
        cls,
        items: list[SentenceInput],
        y: np.ndarray,
        weights: np.ndarray,
        signal_values: list[list[float]],
        params: dict,
    ) -> ClaimModel:
        """The model alone, uncalibrated: what predict() needs."""
        texts = [item.text for item in items]
        words, chars = word_ngram_counts(texts), char_ngram_counts(texts)
        dense = _dense(items, signal_values=signal_values)
        mean, scale = dense.mean(axis=0), dense.std(axis=0)
        scale[scale == 0] = 1.0
        arrays = {
            "word_idf": _idf(words),
            "char_idf": _idf(chars),
            "dense_mean": mean,
            "dense_scale": scale,
            "weights": np.array(
                [
                    params["context_weight"],
                    params["dense_weight"],
                    params.get("embedding_weight", 0.0),  # used only with an encoder
                    params["tree_weight"],
                ]
            ),
        }
        model = cls(arrays, {"params": params})
        X = sp.hstack(model._blocks(items, words, chars, dense), format="csr")
        lr = LogisticRegression(
            C=params["C"], class_weight="balanced", solver="liblinear", max_iter=1000
        )
        lr.fit(X, y, sample_weight=weights)
        arrays["coef"] = lr.coef_[0].astype(np.float32)
        arrays["intercept"] = lr.intercept_.astype(np.float64)
        if params["tree_weight"]:
            trees = HistGradientBoostingClassifier(**TREE_PARAMS, class_weight="balanced")
            arrays.update(_flatten_trees(trees.fit(dense, y, sample_weight=weights)))
        return model

    def predict(
        self,
        items: list[SentenceInput],
        *,
        reasons: list[dict] | None = None,
        signal_values: list[list[float]] | None = None,
    ) -> list[float]:
        """Claim probability for each item; pass reasons/signals already computed to save time."""
        if not items:
            return []
        texts = [item.text for item in items]
        dense = _dense(items, reasons, signal_values)
        blocks = self._blocks(items, word_ngram_counts(texts), char_ngram_counts(texts), dense)
        # Block by block: cheaper than stacking the blocks into one matrix first.
        coef, z, start = self.arrays["coef"].astype(np.float64), self.arrays["intercept"][0], 0
        for block in blocks:
            z = z + block @ coef[start : start + block.shape[1]]
            start += block.shape[1]
        prob = 1.0 / (1.0 + np.exp(-z))
        tree_weight = self.arrays["weights"][3]
        if tree_weight:
            tree_prob = 1.0 / (1.0 + np.exp(-_tree_scores(self.arrays, dense)))
            prob = (1 - tree_weight) * prob + tree_weight * tree_prob
        return prob.tolist()

    def calibrated(
        self, probs: list[float], rule_scores: list[float], domains: list[str]
    ) -> list[float]:
        """The final scores: each item's model probability and rule score, blended with its
        domain's trust and calibrated (calibration.py)."""
        probs, rules, domains = np.asarray(probs), np.asarray(rule_scores), np.asarray(domains)
        scores = np.full(len(probs), np.nan)
        for row, domain in zip(self.arrays["calibration"], DOMAINS, strict=True):
            mask = domains == domain
            scores[mask] = DomainCalibration(*row).apply(probs[mask], rules[mask])
        if np.isnan(scores).any():
            raise ValueError(f"unknown domain in {sorted(set(domains.tolist()))}")
        return scores.tolist()

    def _blocks(
        self, items: list[SentenceInput], words: sp.spmatrix, chars: sp.spmatrix, dense: np.ndarray
    ) -> list[sp.csr_matrix]:
        """The feature blocks, in coefficient order."""
        a = self.arrays
        context_weight, dense_weight, embedding_weight, _ = a["weights"]
        context = _tfidf(_context_counts(items, words), a["word_idf"])
        dense = (dense - a["dense_mean"]) / a["dense_scale"] * dense_weight
        blocks = [
            _tfidf(words, a["word_idf"]),
            _tfidf(chars, a["char_idf"]),
            context * context_weight,
            sp.csr_matrix(dense),
        ]
        encoder = self.meta["params"].get("encoder")
        if encoder:
            from .embeddings import encode  # optional dependencies, imported only when used

            vectors = encode([item.text for item in items], encoder)
            blocks.append(sp.csr_matrix(vectors * embedding_weight))
        return blocks

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        meta = np.frombuffer(json.dumps(self.meta).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, meta=meta, **self.arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClaimModel:
        """The saved model; ValueError if data is not one or was saved in another format (a
        model from an older release must be trained again)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                # The format first: the arrays of another format are not worth reading.
                meta = json.loads(archive["meta"].tobytes())
                if meta.get("format") != MODEL_FORMAT:
                    raise ValueError(
                        f"ClaimModel format {meta.get('format')!r}, expected {MODEL_FORMAT}"
                    )
                arrays = {name: archive[name] for name in archive.files if name != "meta"}
        except (OSError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a saved ClaimModel: {exc}") from None
        return cls(arrays, meta)


def source_weights(domains: list[str]) -> np.ndarray:
    """Sample weights by source: with m imported labels, each reviewer's label on news weighs
    max(1, m / NEWS_HALF_WEIGHT) imported ones (the mean weight stays 1). Once imported data
    outnumbers NEWS_HALF_WEIGHT, n news labels together weigh n / (n + NEWS_HALF_WEIGHT) of the
    total: half at n = NEWS_HALF_WEIGHT, nine tenths at nine times that."""
    news = np.array([domain == NEWS for domain in domains])
    imported = len(domains) - int(news.sum())
    weights = np.where(news, max(1.0, imported / NEWS_HALF_WEIGHT), 1.0)
    return weights * len(weights) / weights.sum()


def _groups(items: list[SentenceInput]) -> list[str]:
    """Each item's document; an item without one is a document of its own."""
    return [item.document or f"#{i}" for i, item in enumerate(items)]


def _out_of_fold(
    items: list[SentenceInput],
    y: np.ndarray,
    weights: np.ndarray,
    signal_values: list[list[float]],
    params: dict,
    folds: int,
) -> np.ndarray:
    """Each item's probability from a model trained without its document; NaN where there is
    none (a single document, or a fold whose other documents hold one class only)."""
    from sklearn.model_selection import GroupKFold

    probs = np.full(len(items), np.nan)
    groups = _groups(items)
    folds = min(folds, len(set(groups)))
    if folds < 2:
        return probs
    for train, test in GroupKFold(n_splits=folds).split(items, y, groups):
        if len(set(y[train])) < 2:
            continue
        model = ClaimModel._fit(
            [items[i] for i in train],
            y[train],
            weights[train],
            [signal_values[i] for i in train],
            params,
        )
        probs[test] = model.predict(
            [items[i] for i in test], signal_values=[signal_values[i] for i in test]
        )
    return probs


def _calibrate(
    items: list[SentenceInput],
    y: np.ndarray,
    probs: np.ndarray,
    rules: np.ndarray,
    model_weight: float,
) -> tuple[np.ndarray, dict]:
    """Each domain's (trust, slope, intercept), in DOMAINS order, and what they were fitted on.
    Imported data keeps the trust chosen by cross-validation; news learns its own from the
    reviewers' labels, and is scored by the rules alone until there are enough."""
    domains = np.array([item.domain for item in items])
    groups = np.array(_groups(items))
    rows, report = [], {}
    for domain in DOMAINS:
        mask = (domains == domain) & ~np.isnan(probs)
        calibration, report[domain] = fit_domain(
            probs[mask],
            rules[mask],
            y[mask],
            groups[mask].tolist(),
            trust=model_weight if domain == IMPORTED else None,
        )
        report[domain]["trust"] = calibration.trust
        rows.append(calibration.as_row())
    return np.array(rows), report


def _flatten_trees(model: HistGradientBoostingClassifier) -> dict[str, np.ndarray]:
    """The fitted trees as node arrays (all trees' nodes in one run); a leaf points to itself, so
    walking every tree the maximal depth times ends on each sample's leaf."""
    nodes = [predictors[0].nodes for predictors in model._predictors]
    sizes = [len(n) for n in nodes]
    roots = np.cumsum([0, *sizes[:-1]])
    flat = np.concatenate(nodes)
    leaf = flat["is_leaf"].astype(bool)
    own = np.arange(len(flat))
    offset = np.repeat(roots, sizes)
    return {
        "tree_roots": roots.astype(np.int32),
        "tree_feature": np.where(leaf, 0, flat["feature_idx"]).astype(np.int32),
        "tree_threshold": np.where(leaf, np.inf, flat["num_threshold"]),
        "tree_left": np.where(leaf, own, flat["left"] + offset).astype(np.int32),
        "tree_right": np.where(leaf, own, flat["right"] + offset).astype(np.int32),
        "tree_value": flat["value"],
        # the baseline log-odds and the maximal depth
        "tree_bias": np.array([model._baseline_prediction[0, 0], flat["depth"].max()]),
    }


def _tree_scores(a: dict[str, np.ndarray], dense: np.ndarray) -> np.ndarray:
    """Raw (log-odds) score of the flattened trees for each row of dense, all trees at once."""
    bias, depth = a["tree_bias"]
    node = np.broadcast_to(a["tree_roots"], (len(dense), len(a["tree_roots"])))
    rows = np.arange(len(dense))[:, None]
    for _ in range(int(depth)):
        go_left = dense[rows, a["tree_feature"][node]] <= a["tree_threshold"][node]
        node = np.where(go_left, a["tree_left"][node], a["tree_right"][node])
    return a["tree_value"][node].sum(axis=1) + bias


def _idf(counts: sp.spmatrix) -> np.ndarray:
    """Smoothed IDF as scikit-learn's TfidfTransformer computes it."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)


def _tfidf(counts: sp.spmatrix, idf: np.ndarray) -> sp.csr_matrix:
    counts = counts.tocsr().astype(np.float64)
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]  # sublinear tf
    return normalize(counts)


def _context_counts(items: list[SentenceInput], words: sp.csr_matrix) -> sp.csr_matrix:
    """Word counts of the previous plus the next sentence. Neighbours are usually in the batch
    already, so their hashed rows are reused instead of hashing the text again."""
    row_of = {item.text: i for i, item in enumerate(items)}
    missing: dict[str, int] = {}
    rows, cols = [], []
    for i, item in enumerate(items):
        for neighbour in (item.previous, item.next):
            if not neighbour:
                continue
            if neighbour not in row_of and neighbour not in missing:
                missing[neighbour] = len(items) + len(missing)
            rows.append(i)
            cols.append(row_of.get(neighbour, missing.get(neighbour)))
    pool = sp.vstack([words, word_ngram_counts(list(missing))]) if missing else words
    select = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(items), pool.shape[0]))
    return select @ pool


def _dense(
    items: list[SentenceInput],
    reasons: list[dict] | None = None,
    signal_values: list[list[float]] | None = None,
) -> np.ndarray:
    """Rule signals plus speaker role: how often the speaker asks questions in the document and
    what share of the document is theirs (moderators ask, candidates claim)."""
    if signal_values is None:
        if reasons is None:
            reasons = [extract_reasons(item.text) for item in items]
        signal_values = [signals(item.text, r) for item, r in zip(items, reasons, strict=True)]
    question = [s[_QUESTION] for s in signal_values]
    per_speaker: dict[tuple, list[int]] = defaultdict(list)
    per_document: dict[str | None, int] = defaultdict(int)
    for i, item in enumerate(items):
        per_speaker[(item.document, item.speaker)].append(i)
        per_document[item.document] += 1
    role = np.zeros((len(items), 3))
    for (document, speaker), rows in per_speaker.items():
        if speaker is None:
            role[rows, 2] = 1.0
            continue
        role[rows, 0] = sum(question[i] for i in rows) / len(rows)
        role[rows, 1] = len(rows) / per_document[document]
    return np.hstack([np.array(signal_values, dtype=np.float64), role])
