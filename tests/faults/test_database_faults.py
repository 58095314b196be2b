"""The database drops the idle connection a web process kept (a restart, an idle timeout, an
operator's pg_terminate_backend): the next request reconnects and succeeds."""

import socket
import time

import httpx
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.project.databases import database_url
from tests.services import gunicorn, require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def web_server():
    """gunicorn against the test database, its health check answering."""
    require_postgres()
    with gunicorn(database_url()) as server:
        yield server.base


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
        with gunicorn(f"postgres://root@127.0.0.1:{port}/factcheck", healthy=False) as server:
            started = time.monotonic()
            response = httpx.get(f"{server.base}/healthz", timeout=50)
            waited = time.monotonic() - started
    assert (response.status_code, response.text) == (503, "database unavailable")
    # DATABASE_CONNECT_TIMEOUT_SECONDS (5), not gunicorn's timeout (60 s), which kills the worker.
    assert waited < 15, f"the health check took {waited:.1f} s"
