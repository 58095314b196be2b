"""Settings come from the environment; check them in fresh processes."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'engine': settings.DATABASES['default']['ENGINE']}))"
)
CLEARED = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")


def run_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_the_embedded_default_is_sqlite_with_eager_tasks():
    result = run_settings(SECRET_KEY="k")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": False,
        "eager": True,
        "broker": "memory://",
        "engine": "django.db.backends.sqlite3",
    }


def test_redis_and_postgres_urls_switch_to_the_real_stack():
    result = run_settings(
        SECRET_KEY="k", DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://r:6379/0"
    )
    values = json.loads(result.stdout)
    assert values["eager"] is False and values["broker"] == "redis://r:6379/0"
    assert values["engine"] == "django.db.backends.postgresql"


def test_a_missing_secret_key_stops_startup_with_a_clear_message():
    result = run_settings(DEBUG="1")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_booleans_are_parsed_strictly():
    assert json.loads(run_settings(SECRET_KEY="k", DEBUG="yes").stdout)["debug"] is True
    result = run_settings(SECRET_KEY="k", DEBUG="treu")
    assert result.returncode != 0
    assert "DEBUG='treu' is not a boolean" in result.stderr
