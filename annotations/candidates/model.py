"""Learned claim scorer: logistic regression over TF-IDF n-grams, context and rule signals.

Text is hashed (hashing.py), so the model is only arrays (IDF weights, coefficients) and
serialises to a numpy archive without pickle, independent of the scikit-learn version.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from .features import SIGNAL_NAMES, extract_reasons, signals
from .hashing import char_ngram_counts, word_ngram_counts
from .scoring import SentenceInput

FORMAT = 3  # 3: words and characters hashed by the functions in hashing.py
_QUESTION = SIGNAL_NAMES.index("question")


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
        encoder: str | None = None,
        embedding_weight: float = 0.5,
    ) -> ClaimModel:
        """Fit on (sentence, 0/1 check-worthy) pairs; weights were chosen by leave-transcripts-out
        cross-validation on CheckThat training data. encoder="minilm" adds sentence embeddings
        (optional dependencies, see embeddings.py); predictions then need them too."""
        items = [item for item, _ in examples]
        y = np.array([int(label) for _, label in examples])
        if len(set(y)) < 2:
            raise ValueError("training needs both check-worthy (1) and other (0) examples")
        texts = [item.text for item in items]
        words, chars = word_ngram_counts(texts), char_ngram_counts(texts)
        dense = _dense(items)
        mean, scale = dense.mean(axis=0), dense.std(axis=0)
        scale[scale == 0] = 1.0
        arrays = {
            "word_idf": _idf(words),
            "char_idf": _idf(chars),
            "dense_mean": mean,
            "dense_scale": scale,
            "weights": np.array([context_weight, dense_weight, embedding_weight]),
        }
        params = {"C": C, "context_weight": context_weight, "dense_weight": dense_weight}
        if encoder:
            params.update(encoder=encoder, embedding_weight=embedding_weight)
        model = cls(arrays, {"params": params})
        X = sp.hstack(model._blocks(items, words, chars, dense), format="csr")
        lr = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000)
        lr.fit(X, y)
        arrays["coef"] = lr.coef_[0].astype(np.float32)
        arrays["intercept"] = lr.intercept_.astype(np.float64)
        digest = hashlib.sha1(arrays["coef"].tobytes()).hexdigest()[:10]
        model.meta.update(
            {
                "format": FORMAT,
                "version": f"claimlr-{FORMAT}-{digest}",
                "n_examples": len(y),
                "n_positive": int(y.sum()),
                "n_documents": len({item.document for item in items}),
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
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
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def _blocks(
        self, items: list[SentenceInput], words: sp.spmatrix, chars: sp.spmatrix, dense: np.ndarray
    ) -> list[sp.csr_matrix]:
        """The feature blocks, in coefficient order."""
        a = self.arrays
        context_weight, dense_weight, embedding_weight = a["weights"]
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
                if meta.get("format") != FORMAT:
                    raise ValueError(f"ClaimModel format {meta.get('format')!r}, expected {FORMAT}")
                arrays = {name: archive[name] for name in archive.files if name != "meta"}
        except (OSError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a saved ClaimModel: {exc}") from None
        return cls(arrays, meta)


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
