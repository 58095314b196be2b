"""Reviewers labelling through the API at once, against gunicorn with several workers: label
writes per second next to the same server's ceiling for a trivial authenticated JSON request,
latencies, 5xx, and then whether every accepted write is in the database exactly once.

    python bench/load_api.py [--clients 50] [--seconds 30] [--rounds 1] [--workers 4]
                             [--articles 20]

Needs PostgreSQL and Redis on 127.0.0.1. Makes (and at each run remakes) its own database
(--database, default factcheck_loadapi) and uses a Redis database of its own for the cache,
where the throttle counts as in production (its write limit is raised so that it never refuses
a bench client). DEBUG off; tasks go to an in-memory broker (no worker is part of this bench).

Each client is a reviewer with an API token, in one asyncio loop of this process: first the
ceiling, GET /api/labels/ (the label vocabulary: authentication, throttle check and a JSON
answer) as fast as they can for --seconds; then label writes for --seconds: POST a label on a
sentence the reviewer has not labelled (half of the writes), PATCH one of their labels to
another with its version (three in ten), DELETE one (two in ten); then, for --seconds, writes
that change nothing: PATCH one of their labels with the label and version it has. Those go
through everything a write request does (authentication, throttle, lookup, transaction, row
locks, answer) and write nothing, so their rate bounds what a label write could reach however
little it kept up to date. With --rounds N the phases alternate N times, each --seconds long,
and each round's ratios are printed with their medians: a machine's drift (another process, a
worker recycled) then weighs on every side.
"""

import argparse
import asyncio
import functools
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.web_footprint import free_port, wait_for_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["sourced", "disputed", "false_flag", "not_claim"]
SENTENCE = "Officials said {n} people were hurt in Kyiv, according to Reuters."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--sentences", type=int, default=50, help="per article")
    parser.add_argument("--database", default="factcheck_loadapi")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    env = {
        **{k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DATABASE_URL": f"postgres://root@127.0.0.1:5432/{args.database}",
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": "memory://",
        "SECRET_KEY": "bench-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_WRITE": "1000000/minute",
    }
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", args.database])
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", args.database], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    import django

    django.setup()
    tokens, sentence_ids = make_reviewers_and_corpus(args)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application"]
        + ["--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base)
        ceiling, writes, unchanged, ratios, bounds = Outcome(), Outcome(), Outcome(), [], []

        def phase(work, outcome: Outcome, number: int) -> int:
            """Round `number`'s clients doing `work` for --seconds; how many were answered."""
            before = len(outcome.latencies)
            clients = run_clients(base, tokens, args.seconds, work, sentence_ids, outcome, number)
            asyncio.run(clients)
            return len(outcome.latencies) - before

        for round_number in range(args.rounds):
            reads = phase(read_only, ceiling, round_number)
            ratios.append(phase(label, writes, round_number) / max(reads, 1))
            same = functools.partial(same_label, labels=writes.expected)
            bounds.append(phase(same, unchanged, round_number) / max(reads, 1))
    finally:
        server.terminate()
        server.wait(timeout=30)
    seconds = args.seconds * args.rounds
    report("ceiling: GET /api/labels/", ceiling, seconds)
    report("label writes (POST/PATCH/DELETE)", writes, seconds)
    report("writes that change nothing (PATCH)", unchanged, seconds)
    if args.rounds > 1:
        print("each round, label writes: " + ", ".join(f"{ratio:.0%}" for ratio in ratios))
        print("each round, unchanged: " + ", ".join(f"{ratio:.0%}" for ratio in bounds))
    ratio = statistics.median(ratios)
    print(f"label writes at {ratio:.0%} of the ceiling (target >= 50%)")
    bound = statistics.median(bounds)
    print(f"writes that change nothing at {bound:.0%} of the ceiling (a label write's bound)")
    problems = check_database(writes.expected, writes.accepted)
    print("database check: " + ("every accepted write there exactly once" if not problems else ""))
    for problem in problems[:20]:
        print(f"  {problem}")
    if problems or writes.statuses_5xx or ceiling.statuses_5xx or unchanged.statuses_5xx:
        sys.exit(1)


def make_reviewers_and_corpus(args) -> tuple[list[str], list[int]]:
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from annotations.corpus.models import Sentence
    from annotations.corpus.services import ingest_files
    from annotations.roles import REVIEWERS_GROUP

    reviewers = Group.objects.get(name=REVIEWERS_GROUP)
    tokens = []
    for n in range(args.clients):
        user = User.objects.create_user(f"loadbench{n}", password=None)
        user.groups.add(reviewers)
        tokens.append(Token.objects.create(user=user).key)
    body = " ".join(SENTENCE.format(n=n) for n in range(args.sentences))
    files = [
        (f"a{n}.txt", f"Article {n}\n20220223\nhttps://example.com/{n}\n{body}\n".encode())
        for n in range(args.articles)
    ]
    list(ingest_files(files))
    return tokens, list(Sentence.objects.values_list("pk", flat=True))


class Outcome:
    """What one run of the clients saw: latencies of answered requests, statuses, and (for the
    writes) each reviewer's labels as the accepted writes left them."""

    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.expected: dict[str, dict[int, tuple[int, str, int]]] = {}
        self.accepted: Counter[str] = Counter()

    @property
    def statuses_5xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


async def run_clients(base, tokens, seconds, work, sentence_ids, outcome, round_number) -> None:
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(
            *(
                work(client, token, deadline, outcome, random.Random(n), sentence_ids)
                for n, token in enumerate(tokens, start=round_number * len(tokens))
            )
        )


async def timed(client, outcome, method, url, token, **kwargs) -> httpx.Response:
    started = time.perf_counter()
    headers = {"Authorization": f"Token {token}"}
    response = await client.request(method, url, headers=headers, **kwargs)
    outcome.latencies.append(time.perf_counter() - started)
    outcome.statuses[response.status_code] += 1
    return response


async def read_only(client, token, deadline, outcome, chance, sentence_ids) -> None:
    while time.monotonic() < deadline:
        await timed(client, outcome, "GET", "/api/labels/", token)


async def label(client, token, deadline, outcome, chance, sentence_ids) -> None:
    """One reviewer's writes; `mine` (sentence -> id, label, version) follows every accepted
    one, so the database must hold exactly that at the end."""
    mine = outcome.expected.setdefault(token, {})
    unlabelled = [sentence for sentence in sentence_ids if sentence not in mine]
    chance.shuffle(unlabelled)
    while time.monotonic() < deadline:
        roll = chance.random()
        if not mine or (roll < 0.5 and unlabelled):
            sentence = unlabelled.pop()
            value = chance.choice(LABELS)
            body = {"sentence": sentence, "label": value}
            response = await timed(client, outcome, "POST", "/api/annotations/", token, json=body)
            if response.status_code == 201:
                mine[sentence] = (response.json()["id"], value, response.json()["version"])
        else:
            sentence = chance.choice(list(mine))
            pk, current, version = mine[sentence]
            url = f"/api/annotations/{pk}/"
            if roll < 0.8:
                value = chance.choice([other for other in LABELS if other != current])
                body = {"label": value, "version": version}
                response = await timed(client, outcome, "PATCH", url, token, json=body)
                if response.status_code == 200:
                    mine[sentence] = (pk, value, response.json()["version"])
            else:
                response = await timed(client, outcome, "DELETE", url, token)
                if response.status_code == 204:
                    del mine[sentence]
                    unlabelled.append(sentence)
        if response.status_code < 300:
            outcome.accepted[token] += 1


async def same_label(client, token, deadline, outcome, chance, sentence_ids, labels) -> None:
    """PATCH one of the reviewer's labels with the label and version it has: nothing is written
    (no new version, no history), and the answer is 200."""
    mine = list(labels.get(token, {}).values())
    while mine and time.monotonic() < deadline:
        pk, value, version = chance.choice(mine)
        body = {"label": value, "version": version}
        await timed(client, outcome, "PATCH", f"/api/annotations/{pk}/", token, json=body)


def report(name: str, outcome: Outcome, seconds: float) -> None:
    answered = len(outcome.latencies)
    cuts = statistics.quantiles(outcome.latencies, n=100) if answered > 1 else [0.0] * 99
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(outcome.statuses.items()))
    print(
        f"{name}: {answered / seconds:.0f} requests/s over {seconds:g} s; "
        f"p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms, "
        f"p99 {cuts[98] * 1000:.1f} ms; "
        f"5xx: {outcome.statuses_5xx}; statuses {statuses}"
    )


def check_database(expected, accepted) -> list[str]:
    """Each reviewer's labels as the accepted writes left them, and one history entry per
    accepted write."""
    from rest_framework.authtoken.models import Token

    from annotations.review.models import Annotation, History

    problems = []
    for token, labels in expected.items():
        user = Token.objects.get(key=token).user
        stored = {
            sentence: (pk, value, version)
            for pk, sentence, value, version in Annotation.objects.filter(
                reviewer=user
            ).values_list("pk", "sentence_id", "label", "version")
        }
        if stored != labels:
            missing = set(labels.items()) - set(stored.items())
            extra = set(stored.items()) - set(labels.items())
            problems.append(
                f"{user}: missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]}"
            )
        entries = History.objects.filter(actor=user, subject=History.Subject.ANNOTATION).count()
        if entries != accepted[token]:
            problems.append(f"{user}: {accepted[token]} writes accepted, {entries} in the history")
    return problems


if __name__ == "__main__":
    main()
