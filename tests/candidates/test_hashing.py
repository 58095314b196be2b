"""Hashed n-gram counts: what the learned scorer sees of a sentence's words and characters."""

import re
import subprocess
import sys

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from annotations.candidates.hashing import CHAR_NGRAM_SIZES, char_ngram_counts, word_ngram_counts

SENTENCES = [
    "Russia has amassed 150,000 troops near Ukraine's border, U.S. officials said.",
    "I think that's wrong.",
    "",
    "Ça coûte 5 € — «très cher»!",
]


def _expected_word_total(text: str) -> int:
    words = re.findall(r"\w+", text.lower())
    return len(words) + max(len(words) - 1, 0)


def _expected_char_total(text: str) -> int:
    # White space folded to single spaces (NUL separates texts inside, so it counts as a space).
    padded = " " + " ".join(text.lower().replace("\0", " ").split()) + " "
    return sum(max(len(padded) - n + 1, 0) for n in CHAR_NGRAM_SIZES)


@given(st.lists(st.text(max_size=80), max_size=8))
def test_every_word_pair_and_character_ngram_is_counted_once(texts):
    words, chars = word_ngram_counts(texts), char_ngram_counts(texts)
    assert words.shape[0] == chars.shape[0] == len(texts)
    assert words.sum(axis=1).A1.tolist() == [_expected_word_total(t) for t in texts]
    assert chars.sum(axis=1).A1.tolist() == [_expected_char_total(t) for t in texts]


def test_counts_ignore_case_and_spacing_but_not_word_order():
    words = word_ngram_counts(
        ["Tax cuts  for the rich", "TAX CUTS for the rich", "cuts tax for the rich"]
    )
    chars = char_ngram_counts(["Tax cuts  for the rich", "TAX CUTS for the rich"])
    assert (words[0] != words[1]).nnz == 0
    assert (chars[0] != chars[1]).nnz == 0
    assert (words[0] != words[2]).nnz > 0  # same words, other pairs
    assert words[0].multiply(words[2]).nnz >= 5  # the five words themselves are shared


def test_a_sentence_counts_the_same_alone_or_in_any_batch():
    alone = sp.vstack([word_ngram_counts([t]) for t in SENTENCES])
    assert (word_ngram_counts(SENTENCES) != alone).nnz == 0
    alone = sp.vstack([char_ngram_counts([t]) for t in SENTENCES])
    assert (char_ngram_counts(SENTENCES) != alone).nnz == 0


def test_batches_too_large_for_32_bit_keys_count_the_same():
    many = SENTENCES * 5000  # 20,000 rows: the combined sort keys no longer fit in 32 bits
    big = char_ngram_counts(many)
    assert (big[-len(SENTENCES) :] != char_ngram_counts(SENTENCES)).nnz == 0
    assert big.sum() == 5000 * char_ngram_counts(SENTENCES).sum()


def test_columns_are_the_same_in_another_process():
    """A model trained in one worker is used by others: the hashing must not depend on the
    process (Python's own str hash is salted per process)."""
    code = (
        "import sys, json; from annotations.candidates.hashing import *; "
        "t = json.loads(sys.argv[1]); "
        "print(word_ngram_counts(t).indices.tolist(), char_ngram_counts(t).indices.tolist())"
    )
    import json

    runs = {
        subprocess.run(
            [sys.executable, "-c", code, json.dumps(SENTENCES)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": "."},
        ).stdout
        for seed in ("1", "2")
    }
    here = f"{word_ngram_counts(SENTENCES).indices.tolist()} "
    here += f"{char_ngram_counts(SENTENCES).indices.tolist()}\n"
    assert runs == {here}
    assert np.unique(word_ngram_counts(SENTENCES).indices).size > 10
