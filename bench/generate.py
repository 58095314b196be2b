"""Realistic generated seed-format articles for benchmarks: ~20 sentences in ~8 paragraphs."""

import random

SUBJECTS = [
    "Kremlin spokesman Dmitry Peskov",
    "U.S. intelligence officials",
    "The Organization for Security and Cooperation in Europe",
    "Gen. Mark Milley",
    "White House press secretary Jen Psaki",
    "Ukraine's Ministry of Defense",
    "A source close to the government",
    "Western nations",
]
VERBS = ["said", "told reporters", "claimed", "confirmed", "warned", "denied"]
CLAUSES = [
    "that around {n:,} explosions were recorded in the region on Friday",
    "that {n:,} residents fled across the border on Monday",
    'that the move was a "false flag" operation meant to create a pretext for war',
    "that troops would act as peacekeepers in the breakaway regions",
    "the state of emergency would last {d} days, starting Thursday",
    "that sanctions against Mr. Putin's allies would follow within {d} hours",
    "that the Jan. 5 talks ended without agreement",
    "that casualties rose by 3.5 percent compared with last week",
]
TAILS = ["", ", the Associated Press reported", ", Reuters reported", ", CNBC reported"]
QUESTIONS = ["Is the pressure working?", "What happens next?", "Will the talks resume?"]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(QUESTIONS)
    clause = rng.choice(CLAUSES).format(n=rng.randint(10, 900_000), d=rng.randint(2, 90))
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {clause}{rng.choice(TAILS)}."


def article(number: int, rng: random.Random, sentences: int = 20) -> bytes:
    body = []
    remaining = sentences
    while remaining:
        size = min(remaining, rng.randint(1, 4))
        body.append(" ".join(sentence(rng) for _ in range(size)))
        remaining -= size
    lines = [
        f"Generated article {number}: tensions rise in eastern Ukraine",
        f"2022{rng.randint(1, 12):02}{rng.randint(1, 28):02}",
        f"https://news.example.org/{number}",
        *body,
    ]
    return ("\n".join(lines) + "\n").encode()


def articles(count: int, seed: int = 1) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    return [(f"generated-{number:05}.txt", article(number, rng)) for number in range(count)]
