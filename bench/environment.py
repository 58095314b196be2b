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
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
