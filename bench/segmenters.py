"""Compare sentence segmenters on the seed article: sentences found and sentences/s.

.venv/bin/pip install -r bench/requirements.txt && .venv/bin/python bench/segmenters.py
"""

import sys
import time
from pathlib import Path

import pysbd
import syntok.segmenter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.corpus.seedfile import parse_seed_file  # noqa: E402
from annotations.corpus.segmenter import split_sentences  # noqa: E402

ROUNDS = 50


PYSBD = pysbd.Segmenter(language="en", clean=False, char_span=True)


def pysbd_split(paragraph: str):
    return PYSBD.segment(paragraph)


def syntok_split(paragraph: str):
    return [sentence for part in syntok.segmenter.analyze(paragraph) for sentence in part]


def main() -> None:
    seed = ROOT / "seeds" / "000_8b43fa19184383b1.txt"
    paragraphs = parse_seed_file(seed.name, seed.read_bytes()).body.split("\n")
    for name, split in (
        ("sentencex (ours)", split_sentences),
        ("pysbd", pysbd_split),
        ("syntok", syntok_split),
    ):
        count = sum(len(split(p)) for p in paragraphs)
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for paragraph in paragraphs:
                split(paragraph)
        rate = ROUNDS * count / (time.perf_counter() - started)
        print(f"{name:>18}: {count} sentences, {rate:10,.0f} sentences/s")


if __name__ == "__main__":
    main()
