"""There is no Docker engine on the development machines: these tests read the files instead."""

import fnmatch
import json
import re
import runpy
import subprocess
import sys

import yaml

from tests.conftest import ROOT

DOCKER = ROOT / "docker"
ROOT = DOCKER.parent


def compose():
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_it_runs_web_worker_beat_postgres_and_redis():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert "gunicorn factcheck.wsgi:application" in services["web"]["command"]
    assert "manage.py migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A factcheck worker")
    assert services["beat"]["command"].startswith("celery -A factcheck beat")


def test_the_worker_reads_every_queue_and_every_app_service_restarts_after_a_crash():
    services = compose()["services"]
    # One worker for everything: without -Q it consumes every queue tasks are routed to.
    assert "-Q" not in services["worker"]["command"].split()
    for name in services:
        assert services[name]["restart"] == "unless-stopped", name


def test_every_service_but_beat_has_a_healthcheck_and_apps_wait_for_healthy_backends():
    services = compose()["services"]
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_the_web_healthcheck_calls_an_existing_url(client, db):
    test = " ".join(compose()["services"]["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*?)'", test).group(1)
    assert client.get(path).status_code == 200


def test_postgres_keeps_its_data_in_a_volume():
    data = compose()
    assert "postgres-data:/var/lib/postgresql/data" in data["services"]["postgres"]["volumes"]
    assert "postgres-data" in data["volumes"]


def test_apps_get_database_and_broker_urls_pointing_at_the_compose_services():
    for name in ("web", "worker", "beat"):
        env = compose()["services"][name]["environment"]
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"


# Imports the settings with an environment that records every variable they look up (the
# production path: DEBUG off, Redis set), whatever helper reads it.
RECORD_READS = """
import json, os, sys
class Recording(dict):
    read = set()
    def note(self, key):
        if sys._getframe(2).f_code.co_filename.endswith("factcheck/settings.py"):
            self.read.add(key)  # the settings' own reads, not the libraries' they import
    def get(self, key, default=None):
        self.note(key)
        return super().get(key, default)
    def __getitem__(self, key):
        self.note(key)
        return super().__getitem__(key)
os.environ = Recording(SECRET_KEY="x", ALLOWED_HOSTS="example.org", REDIS_URL="redis://r:6379/0")
import factcheck.settings
print(json.dumps(sorted(Recording.read)))
"""


def test_env_example_lists_every_variable_the_settings_read():
    run = subprocess.run(
        [sys.executable, "-c", RECORD_READS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    read = set(json.loads(run.stdout))
    assert {"API_THROTTLE_AUTH", "API_THROTTLE_WRITE", "SECURE_COOKIES", "REDIS_URL"} <= read
    example = (DOCKER / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert read, "the settings read no variables?"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    assert "POSTGRES_PASSWORD" in listed


def test_the_image_is_slim_runs_as_a_non_root_user_and_serves_with_gunicorn():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "pip install -r requirements.txt" in dockerfile
    assert '"gunicorn", "factcheck.wsgi:application"' in dockerfile


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves path out of the build context: a pattern matches it or one of its
    folders, from the context's root ("**/" at any depth)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    for pattern in patterns:
        shapes = [pattern[3:], f"*/{pattern[3:]}"] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatchcase(prefix, shape) for prefix in prefixes for shape in shapes):
            return True
    return False


def test_the_image_leaves_out_local_environments_secrets_data_and_caches():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not any(pattern.startswith("!") for pattern in patterns)
    for path in [
        ".venv/bin/python",
        "node_modules/axe-core/axe.js",
        ".git/HEAD",
        "db.sqlite3",
        ".dev-secret-key",
        ".env",
        "docker/.env",
        "media/exports/dataset.jsonl",
        "staticfiles/annotations/review.css",
        "mutants/annotations/models.py",
        "celerybeat-schedule.db",
        "annotations/__pycache__/models.cpython-311.pyc",
        ".pytest_cache/README.md",
        ".hypothesis/examples/x",
        ".ruff_cache/CACHEDIR.TAG",
    ]:
        assert dockerignored(path, patterns), path
    for path in [
        "manage.py",
        "requirements.txt",
        "gunicorn.conf.py",
        "annotations/models.py",
        "annotations/static/annotations/review.js",
        "seeds/000_8b43fa19184383b1.txt",
        "docker/.env.example",
    ]:
        assert not dockerignored(path, patterns), path


def test_secrets_files_are_not_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "docker/.env", ".env", "celerybeat-schedule.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["docker/.env", ".env", "celerybeat-schedule.db"]


def test_web_processes_run_gunicorn_with_its_config_file():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["timeout"] > settings["graceful_timeout"] > 0
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0
    assert settings["preload_app"]  # a recycled worker is a fork, not a new import of Django
    assert settings["workers"] >= 1
    assert settings["capture_output"]  # Django's log reaches gunicorn's error log file
    command = " ".join(compose()["services"]["web"]["command"].split())
    assert "gunicorn factcheck.wsgi:application --config gunicorn.conf.py" in command
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert '"--config", "gunicorn.conf.py"' in dockerfile
