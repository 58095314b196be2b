"""Server time of the review page (300 sentences, 10 reviewers' labels) and of the save action.

    python bench/review_ui.py [--requests 200]

Uses DATABASE_URL (default: a throwaway database factcheck_bench on 127.0.0.1), DEBUG off,
VACUUM ANALYZE after loading, and Django's test client, so the figures are the whole server side
(middleware, session, queries, template) without a network hop. Targets: page <= 80 ms median,
save <= 15 ms median.
"""

import argparse
import gc
import itertools
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.environment import use_web_bench_defaults, vacuum_analyze  # noqa: E402

use_web_bench_defaults()

SENTENCES = 300
REVIEWERS = 10
URL = "https://bench.example.org/review-ui"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind")
    parser.add_argument(
        "--server",
        action="store_true",
        help="time a real gunicorn process on 127.0.0.1 over HTTP instead of the test client",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from annotations.corpus.models import Sentence
    from annotations.corpus.services import ingest_files
    from annotations.detection.services import precompute_articles
    from annotations.labels import Label
    from annotations.review.models import Annotation
    from annotations.roles import give_role
    from bench.generate import article
    from bench.load_articles import create_database_if_missing

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    cleanup()

    rng = random.Random(4)
    data = article(0, rng, sentences=SENTENCES).replace(b"https://news.example.org/0", URL.encode())
    [outcome] = ingest_files([("bench-review-ui.txt", data)])
    precompute_articles([outcome.article_id])
    sentences = list(Sentence.objects.filter(article_id=outcome.article_id).order_by("index"))
    assert len(sentences) == SENTENCES, len(sentences)
    reviewers = [User.objects.create_user(f"bench-review-{n}") for n in range(REVIEWERS)]
    for reviewer in reviewers:
        give_role(reviewer, "reviewer")
    labels = [Label.SOURCED, Label.DISPUTED, Label.FALSE_FLAG, Label.NOT_CLAIM]
    Annotation.objects.bulk_create(
        Annotation(sentence=s, reviewer=r, label=rng.choice(labels))
        for s in sentences
        for r in reviewers
    )
    vacuum_analyze()

    page_url = reverse("annotations:article_detail", args=[outcome.article_id])
    save_url = reverse("annotations:annotation_save")
    versions = {a.sentence_id: a.version for a in reviewers[0].annotations.all()}
    positions = itertools.count()
    if args.server:
        server, client = start_server(reviewers[0])
        post_headers = {"X-CSRFToken": client.cookies["csrftoken"], "HX-Request": "true"}
    else:
        server, client = None, Client()
        client.force_login(reviewers[0])  # one of the ten: every sentence shows all counts
        post_headers = {"HX-Request": "true"}

    def get_page():
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code

    def save():
        sentence = sentences[next(positions) % SENTENCES]
        label = Label.SOURCED if versions[sentence.pk] % 2 else Label.DISPUTED
        data = {"sentence": sentence.pk, "label": label, "expected_version": versions[sentence.pk]}
        response = client.post(save_url, data=data, headers=post_headers)
        assert response.status_code == 200, response.content[:500]
        versions[sentence.pk] += 1

    # Move the setup's objects (thousands of rows built above) out of the collector's way: a
    # web worker does not carry them, and full collections over them would skew the p95.
    gc.collect()
    gc.freeze()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"article: {SENTENCES} sentences, {REVIEWERS} reviewers' labels on every sentence")
    for name, call, target in (
        ("review page", get_page, 80),
        ("save action", save, 15),
    ):
        for _ in range(10):
            call()  # warm-up: connections, template and model caches
        with CaptureQueriesContext(connection) as queries:
            call()
        query_count = len(queries)  # read now: every request clears the connection's log
        timings, cpu_timings = [], []
        for _ in range(args.requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            timings.append((time.perf_counter() - started) * 1000)
            cpu_timings.append((time.process_time() - cpu_started) * 1000)
        report(name, timings, target, width=12)
        if not server:  # the queries and CPU time of a server process are not seen from here
            # CPU time of this process alone: what the figures would be on an idle machine,
            # less the database's share.
            print(
                f"{'':>12}  {query_count} queries each, "
                f"CPU time median {statistics.median(cpu_timings):6.1f} ms"
            )
    if server:
        server.terminate()
        server.wait()
    cleanup()


def report(name: str, timings: list[float], target: float, width: int) -> None:
    """One line: the median and p95 of the timings (ms), and whether the median meets target."""
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    verdict = "met" if median <= target else "NOT met"
    print(
        f"{name:>{width}}: median {median:6.1f} ms, p95 {p95:6.1f} ms over {len(timings)} "
        f"requests (target median <= {target} ms: {verdict})"
    )


def start_server(user):
    """A gunicorn process (one sync worker) and an HTTP client logged in as user."""
    import httpx
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    port = 8765
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
    client.cookies.set(settings.SESSION_COOKIE_NAME, session.session_key)
    for _ in range(100):
        try:
            client.get("/healthz")
            break
        except httpx.TransportError:
            time.sleep(0.1)
    client.get("/")  # sets the CSRF cookie
    return server, client


def cleanup() -> None:
    """Remove what an earlier run left (users are protected while they have labels)."""
    from django.contrib.auth.models import User

    from annotations.corpus.models import Article
    from annotations.review.models import History

    History.objects.filter(actor__username__startswith="bench-review-").delete()
    Article.objects.filter(url=URL).delete()
    User.objects.filter(username__startswith="bench-review-").delete()


if __name__ == "__main__":
    main()
