"""Sentences per second of score_sentences (rules + model) in one process.

    python bench/candidates_speed.py [--repeat 20]

Trains a model on the bundled CheckThat sample (tests/data/checkthat_sample), then scores its
sentences, with their neighbours and speakers, in batches as the server does for a document.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checkthat_eval import load_documents  # noqa: E402

from annotations.candidates.model import ClaimModel  # noqa: E402
from annotations.candidates.scoring import score_sentences  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over the sample")
    parser.add_argument("--batch", type=int, default=1000, help="sentences per call")
    args = parser.parse_args()
    documents = load_documents(ROOT / "tests" / "data" / "checkthat_sample")
    pairs = [pair for doc in documents.values() for pair in doc]
    model = ClaimModel.train(pairs)
    items = [item for item, _ in pairs] * args.repeat
    batches = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
    for mode, m in (("rules only", None), ("rules+model", model)):
        started = time.perf_counter()
        for batch in batches:
            score_sentences(batch, m)
        elapsed = time.perf_counter() - started
        print(f"{mode:12s} {len(items) / elapsed:8.0f} sentences/s ({len(items)} sentences)")


if __name__ == "__main__":
    main()
