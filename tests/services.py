"""Access to the real PostgreSQL, Redis and a Celery worker for the tests that need them.

Without DATABASE_URL/REDIS_URL those tests skip; with FACTCHECK_REQUIRE_SERVICES=1 (CI) they fail.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# How long a test waits for a worker, at most: every wait ends as soon as its condition holds,
# so the ceiling only has to outlast a loaded CI machine, never a normal run.
CEILING_SECONDS = 300


def services_required() -> bool:
    return os.environ.get("FACTCHECK_REQUIRE_SERVICES") == "1"


def unavailable(reason: str):
    if services_required():
        pytest.fail(f"FACTCHECK_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        unavailable("DATABASE_URL does not point at PostgreSQL")


def require_redis() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL")
    if not url:
        unavailable("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {url} does not answer: {error}")
    return url


@contextmanager
def celery_worker(broker_url: str, processes: int = 1):
    """Real `celery worker` processes (one unless asked for more, as on several machines) on
    queues of their own (the default, webhook and training queues, under the test's own prefix,
    so that runs sharing a Redis never mix), against the test database.

    Tasks sent inside the block go to Redis (no eager mode) and these workers run them.
    """
    from factcheck.celery import app

    queue = f"factcheck-test-{uuid.uuid4().hex[:8]}"
    queues = {
        "CELERY_QUEUE": queue,
        "CELERY_WEBHOOK_QUEUE": f"{queue}-{settings.CELERY_WEBHOOK_QUEUE}",
        "CELERY_TRAINING_QUEUE": f"{queue}-{settings.CELERY_TRAINING_QUEUE}",
    }
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url,
        **queues,
    }
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    workers = []
    for number in range(processes):
        log = ROOT / ".pytest_cache" / f"{queue}-{number}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            ",".join(queues.values()),
            "-n",
            f"{queue}-{number}@%h",
            "--loglevel=INFO",
        ]
        with log.open("w") as output:
            workers.append(
                (subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output), log)
            )
    # The routes of the settings, to the prefixed queues.
    routes = {
        task: {"queue": f"{queue}-{route['queue']}"}
        for task, route in settings.CELERY_TASK_ROUTES.items()
    }
    try:
        with sending_to(broker_url, task_default_queue=queue, task_routes=routes):
            for worker, log in workers:
                _wait_until_ready(app, queue, worker, log)
            yield [worker for worker, _ in workers]
    finally:
        for worker, _ in workers:
            worker.terminate()
        for worker, _ in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@contextmanager
def sending_to(broker_url: str, **conf):
    """Tasks queued inside the block are sent to this broker (no eager mode), with these Celery
    settings; a broker that is down then refuses them, as in production."""
    from factcheck.celery import app

    conf = {"task_always_eager": False, "broker_url": broker_url, **conf}
    saved = {key: app.conf[key] for key in conf}

    def use(settings: dict) -> None:
        app.conf.update(settings)
        # Connections are pooled per broker: leave those made for the previous one.
        app._pool = app.amqp._producer_pool = None

    use(conf)
    try:
        yield
    finally:
        use(saved)


def _wait_until_ready(app, queue: str, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + CEILING_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"celery worker exited with {worker.returncode}:\n{log.read_text()}")
        if "ready." in log.read_text():
            return
        time.sleep(0.2)
    pytest.fail(f"celery worker not ready after {CEILING_SECONDS} s:\n{log.read_text()}")


def wait_for(condition, timeout: float = CEILING_SECONDS, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {message}")


class ScratchRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start again
    (fault tests must never stop the machine's shared Redis)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        command = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(lambda: _answers(client), timeout=30, message=f"redis-server on {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def scratch_redis(directory: Path):
    """Starts a ScratchRedis and stops it at the end, whatever the test did to it."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")
    server = ScratchRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.RedisError:
        return False


@dataclass(frozen=True)
class WebServer:
    base: str  # http://127.0.0.1:PORT
    pid: int  # gunicorn's master; its one worker is the master's child


@contextmanager
def gunicorn(database_url: str, *, healthy: bool = True, **environment: str):
    """One gunicorn worker against database_url with DEBUG off, keeping its connection between
    requests as in production; `healthy`: once its health check answers, else once it takes
    connections. Tasks run eagerly in it unless `environment` names a broker."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        **environment,
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
        wait_for(lambda: _listening(port), timeout=60, message="gunicorn")
        if healthy:
            wait_for(lambda: _healthy(base), timeout=60, message="the health check")
        yield WebServer(base, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a worker stuck in a request outlives the signal
            server.kill()
            server.wait()


def child_processes(pid: int) -> list[int]:
    """The processes pid started that still run (Linux)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(child) for child in (task / "children").read_text().split())
    return children


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _healthy(base: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
