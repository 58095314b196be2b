"""docker/production-smoke, the production path as docs/operations.md gives it, run for real:
DEBUG off, a scratch PostgreSQL database, a Redis of the test's own, gunicorn, a worker, beat."""

import os
import secrets
import socket
import subprocess

import pytest

from tests.conftest import ROOT
from tests.project.databases import scratch_database
from tests.services import CEILING_SECONDS, _free_port, require_postgres, scratch_redis

pytestmark = pytest.mark.services
STEPS = [
    "==> migrate",
    "==> collectstatic",
    "==> create the admin",
    "==> start gunicorn",
    "==> log in as",
    "==> load the seed",
    "==> wait until the worker has computed the candidates",
    "==> fetch the review page",
    "==> the production path works",
    "==> stopped everything it started",
]


def test_the_production_path_works_as_documented_and_cleans_up(tmp_path):
    require_postgres()
    run_dir = tmp_path / "run"
    with scratch_redis(tmp_path) as redis, scratch_database("factcheck_smoke") as database_url:
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("CELERY_")},
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(12),
            "DJANGO_SUPERUSER_EMAIL": "admin@example.org",
            "PORT": str(_free_port()),
            "RUN_DIR": str(run_dir),
        }
        smoke = subprocess.run(
            [ROOT / "docker" / "production-smoke"],
            env=env,
            capture_output=True,
            text=True,
            timeout=CEILING_SECONDS,
        )
    assert smoke.returncode == 0, f"{smoke.stdout}\n{smoke.stderr}"
    steps = [line for line in smoke.stdout.splitlines() if line.startswith("==>")]
    order = [
        next(index for index, step in enumerate(steps) if step.startswith(expected))
        for expected in STEPS
    ]
    assert order == sorted(order), steps
    started = (run_dir / "started.pids").read_text().split()
    assert len(started) == 3  # gunicorn, the worker, beat
    for pid in map(int, started):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(env["PORT"])), timeout=5)
    # Beat's schedule and the static files went to the run's directory, not the checkout.
    assert list(run_dir.glob("celerybeat-schedule*"))
    assert (run_dir / "static" / "annotations" / "app.css").exists()
    assert not list(ROOT.glob("celerybeat-schedule*"))
