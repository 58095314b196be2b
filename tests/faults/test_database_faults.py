"""The database drops the idle connection a web process kept (a restart, an idle timeout, an
operator's pg_terminate_backend): the next request reconnects and succeeds."""

import os
import socket
import subprocess
import sys

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


@pytest.fixture
def web_server():
    """One gunicorn worker against the test database, keeping its connection between requests
    as in production; its base URL."""
    require_postgres()
    database = settings.DATABASES["default"]
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
    }
    command = [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{base}/healthz"), timeout=60, message="gunicorn")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


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
