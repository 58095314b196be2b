"""There is no Docker engine on the development machines: these tests read the files instead."""

import json
import re
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
