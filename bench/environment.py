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
