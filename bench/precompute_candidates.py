"""One process computing candidates in bulk, as a Celery worker does: sentences/s and queries.

    python bench/precompute_candidates.py [--articles 500] [--labels ../shared/checkthat/train]

Loads N generated articles (~20 sentences each) into PostgreSQL (DATABASE_URL, default a
throwaway database factcheck_bench), trains a detector on the labelled files given (default: the
small sample under tests/data), then times precompute_articles() over batches of
PRECOMPUTE_BATCH_SIZE articles: rules alone, then rules + model, each --repeat times (the
best run is the figure: this machine's speed varies from run to run). Target: >= 5,000
sentences/s, with the same number of queries for every batch.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.environment import use_bench_defaults  # noqa: E402

use_bench_defaults()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--labels", default=str(ROOT / "tests" / "data" / "checkthat_sample"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations.corpus.models import Article, Sentence
    from annotations.corpus.services import ingest_files
    from annotations.detection import selectors as detection
    from annotations.detection import services as precompute
    from annotations.detection.models import Candidate, DetectorVersion
    from annotations.training import services as training
    from annotations.training.models import LabelledSentence
    from bench.generate import articles
    from bench.load_articles import create_database_if_missing
    from factcheck.celery import app

    create_database_if_missing()
    call_command("migrate", verbosity=0)
    Article.objects.all().delete()
    DetectorVersion.objects.all().delete()
    LabelledSentence.objects.all().delete()
    ids = [o.article_id for o in ingest_files(articles(args.articles))]
    sentence_count = Sentence.objects.count()
    batch = settings.PRECOMPUTE_BATCH_SIZE
    print(f"database: {connection.vendor}; {len(ids)} articles, {sentence_count} sentences")

    def precompute_all(count_queries: bool = False) -> list[int]:
        """Precompute every article, batch by batch; the queries of each batch if asked."""
        Article.objects.update(precompute_status="pending")
        queries = []
        for start in range(0, len(ids), batch):
            if count_queries:  # not while timing: capturing queries slows every query down
                with CaptureQueriesContext(connection) as captured:
                    precompute.precompute_articles(ids[start : start + batch])
                queries.append(len(captured))
            else:
                precompute.precompute_articles(ids[start : start + batch])
        return queries

    def run(name: str) -> None:
        detector = detection.active_detector()
        rates = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            precompute_all()
            rates.append(sentence_count / (time.perf_counter() - started))
            assert Candidate.objects.filter(detector_version=detector).count() == sentence_count
        queries = precompute_all(count_queries=True)
        print(
            f"{name:>14}: best {max(rates):7,.0f} sentences/s "
            f"(runs: {', '.join(f'{rate:,.0f}' for rate in rates)}); "
            f"queries per batch of {batch} articles: {sorted(set(queries))}"
        )

    run("rules only")
    for path in sorted(Path(args.labels).glob("*.tsv")):
        training.import_labelled_file(path)
    started = time.perf_counter()
    training.train_detector()
    print(
        f"trained on {LabelledSentence.objects.count()} labelled sentences "
        f"in {time.perf_counter() - started:.1f} s"
    )
    run("rules + model")
    Article.objects.all().delete()
    app.control.purge()


if __name__ == "__main__":
    main()
