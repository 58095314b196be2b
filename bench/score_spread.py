"""How candidate scores spread on news: the seed article and generated news-like articles, scored
as the server scores its articles, with the rules alone and after training on CheckThat!.

    python bench/score_spread.py ../shared/checkthat              # rules; train; train + dev
    python bench/score_spread.py ../shared/checkthat --trust 0 0.1 0.3 0.5 0.93

For each detector: the seed's scores (quartiles, inter-quartile range, how many of its sentences
score 0.7 or more, where its "false flag" sentences rank, its five first sentences) and the same
figures over the generated articles. --trust also scores the news with other trusts in the
model (the stored one is what training chose: the rules alone until reviewers label news).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.candidates.model import ClaimModel  # noqa: E402
from annotations.candidates.scoring import (  # noqa: E402
    DOMAINS,
    NEWS,
    SentenceInput,
    score_sentences,
)
from annotations.corpus.seedfile import parse_seed_file  # noqa: E402
from annotations.corpus.segmenter import split_sentences  # noqa: E402
from bench.checkthat_eval import load_documents, train  # noqa: E402
from bench.generate import articles  # noqa: E402

SEED = ROOT / "seeds" / "000_8b43fa19184383b1.txt"
BAR = 0.7


def news_inputs(name: str, data: bytes) -> list[SentenceInput]:
    """An article's sentences as precompute scores them: with their neighbours, as news."""
    texts = [span.text for span in split_sentences(parse_seed_file(name, data).body)]
    return [
        SentenceInput(
            text=text,
            previous=texts[i - 1] if i else None,
            next=texts[i + 1] if i + 1 < len(texts) else None,
            document=name,
            domain=NEWS,
        )
        for i, text in enumerate(texts)
    ]


def with_news_trust(model: ClaimModel, trust: float) -> ClaimModel:
    """The model with another trust on news, uncalibrated there (as with no news labels)."""
    calibration = model.arrays["calibration"].copy()
    calibration[DOMAINS.index(NEWS)] = [trust, 1.0, 0.0]
    return ClaimModel({**model.arrays, "calibration": calibration}, model.meta)


def spread(scores: list[float]) -> str:
    q1, median, q3 = np.percentile(scores, [25, 50, 75])
    passing = sum(s >= BAR for s in scores)
    return (
        f"min {min(scores):.3f}  q1 {q1:.3f}  median {median:.3f}  q3 {q3:.3f}  "
        f"max {max(scores):.3f}  IQR {q3 - q1:.3f}  >= {BAR}: {passing} of {len(scores)}"
    )


def report(title: str, model: ClaimModel | None, seed, generated) -> None:
    print(title, flush=True)
    results = score_sentences(seed, model)
    scores = [r.score for r in results]
    order = sorted(range(len(seed)), key=lambda i: -scores[i])
    rank = {i: position + 1 for position, i in enumerate(order)}
    false_flag = [rank[i] for i, r in enumerate(results) if r.suggested_label == "false_flag"]
    print(f"  seed       {spread(scores)}")
    print(f"  seed       false-flag sentences rank {false_flag}; first five:")
    for i in order[:5]:
        label = results[i].suggested_label or "-"
        print(f"    {scores[i]:.3f} {label:10s} #{i + 1} {seed[i].text[:70]}")
    generated_scores = [r.score for document in generated for r in score_sentences(document, model)]
    print(f"  generated  {spread(generated_scores)}  ({len(generated)} articles)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with train/ and dev/ of CheckThat TSVs")
    parser.add_argument("--articles", type=int, default=50, help="generated articles")
    parser.add_argument("--trust", type=float, nargs="*", default=[], help="news trusts to try")
    args = parser.parse_args()
    seed = news_inputs(SEED.name, SEED.read_bytes())
    generated = [news_inputs(name, data) for name, data in articles(args.articles)]
    report("rules alone", None, seed, generated)
    train_docs = load_documents(args.data / "train")
    dev_docs = load_documents(args.data / "dev")
    for title, documents in (("train", train_docs), ("train + dev", {**train_docs, **dev_docs})):
        model = train(documents)
        news_trust = model.meta["calibration"][NEWS]["trust"]
        report(f"trained on CheckThat! {title} (news trust {news_trust})", model, seed, generated)
        for trust in args.trust:
            report(f"  ... with news trust {trust}", with_news_trust(model, trust), seed, generated)


if __name__ == "__main__":
    main()
