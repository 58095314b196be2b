"""Learned claim scorer: logistic regression over TF-IDF n-grams, context and rule signals.

Text is hashed (HashingVectorizer), so the model is only arrays (IDF weights, coefficients) and
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
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from .features import SIGNAL_NAMES, extract_reasons, signals
from .scoring import SentenceInput

FORMAT = 2  # 2: character n-grams hashed by char_ngram_counts()
_QUESTION = SIGNAL_NAMES.index("question")
N_FEATURES = 2**18
_WORDS = HashingVectorizer(
    ngram_range=(1, 2),
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    token_pattern=r"(?u)\b\w+\b",  # keep one-letter words: "I", "a" mark opinions and hedges
)
CHAR_NGRAM_SIZES = range(2, 6)
_HASH_MULTIPLIER = np.uint64(1_000_003)
_HASH_SALT = np.uint64(0x9E3779B97F4A7C15)


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
        words, chars = _WORDS.transform(texts), char_ngram_counts(texts)
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
        X = model._matrix(items, words, chars, dense)
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
        X = self._matrix(items, _WORDS.transform(texts), char_ngram_counts(texts), dense)
        z = X @ self.arrays["coef"].astype(np.float64) + self.arrays["intercept"][0]
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def _matrix(
        self, items: list[SentenceInput], words: sp.spmatrix, chars: sp.spmatrix, dense: np.ndarray
    ) -> sp.csr_matrix:
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
        return sp.hstack(blocks, format="csr")

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        meta = np.frombuffer(json.dumps(self.meta).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, meta=meta, **self.arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClaimModel:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError) as exc:
            raise ValueError(f"not a saved ClaimModel: {exc}") from None
        meta = json.loads(arrays.pop("meta").tobytes())
        if meta.get("format") != FORMAT:
            raise ValueError(f"ClaimModel format {meta.get('format')!r}, expected {FORMAT}")
        return cls(arrays, meta)


def char_ngram_counts(texts: list[str]) -> sp.csr_matrix:
    """Hashed counts of each text's character 2- to 5-grams (lowercased, white space folded to
    single spaces, a space at both ends), for the whole batch at once in numpy: scikit-learn's
    per-text Python analyzer took most of the scoring time."""
    joined = "\0".join(" " + " ".join(text.lower().split()) + " " for text in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    text_of = np.cumsum(codes == 0)  # the row of each position (a separator starts the next)
    rows, cols = [], []
    hashes = codes.copy()  # hashes[i]: the n-gram starting at i, for the current n
    with np.errstate(over="ignore"):  # the hash wraps around on purpose
        for n in range(2, max(CHAR_NGRAM_SIZES) + 1):
            length = len(codes) - n + 1
            hashes = hashes[:length] * _HASH_MULTIPLIER + codes[n - 1 :]
            if n not in CHAR_NGRAM_SIZES:
                continue
            inside = (text_of[:length] == text_of[n - 1 :]) & (codes[:length] != 0)
            rows.append(text_of[:length][inside])
            salted = hashes[inside] ^ (_HASH_SALT * np.uint64(n))
            cols.append((salted % np.uint64(N_FEATURES)).astype(np.int64))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(texts), N_FEATURES), dtype=np.float64
    )
    counts.sum_duplicates()
    return counts


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
    pool = sp.vstack([words, _WORDS.transform(list(missing))]) if missing else words
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
