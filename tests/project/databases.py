"""Scratch PostgreSQL databases for the tests that run the documented command-line tools
(createdb, pg_dump, pg_restore, dropdb) against the server the test database lives on."""

import os
import subprocess
import uuid
from contextlib import contextmanager

from django.conf import settings


def database_url(name: str | None = None) -> str:
    """A DATABASE_URL for the database `name` on the test database's server (default: the test
    database itself, for a server a test starts)."""
    database = settings.DATABASES["default"]
    name = name or database["NAME"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{name}"


def run_tool(*command: str) -> subprocess.CompletedProcess:
    """A PostgreSQL client tool on the test database's server; fails the test with its output."""
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGHOST": database["HOST"],
        "PGPORT": str(database["PORT"]),
        "PGUSER": database["USER"],
        "PGPASSWORD": database.get("PASSWORD") or "",
    }
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    assert run.returncode == 0, f"{' '.join(command)} exited {run.returncode}:\n{run.stderr}"
    return run


@contextmanager
def scratch_database(prefix: str):
    """A new empty database, dropped at the end whatever happened (its URL is yielded)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    run_tool("createdb", name)
    try:
        yield database_url(name)
    finally:
        run_tool("dropdb", "--force", "--if-exists", name)
