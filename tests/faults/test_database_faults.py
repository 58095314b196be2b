"""The database drops the idle connection a web process kept (a restart, an idle timeout, an
operator's pg_terminate_backend): the next request reconnects and succeeds."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.conftest import ROOT
from tests.services import require_postgres, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def gunicorn(database_url: str):
    """One gunicorn worker against database_url, keeping its connection between requests as in
    production; its base URL once it takes connections."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
    }
    command = [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: listening(port), timeout=60, message="gunicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a worker stuck in a request outlives the signal
            server.kill()
            server.wait()


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def web_server():
    """gunicorn against the test database, its health check answering."""
    require_postgres()
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    with gunicorn(url) as base:
        wait_for(lambda: answers(f"{base}/healthz"), timeout=60, message="the health check")
        yield base


def test_a_terminated_idle_connection_does_not_fail_the_next_request(web_server, reviewer):
    token = Token.objects.create(user=reviewer)
    api = httpx.Client(base_url=web_server, headers={"Authorization": f"Token {token.key}"})
    assert api.get("/api/labels/").status_code == 200  # the worker now holds a connection
    with connection.cursor() as cursor:  # the server's backends: on this database, not ours
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchall(), "the server kept no connection"
    response = api.get("/api/labels/")
    assert response.status_code == 200, response.text
    assert api.get("/healthz").status_code == 200


def test_a_database_that_takes_connections_and_never_answers_fails_a_request_in_seconds():
    require_postgres()
    with socket.socket() as silent:  # the kernel completes each connection; nothing answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with gunicorn(f"postgres://root@127.0.0.1:{port}/factcheck") as base:
            started = time.monotonic()
            response = httpx.get(f"{base}/healthz", timeout=50)
            waited = time.monotonic() - started
    assert (response.status_code, response.text) == (503, "database unavailable")
    # DATABASE_CONNECT_TIMEOUT_SECONDS (5), not gunicorn's timeout (60 s), which kills the worker.
    assert waited < 15, f"the health check took {waited:.1f} s"
