"""Server time of the moderation queue (10,000 pending labels over 2,000 articles) and of a
moderation action, through a real gunicorn process.

    python bench/moderation_queue.py [--requests 100]

Uses DATABASE_URL (default: a throwaway database factcheck_bench on 127.0.0.1), DEBUG off, and
VACUUM ANALYZE after loading. Targets: queue page <= 80 ms median, action <= 20 ms median.
"""

import argparse
import gc
import itertools
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import use_web_bench_defaults, vacuum_analyze  # noqa: E402

use_web_bench_defaults()

ARTICLES = 2_000
PENDING = 10_000
REVIEWERS = 10
DISAGREE = 0.3  # share of doubly labelled sentences whose two labels differ
PREFIX = "bench-moderation-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each kind")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from annotations.review.models import Annotation
    from bench.load_articles import create_database_if_missing
    from bench.review_ui import report, start_server

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    cleanup()

    reviewers, moderator = load()
    server, client = start_server(moderator)
    headers = {"X-CSRFToken": client.cookies["csrftoken"], "HX-Request": "true"}
    queue = reverse("annotations:moderation_queue")
    pending = iter(
        Annotation.objects.filter(reviewer__username__startswith=PREFIX)
        .order_by("pk")
        .values_list("pk", "sentence_id", "version")
    )
    decisions = itertools.cycle(["approve", "reject"])

    def page(query):
        def get():
            response = client.get(f"{queue}?{query}")
            assert response.status_code == 200, response.status_code

        return get

    decide = reverse("annotations:moderation_decide")

    def act():
        pk, sentence, version = next(pending)
        decision = next(decisions)
        data = {
            "sentence": sentence,
            "annotation": pk,
            "decision": decision,
            "expected_version": version,
            "reason": "Bench reason" if decision == "reject" else "",
        }
        response = client.post(decide, data=data, headers=headers)
        assert response.status_code == 200, response.content[:300]

    gc.collect()
    gc.freeze()
    for name, call, target in (
        ("contested, page 1", page("tab=contested"), 80),
        ("pending, page 1", page("tab=pending"), 80),
        ("pending, page 100", page("tab=pending&page=100"), 80),
        ("one reviewer's pending", page(f"tab=pending&reviewer={reviewers[0].pk}"), 80),
        ("action (approve/reject)", act, 20),
        ("recently decided, page 1", page("tab=decided"), 80),
    ):
        for _ in range(5):
            call()  # warm-up: connections, template and model caches
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        report(name, timings, target, width=26)
    server.terminate()
    server.wait()
    cleanup()


def load():
    """2,000 generated articles with candidates, 10,000 pending labels: every chosen sentence
    labelled by two reviewers, who disagree on 30% of them. Returns (reviewers, moderator)."""
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from annotations.corpus.models import Article
    from annotations.corpus.services import ingest_files
    from annotations.detection.services import precompute_articles
    from annotations.labels import Label
    from annotations.review.models import Annotation
    from annotations.review.services import retally
    from annotations.roles import MODERATORS_GROUP, REVIEWERS_GROUP
    from bench.generate import article

    rng = random.Random(11)
    started = time.perf_counter()
    files = [
        (
            f"{PREFIX}{n}.txt",
            article(n, rng).replace(b"news.example.org", b"moderation.example.org"),
        )
        for n in range(ARTICLES)
    ]
    ids = [o.article_id for o in ingest_files(files) if o.article_id]
    precompute_articles(ids)
    reviewers = [User.objects.create_user(f"{PREFIX}{n}") for n in range(REVIEWERS)]
    Group.objects.get(name=REVIEWERS_GROUP).user_set.add(*reviewers)
    moderator = User.objects.create_user(f"{PREFIX}moderator")
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    sentence_ids = list(
        Article.objects.filter(pk__in=ids).values_list("sentences", flat=True).order_by("?")
    )[: PENDING // 2]
    labels = list(Label.values)
    rows = []
    for sentence_id in sentence_ids:
        first, second = rng.sample(reviewers, 2)
        label = rng.choice(labels)
        other = rng.choice([v for v in labels if v != label]) if rng.random() < DISAGREE else label
        rows += [
            Annotation(sentence_id=sentence_id, reviewer=first, label=label),
            Annotation(sentence_id=sentence_id, reviewer=second, label=other),
        ]
    Annotation.objects.bulk_create(rows, batch_size=2_000)
    with transaction.atomic():
        retally(sentence_ids)  # as the services do for each label they write
    vacuum_analyze()  # autovacuum may be off: measure with fresh statistics and no dead rows
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"loaded {len(ids)} articles, {len(rows)} pending labels by {REVIEWERS} reviewers "
        f"in {time.perf_counter() - started:.0f} s"
    )

    return reviewers, moderator


def cleanup() -> None:
    """Remove what an earlier run left (users are protected while they have labels)."""
    from django.contrib.auth.models import User

    from annotations.corpus.models import Article
    from annotations.review.models import Annotation, History

    History.objects.filter(actor__username__startswith=PREFIX).delete()
    Article.objects.filter(source_name__startswith=PREFIX).delete()
    Annotation.objects.filter(reviewer__username__startswith=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
