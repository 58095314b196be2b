"""Settings come from the environment; check them in fresh processes."""

import json
import os
import subprocess
import sys

import pytest

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


def test_the_deploy_check_is_clean_with_production_settings():
    """HTTPS redirect, HSTS, secure cookies: `check --deploy` has nothing to say."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in CLEARED},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-key-of-fifty-chars+",
        "ALLOWED_HOSTS": "factcheck.example.org",
        "DATABASE_URL": "postgres://factcheck@db:5432/factcheck",
        "REDIS_URL": "redis://redis:6379/0",
        "SECURE_HSTS_PRELOAD": "1",
    }
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


REDIRECT_PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "from django.test import Client; c = Client(); "
    "print(c.get('/healthz').status_code, c.get('/api/labels/').status_code, "
    "c.get('/', secure=True).get('Strict-Transport-Security'))"
)


@pytest.mark.parametrize(
    "secure_cookies, expected",
    [
        ("1", ["200", "301", "max-age=31536000; includeSubDomains"]),
        ("0", ["200", "401", "None"]),  # a plain-http trial
    ],
)
def test_plain_http_is_redirected_to_https_except_the_health_check(secure_cookies, expected):
    env = {
        **{k: v for k, v in os.environ.items() if k not in CLEARED},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "k",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "sqlite://:memory:",
        "SECURE_COOKIES": secure_cookies,
    }
    result = subprocess.run(
        [sys.executable, "-c", REDIRECT_PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip().split(maxsplit=2) == expected, result.stderr
