"""Environment defaults shared by the database benchmarks: a throwaway PostgreSQL database and a
Redis queue of their own, so on-commit enqueues are real but no worker runs them."""

import os


def use_bench_defaults() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/factcheck_bench")
    os.environ.setdefault(
        "CELERY_BROKER_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    os.environ.setdefault("CELERY_QUEUE", "factcheck-bench")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def use_web_bench_defaults() -> None:
    """For the benchmarks of web requests: DEBUG off, the test client's host allowed, and
    precompute in-process, never through a broker someone left configured."""
    os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/factcheck_bench")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client speaks plain http
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)


def vacuum_analyze() -> None:
    """Reclaim the rows earlier runs deleted and refresh the planner's statistics: with
    autovacuum off, each run's clean-up left its rows dead in the tables and indexes, and the
    next runs read through them (a page of the moderation queue went from 37 to 55 ms over ten
    runs; VACUUM brought it back)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def use_database_bench_defaults(database: str) -> None:
    """For the benchmarks that fill a database of their own and queue nothing: that database,
    and no broker, even one someone left configured."""
    os.environ.setdefault("DATABASE_URL", f"postgres://root@127.0.0.1:5432/{database}")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
