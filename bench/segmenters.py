"""Compare sentence segmenters, in one run: the English golden rules and speed on the seed article.

Golden rules: the 48 English cases pySBD publishes (bench/data/golden_rules_en.toml); a case
passes when the segmenter returns exactly the expected sentence list (white space around each
sentence trimmed). Speed: sentences/s over the seed article's paragraphs, best of REPEATS runs,
and the ratio to pySBD.

.venv/bin/pip install -r bench/requirements.txt && .venv/bin/python bench/segmenters.py
"""

import sys
import time
import tomllib
from pathlib import Path

import pysbd
import sentencex
import syntok.segmenter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.corpus.seedfile import parse_seed_file  # noqa: E402
from annotations.corpus.segmenter import LANGUAGE, split_sentences  # noqa: E402

GOLDEN_RULES = ROOT / "bench" / "data" / "golden_rules_en.toml"
SEED = ROOT / "seeds" / "000_8b43fa19184383b1.txt"
ROUNDS = 50
REPEATS = 3

PYSBD = pysbd.Segmenter(language="en", clean=False, char_span=True)


def ours(text: str) -> list[str]:
    return [span.text for span in split_sentences(text)]


def sentencex_alone(text: str) -> list[str]:
    return [b["text"] for b in sentencex.get_sentence_boundaries(LANGUAGE, text)]


def pysbd_split(text: str) -> list[str]:
    return [span.sent for span in PYSBD.segment(text)]


def syntok_split(text: str) -> list[str]:
    return [
        "".join(token.spacing + token.value for token in sentence)
        for paragraph in syntok.segmenter.analyze(text)
        for sentence in paragraph
    ]


SEGMENTERS = {
    "ours (sentencex + rules)": ours,
    "sentencex alone": sentencex_alone,
    "pysbd": pysbd_split,
    "syntok": syntok_split,
}


def sentences(split, text: str) -> list[str]:
    return [sentence.strip() for sentence in split(text) if sentence.strip()]


def golden_rule_failures(split, cases: list[dict]) -> list[str]:
    return [case["text"] for case in cases if sentences(split, case["text"]) != case["sentences"]]


def rate(split, paragraphs: list[str]) -> tuple[int, float]:
    """Sentences in the seed article and the best sentences/s over REPEATS runs."""
    count = sum(len(sentences(split, paragraph)) for paragraph in paragraphs)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for paragraph in paragraphs:
                split(paragraph)
        best = min(best, time.perf_counter() - started)
    return count, ROUNDS * count / best


def main() -> None:
    cases = tomllib.loads(GOLDEN_RULES.read_text(encoding="utf-8"))["case"]
    paragraphs = parse_seed_file(SEED.name, SEED.read_bytes()).body.split("\n")
    results = {
        name: (golden_rule_failures(split, cases), *rate(split, paragraphs))
        for name, split in SEGMENTERS.items()
    }
    pysbd_rate = results["pysbd"][2]
    print(f"golden rules: {len(cases)} English cases ({GOLDEN_RULES.relative_to(ROOT)})")
    print(f"speed: {SEED.name}, {len(paragraphs)} paragraphs, best of {REPEATS} x {ROUNDS} rounds")
    print()
    print(f"{'segmenter':<26} {'golden rules':>12} {'seed':>5} {'sentences/s':>12} {'x pySBD':>8}")
    for name, (failures, count, speed) in results.items():
        passed = f"{len(cases) - len(failures)}/{len(cases)}"
        ratio = speed / pysbd_rate
        print(f"{name:<26} {passed:>12} {count:>5} {speed:>12,.0f} {ratio:>8.1f}")
    for name, (failures, _, _) in results.items():
        for text in failures:
            print(f"{name} fails: {text[:70]!r}")


if __name__ == "__main__":
    main()
