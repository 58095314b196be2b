"""Hashed n-gram counts for a whole batch of texts at once, in numpy.

A per-text Python analyzer (scikit-learn's HashingVectorizer) took most of the scoring time;
these functions compute every text's n-grams with a few array operations instead. The hashes
are stable across processes and machines (unlike Python's hash()), so a saved model keeps its
meaning. uint64 arithmetic wraps around on purpose.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

_FEATURE_BITS = 18
N_FEATURES = 2**_FEATURE_BITS
CHAR_NGRAM_SIZES = range(2, 6)
_MULTIPLIER = np.uint64(1_000_003)
_WORD = re.compile(r"\w+")  # scikit-learn's (?u)\b\w+\b: one-letter words ("I", "a") count
_TEXT_END, _WORD_END = "\n", " "  # neither is a word character


def char_ngram_counts(texts: list[str]) -> sp.csr_matrix:
    """Counts of each text's character 2- to 5-grams (lowercased, white space folded to single
    spaces, a space at both ends)."""
    if not texts:
        return sp.csr_matrix((0, N_FEATURES))
    # NUL separates the texts, so a NUL inside one counts as white space.
    joined = "\0".join(
        " " + " ".join(text.lower().replace("\0", " ").split()) + " " for text in texts
    )
    codes = _codes(joined)
    text_of = np.cumsum(codes == 0)  # the row of each position (a separator starts the next)
    rows, cols = [], []
    hashes = codes.copy()  # hashes[i]: the n-gram starting at i, for the current n
    with np.errstate(over="ignore"):
        for n in range(2, max(CHAR_NGRAM_SIZES) + 1):
            length = len(codes) - n + 1
            if length <= 0:
                break
            hashes = hashes[:length] * _MULTIPLIER + codes[n - 1 :]
            if n not in CHAR_NGRAM_SIZES:
                continue
            inside = (text_of[:length] == text_of[n - 1 :]) & (codes[:length] != 0)
            rows.append(text_of[:length][inside])
            cols.append(_feature(hashes[inside], salt=n))
    return _count_matrix(np.concatenate(rows), np.concatenate(cols), len(texts))


def word_ngram_counts(texts: list[str]) -> sp.csr_matrix:
    """Counts of each text's words and word pairs (lowercased runs of word characters)."""
    joined = _TEXT_END.join(_WORD_END.join(_WORD.findall(text.lower())) for text in texts)
    codes = _codes(joined)
    if not len(codes):
        return _count_matrix(np.array([], np.int64), np.array([], np.int64), len(texts))
    boundary = (codes == ord(_WORD_END)) | (codes == ord(_TEXT_END))
    is_start = ~boundary & np.r_[True, boundary[:-1]]
    starts = np.flatnonzero(is_start)
    position = np.arange(len(codes))
    in_word = position - np.maximum.accumulate(np.where(is_start, position, 0))
    # Each word's hash: the sum of code * MULTIPLIER**(position in the word) over its letters.
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(in_word.max() + 1, _MULTIPLIER, dtype=np.uint64))
        powers = np.r_[np.uint64(1), powers[:-1]]
        terms = np.where(boundary, np.uint64(0), codes * powers[in_word])
        words = np.add.reduceat(terms, starts)
        row = np.cumsum(codes == ord(_TEXT_END))[starts]
        pair = row[:-1] == row[1:]
        pairs = words[:-1][pair] * _MULTIPLIER + words[1:][pair]
    rows = np.concatenate([row, row[:-1][pair]])
    cols = np.concatenate([_feature(words, salt=1), _feature(pairs, salt=2)])
    return _count_matrix(rows, cols, len(texts))


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _feature(hashes: np.ndarray, salt: int) -> np.ndarray:
    """Column of each hash, salted by n-gram kind: the top bits of a multiplicative (Fibonacci)
    hash, which depend on every bit of the input, unlike the low bits a modulo keeps."""
    with np.errstate(over="ignore"):
        mixed = (hashes + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    return (mixed >> np.uint64(64 - _FEATURE_BITS)).astype(np.int64)


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """CSR matrix counting each (row, column) pair, built from one sort of combined keys:
    cheaper than letting scipy sum duplicates, twice so when the keys fit in 32 bits."""
    key_type = np.uint32 if n_rows <= 2**32 // N_FEATURES else np.int64
    keys = np.sort(rows.astype(key_type) * key_type(N_FEATURES) + cols.astype(key_type))
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
    counts = np.diff(np.r_[first, len(keys)]).astype(np.float64)
    unique = keys[first]
    indptr = np.r_[0, np.cumsum(np.bincount(unique // N_FEATURES, minlength=n_rows))]
    return sp.csr_matrix((counts, unique % N_FEATURES, indptr), shape=(n_rows, N_FEATURES))
