"""Scale: the reviewer's pages and API lists at N articles, through a real gunicorn.

    python bench/scale.py [--articles 10000,100000] [--long-sentences 50000] [--requests 20]
                          [--stale] [--json figures.json] [--keep] [--reuse]

For each size, builds its own PostgreSQL database with COPY: N articles of 20 sentences (texts,
candidate scores and reasons from a pool of generated sentences scored by the detector's rules),
about one label per sentence from 10 reviewers (none, one or two on each), the sentence tallies,
the detector's score quantiles, and one more article of --long-sentences sentences; then
refresh_stored_figures() (with --stale: without ANALYZE) and the search index's split. It
starts gunicorn (factcheck.wsgi, DEBUG off, 3 workers, REDIS_URL), logs one of the reviewers in
through the login form and gets their API token, and prints the median and p95 of --requests
requests of each kind (after 2 warm-ups) with the size of the answer; then the ratio of each
median to the previous size's.

DATABASE_URL names the database (default factcheck_bench_scale on 127.0.0.1): it is created for
each size and dropped after it (--keep keeps the last one; --reuse times a kept one again, after
migrating and analysing it); a database holding anything but this benchmark's rows is refused.
REDIS_URL defaults to redis://127.0.0.1:6379/13; the tasks the label saves queue go to a queue
of their own, emptied at the end.
"""

import argparse
import html
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.copy_load import (  # noqa: E402
    chunks,
    copy_rows,
    copy_tallies,
    fresh_database,
    lines,
    refuse_foreign_data,
)
from bench.environment import use_database_bench_defaults  # noqa: E402

# For gunicorn only: read before the defaults keep this process off any broker.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
use_database_bench_defaults("factcheck_bench_scale")

SENTENCES_PER_ARTICLE = 20
SENTENCES_PER_PARAGRAPH = 3
POOL = 5_000  # generated sentences the texts are drawn from
REVIEWERS = 10
VOTES = (0.3, 0.4, 0.3)  # share of sentences with no, one and two labels: one a sentence overall
AGREE = 0.65  # chance the second reviewer gives the first one's label
WARM_UPS = 2
WORKERS = 3
QUEUE = "factcheck-bench-scale"
ONE_WORD = "reported"  # in about 3 sentences of 4
TWO_WORDS = "Peskov sanctions"  # both in about 1 sentence of 60
TABLES = ("annotations_article", "annotations_detectorversion", "auth_user")  # emptied
# What load() writes, and what --stale keeps autovacuum away from.
LOADED_TABLES = (
    "annotations_article",
    "annotations_sentence",
    "annotations_candidate",
    "annotations_annotation",
    "annotations_sentencetally",
)
URL_PREFIX = "https://bench-scale.example.org/"
USER_PREFIX = "bench-scale-"
PASSWORD = "bench-scale-pass-1"
# Where load() stages the pool, each sentence's place and each label, until it commits.
STAGING_TABLES = (
    "CREATE TEMPORARY TABLE bench_pool (id int PRIMARY KEY, text text, score float8, "
    "suggested text, reasons jsonb) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE bench_sentence (id bigint, article_id bigint, index int, start int, "
    "rank int, pool int) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE bench_annotation (sentence_id bigint, reviewer_id bigint, "
    "label text, claimant text) ON COMMIT DROP",
)
INSERT_SENTENCES = """
    INSERT INTO annotations_sentence (id, article_id, index, paragraph, start, "end", text)
    SELECT s.id, s.article_id, s.index, s.index / %s, s.start, s.start + length(p.text), p.text
    FROM bench_sentence s JOIN bench_pool p ON p.id = s.pool ORDER BY s.id
"""
# Each body is its sentences joined, as loading writes it; generated dates over ten years.
INSERT_ARTICLES = """
    INSERT INTO annotations_article (id, title, url, published_on, body, content_hash,
        source_name, precompute_status, precompute_error, locked, hidden, created_at)
    SELECT id, 'Bench article ' || id, %s || id, DATE '2016-01-01' + (id * 7919 %% 3650)::int,
           body, encode(sha256(convert_to(body, 'UTF8')), 'hex'), 'bench-scale', 'done', '',
           false, false, now()
    FROM (
        SELECT article_id AS id,
               string_agg(CASE WHEN index = 0 THEN '' WHEN index %% %s = 0 THEN E'\\n'
                               ELSE ' ' END || text, '' ORDER BY index) AS body
        FROM annotations_sentence GROUP BY article_id
    ) AS bodies
"""
INSERT_CANDIDATES = """
    INSERT INTO annotations_candidate (sentence_id, detector_version_id, score, suggested_label,
        reasons, rank)
    SELECT s.id, %s, p.score, p.suggested, p.reasons, s.rank
    FROM bench_sentence s JOIN bench_pool p ON p.id = s.pool ORDER BY s.id
"""
INSERT_ANNOTATIONS = """
    INSERT INTO annotations_annotation (sentence_id, reviewer_id, label, claimant, source_name,
        evidence_url, note, moderation_status, moderation_reason, version, created_at, updated_at)
    SELECT sentence_id, reviewer_id, label, claimant, '', '', '', 'pending', '', 1, %s, %s
    FROM bench_annotation
"""
NEXT_LINK = re.compile(r'<a\s[^>]*rel="next"[^>]*>')
HREF = re.compile(r'href="([^"]*)"')
LAST_LINK = re.compile(r'<a href="([^"]*)">Last</a>')
ASSIGNED = re.compile(r"/articles/(\d+)/\?at=\d+#s(\d+)$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--articles",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[10_000, 100_000],
        help="sizes, comma-separated; at least 1,000 each (the list's page 20 must exist)",
    )
    parser.add_argument("--long-sentences", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests of each kind")
    parser.add_argument(
        "--stale",
        action="store_true",
        help="no ANALYZE, and autovacuum off on the loaded tables: the planner's statistics as "
        "a bulk load leaves them",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the last size's database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the database an earlier run kept (one size): migrated and analysed, not "
        "built again",
    )
    args = parser.parse_args()
    if args.reuse and len(args.articles) > 1:
        parser.error("--reuse: one size only (the kept database's)")
    if min(args.articles) < 1_000:
        parser.error("--articles: each size must be at least 1,000")
    if args.requests < 2:
        parser.error("--requests: at least 2, for a p95")

    # Stopped with kill as with Ctrl-C: clean up (gunicorn, the database) on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    import django

    django.setup()
    sizes = []
    try:
        for articles in args.articles:
            sizes.append(run(articles, args))
    finally:
        empty_queue()
    by_pair = ratios(sizes)
    if by_pair:
        print_ratios(sizes, by_pair)
    if args.json:
        args.json.write_text(json.dumps({"sizes": sizes, "ratios": by_pair}, indent=2) + "\n")


def run(articles: int, args) -> dict:
    """Build the database for one size, serve it and time each kind of request; its figures."""
    from django.db import connection

    from bench.load_articles import drop_database

    if not args.reuse:
        fresh_database(TABLES, URL_PREFIX, USER_PREFIX)  # refuses one that holds anything else
        # Then a new one: no statistics, dead rows or leftovers of an earlier run.
        drop_database()
        fresh_database(TABLES, URL_PREFIX, USER_PREFIX)
    try:
        started = time.perf_counter()
        if args.reuse:
            figures = kept_database(articles, args.stale)
        else:
            figures = load(articles, args.long_sentences, args.stale)
        refresh_stored_figures(args.stale, recount=not args.reuse)
        figures["build_seconds"] = round(time.perf_counter() - started, 1)
        print(
            f"\n{connection.settings_dict['NAME']}: {articles:,} articles, "
            f"{figures['sentences']:,} sentences (one article of {args.long_sentences:,}), "
            f"{figures['annotations']:,} annotations; "
            f"{'migrated and analysed' if args.reuse else 'built'} in {figures['build_seconds']} s"
            f"{', statistics stale' if args.stale else ''}"
        )
        figures["requests"] = serve_and_time(articles, args.requests)
    finally:
        if not args.keep:
            drop_database()
    print_table(figures["requests"])
    return figures


def kept_database(articles: int, stale: bool) -> dict:
    """What the database an earlier run kept holds (it must be this size's), migrated first."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    refuse_foreign_data(URL_PREFIX, USER_PREFIX)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM annotations_article), "
            "(SELECT COUNT(*) FROM annotations_sentence), "
            "(SELECT COUNT(*) FROM annotations_sentence WHERE article_id = %s), "
            "(SELECT COUNT(*) FROM annotations_annotation)",
            [articles + 1],
        )
        last, sentences, long_sentences, annotations = cursor.fetchone()
    if last != articles + 1:
        sys.exit(f"--reuse: the kept database is not the one of {articles:,} articles")
    return {
        "articles": articles,
        "long_sentences": long_sentences,
        "stale": stale,
        "sentences": sentences,
        "annotations": annotations,
    }


def refresh_stored_figures(stale: bool, recount: bool = True) -> None:
    """What the product runs after a bulk load that bypassed its services, before serving it:
    the article list's figures and the work queue counted afresh (a kept database's were kept
    by the services since it was counted), the search index cut into parts (the task a load
    queues), then (unless stale) the planner's statistics of the tables the load filled."""
    from django.core.management import call_command
    from django.db import connection

    from annotations.corpus.services import split_search_index

    if recount:
        call_command("recount_stored_figures")
    split_search_index()
    if not stale:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def load(articles: int, long_sentences: int, stale: bool) -> dict:
    """The articles, their sentences, candidates, labels and tallies, and the long article
    (id articles + 1); the counts written. Texts and reasons are drawn from a pool of sentences
    staged once: the database copies them into each row without their text travelling again."""
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.candidates.scoring import RULES_VERSION
    from annotations.detection.models import DetectorVersion
    from annotations.detection.services import refresh_score_quantiles
    from annotations.labels import Label
    from annotations.roles import give_role

    rng = np.random.default_rng(15)
    now = timezone.now().isoformat()
    texts, scores, suggested, reasons = sentence_pool()
    sentences = articles * SENTENCES_PER_ARTICLE + long_sentences
    ids = np.arange(1, sentences + 1)
    article = np.minimum((ids - 1) // SENTENCES_PER_ARTICLE + 1, articles + 1)
    index = np.where(
        article <= articles,
        (ids - 1) % SENTENCES_PER_ARTICLE,
        ids - 1 - articles * SENTENCES_PER_ARTICLE,
    )
    first_in_article = ids - 1 - index  # its position, from 0
    pool = rng.integers(0, POOL, sentences)
    # Sentences are separated by one character (a space, or a newline between paragraphs).
    spans = np.char.str_len(texts)[pool] + 1
    offsets = np.cumsum(spans) - spans
    start = offsets - offsets[first_in_article]
    # Rank in article: the position after sorting by article, score (highest first) and index.
    order = np.lexsort((index, -scores[pool], article))
    rank = np.empty(sentences, dtype=np.int64)
    rank[order] = np.arange(sentences) - first_in_article[order] + 1

    labels = np.array(Label.values)
    votes = rng.choice(len(VOTES), sentences, p=VOTES)
    first = rng.integers(0, REVIEWERS, sentences)
    second = (first + rng.integers(1, REVIEWERS, sentences)) % REVIEWERS
    label_first = rng.choice(len(labels), sentences, p=[0.3, 0.2, 0.05, 0.45])
    label_second = np.where(
        rng.random(sentences) < AGREE, label_first, rng.integers(0, len(labels), sentences)
    )
    given = np.arange(2) < votes[:, None]  # each sentence's first and second label, if given
    voted = np.broadcast_to(ids[:, None], given.shape)[given]
    voter = np.stack([first, second], axis=1)[given]
    label = labels[np.stack([label_first, label_second], axis=1)[given]]
    claimant = np.where(label == Label.NOT_CLAIM.value, "", "Defence ministry")

    with connection.cursor() as cursor:
        if stale:
            for table in LOADED_TABLES:
                cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in STAGING_TABLES:
            cursor.execute(statement)
        copy_rows(
            "bench_pool",
            "id, text, score, suggested, reasons",
            [lines(np.arange(POOL), texts, scores, suggested, reasons)],
        )
        copy_rows(
            "bench_sentence",
            "id, article_id, index, start, rank, pool",
            (
                lines(part, *(column[part - 1] for column in (article, index, start, rank, pool)))
                for part in chunks(sentences)
            ),
        )
        cursor.execute(INSERT_SENTENCES, [SENTENCES_PER_PARAGRAPH])
        cursor.execute(INSERT_ARTICLES, [URL_PREFIX, SENTENCES_PER_PARAGRAPH])
        detector = DetectorVersion.objects.create(name=RULES_VERSION, rules_version=RULES_VERSION)
        cursor.execute(INSERT_CANDIDATES, [detector.pk])
        reviewers = [User.objects.create_user(f"{USER_PREFIX}0", password=PASSWORD)]
        reviewers += User.objects.bulk_create(
            User(username=f"{USER_PREFIX}{n}") for n in range(1, REVIEWERS)
        )
        for reviewer in reviewers:
            give_role(reviewer, "reviewer")
        reviewer_id = np.array([reviewer.pk for reviewer in reviewers])[voter]
        copy_rows(
            "bench_annotation",
            "sentence_id, reviewer_id, label, claimant",
            (
                lines(*(column[part - 1] for column in (voted, reviewer_id, label, claimant)))
                for part in chunks(len(voted))
            ),
        )
        cursor.execute(INSERT_ANNOTATIONS, [now, now])
        labelled = votes > 0
        ends = np.cumsum(votes[labelled]).tolist()
        pairs = list(zip(label.tolist(), claimant.tolist(), strict=True))
        copy_tallies(
            ids[labelled].tolist(),
            (pairs[end - n : end] for end, n in zip(ends, votes[labelled].tolist(), strict=True)),
            scores[pool[labelled]].tolist(),
            suggested[pool[labelled]].tolist(),
            now,
        )
        for table in ("annotations_article", "annotations_sentence"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
            )
    refresh_score_quantiles(detector.pk)  # as the precompute does after its first batch
    return {
        "articles": articles,
        "long_sentences": long_sentences,
        "stale": stale,
        "sentences": sentences,
        "annotations": len(voted),
    }


def sentence_pool():
    """POOL generated sentences (bench.generate) and the detector's rules' score, suggested
    label ("\\N" for none) and reasons (JSON, escaped for COPY) for each, as numpy arrays."""
    import random

    import numpy as np
    import orjson

    from annotations.candidates.scoring import NEWS, SentenceInput, score_sentences
    from bench.generate import sentence

    rng = random.Random(15)
    texts = [sentence(rng) for _ in range(POOL)]
    results = score_sentences([SentenceInput(text=text, domain=NEWS) for text in texts])
    return (
        np.array(texts),
        np.array([result.score for result in results]),
        np.array([result.suggested_label or "\\N" for result in results]),
        np.array([orjson.dumps(r.reasons).decode().replace("\\", "\\\\") for r in results]),
    )


def serve_and_time(articles: int, count: int) -> dict:
    """Start gunicorn, log a reviewer in, and time each kind of request; {name: figures}."""
    import httpx
    from django.contrib.auth.models import User

    from bench.web_footprint import free_port, log_in, wait_for_server

    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": QUEUE,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        # Pages are timed without their CSS and scripts: no collectstatic, no warning about it.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         # Today's deep pages take longer than gunicorn's 30 s: time them, do not kill them.
         "--timeout", "600"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base)
        reviewer = User.objects.get(username=f"{USER_PREFIX}0")
        with (
            httpx.Client(base_url=base, timeout=600) as web,
            httpx.Client(base_url=base, timeout=600) as api,
        ):
            log_in(web, reviewer.username, PASSWORD)
            token = api.post(
                "/api/auth/token/", data={"username": reviewer.username, "password": PASSWORD}
            )
            token.raise_for_status()
            api.headers["Authorization"] = f"Token {token.json()['token']}"
            return {
                name: timed(send, count)
                for name, send in requests_to_time(web, api, reviewer, articles, count)
            }
    finally:
        server.terminate()
        server.wait()


def requests_to_time(web, api, reviewer, articles: int, count: int) -> list:
    """(name, send) of each kind of request; send() makes one (anything it needs first is
    untimed) and returns (milliseconds, response)."""
    page_20 = nth_page_url(web, 20)
    last_page = last_page_url(web)
    saves = iter(unlabelled_sentences(reviewer, articles, WARM_UPS + count))
    assigned = None

    def get(client, url):
        return lambda: timed_request(client, "GET", url)

    def next_unlabelled():
        # Passing over the sentence handed out last, as `g` does on it: a new one each time.
        nonlocal assigned
        url = "/next/" if assigned is None else f"/next/?skip={assigned}"
        elapsed, response = timed_request(web, "GET", url, expected=302)
        assigned = assigned_sentence(response.headers["Location"])
        return elapsed, response

    def save_label():
        data = {"sentence": next(saves), "label": "sourced"}
        return timed_request(api, "POST", "/api/annotations/", expected=201, json=data)

    return [
        ("article list, first page", get(web, "/")),
        ("article list, page 20", get(web, page_20)),
        ("article list, last page", get(web, last_page)),
        ("article list, by candidate claims", get(web, "/?sort=candidates")),
        ('article list, "not started"', get(web, "/?progress=not_started")),
        ('"next unlabelled"', next_unlabelled),
        ("sentence search, one word", get(web, f"/search/?q={ONE_WORD}")),
        ("sentence search, two words", get(web, f"/search/?q={TWO_WORDS}")),
        ("article page (20 sentences)", get(web, f"/articles/{articles // 2}/")),
        ("API articles", get(api, "/api/articles/")),
        ("API sentences", get(api, "/api/sentences/")),
        ("API annotations", get(api, "/api/annotations/")),
        ("API label save", save_label),
        ("long article page", get(web, f"/articles/{articles + 1}/")),
        ("long article, API detail", get(api, f"/api/articles/{articles + 1}/")),
    ]


def nth_page_url(client, n: int) -> str:
    """The article list's page n, reached as a reviewer does: following its "next" link from
    the first page n - 1 times."""
    url = "/"
    for page in range(2, n + 1):
        link = NEXT_LINK.search(client.get(url).text)
        if link is None:
            raise SystemExit(f"the article list has no page {page}")
        url = urljoin(url, html.unescape(HREF.search(link.group()).group(1)))
    return url


def last_page_url(client) -> str:
    """The article list's last page: its "Last" link on the first page."""
    link = LAST_LINK.search(client.get("/").text)
    if link is None:
        raise SystemExit("the article list has no last page")
    return urljoin("/", html.unescape(link.group(1)))


def unlabelled_sentences(reviewer, articles: int, count: int) -> list[int]:
    """count sentences the reviewer has not labelled, each in another article, spread over the
    corpus."""
    from annotations.corpus.models import Sentence

    spread = range(1, articles + 1, max(1, articles // (2 * count)))
    first_of_each = (
        Sentence.objects.filter(article_id__in=spread)
        .exclude(annotations__reviewer=reviewer)
        .order_by("article_id", "index")
        .distinct("article_id")
    )
    return list(first_of_each.values_list("pk", flat=True))[:count]


def assigned_sentence(location: str) -> int:
    """The id of the sentence "next" redirected to (its article and #s<index>)."""
    from annotations.corpus.models import Sentence

    article, index = ASSIGNED.search(location).groups()
    return Sentence.objects.get(article_id=article, index=index).pk


def timed_request(client, method: str, url: str, expected: int = 200, **kwargs):
    """(milliseconds, response) of one request, its whole answer read."""
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expected:
        raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:300]}")
    return elapsed, response


def timed(send, count: int) -> dict:
    """Median and p95 (ms) of count requests after WARM_UPS, and the last answer's size."""
    for _ in range(WARM_UPS):
        send()
    timings = []
    for _ in range(count):
        elapsed, response = send()
        timings.append(elapsed)
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(statistics.quantiles(timings, n=20)[-1], 1),
        "bytes": len(response.content),
    }


def empty_queue() -> None:
    """Drop the tasks the label saves queued: no worker reads QUEUE."""
    import redis

    redis.Redis.from_url(REDIS_URL).delete(QUEUE)


def ratios(sizes: list[dict]) -> dict:
    """Each request's median over the previous size's, by pair of sizes ("100000/10000")."""
    return {
        f"{later['articles']}/{earlier['articles']}": {
            name: round(later["requests"][name]["median_ms"] / figures["median_ms"], 2)
            for name, figures in earlier["requests"].items()
        }
        for earlier, later in itertools.pairwise(sizes)
    }


def print_table(requests: dict) -> None:
    print(f"{'request':<36}{'median':>12}{'p95':>12}{'size':>12}")
    for name, figures in requests.items():
        print(
            f"{name:<36}{figures['median_ms']:>9.1f} ms{figures['p95_ms']:>9.1f} ms"
            f"{figures['bytes'] / 1024:>9,.0f} KB"
        )


def print_ratios(sizes: list[dict], by_pair: dict) -> None:
    """Each request's median at each size, then its ratios between sizes."""
    columns = [f"{size['articles']:,}" for size in sizes] + list(by_pair)
    print(f"\n{'median (ms) at articles':<36}" + "".join(f"{column:>16}" for column in columns))
    for name in sizes[0]["requests"]:
        medians = [f"{size['requests'][name]['median_ms']:.1f}" for size in sizes]
        pairs = [f"{pair[name]:.2f}" for pair in by_pair.values()]
        print(f"{name:<36}" + "".join(f"{cell:>16}" for cell in medians + pairs))


if __name__ == "__main__":
    main()
