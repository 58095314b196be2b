"""Web processes and management commands that neither score nor train never load numpy, scipy or
scikit-learn (about 110 MB per gunicorn worker and 1.7 s per command when they did)."""

import os
import subprocess
import sys

from tests.conftest import ROOT, SEED_ARTICLE

SCIENTIFIC = ("sklearn", "scipy", "numpy")
# Serves the main pages of the UI, the API and the admin from a fresh in-memory database, then
# prints which of the scientific libraries the process has loaded.
SERVE_PAGES = f"""
import sys
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from annotations.corpus.services import ingest_files
call_command("migrate", verbosity=0)
list(ingest_files([("seed.txt", open({str(SEED_ARTICLE)!r}, "rb").read())]))
client = Client()
client.force_login(User.objects.create_superuser("root"))
for path in ("/", "/articles/1/", "/search/?q=Kyiv", "/next/", "/api/articles/",
             "/api/sentences/", "/api/annotations/", "/admin/", "/admin/annotations/article/",
             "/admin/annotations/detectorversion/"):
    assert client.get(path).status_code in (200, 302), path
print(",".join(m for m in {SCIENTIFIC!r} if m in sys.modules))
"""


def run(*command: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "tests-only",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_serving_pages_loads_no_scientific_library():
    # Candidate precompute runs in-process here (no broker) on load: with the rules alone,
    # which need none of them either.
    served = run(
        sys.executable,
        "-c",
        SERVE_PAGES,
        DATABASE_URL="sqlite://:memory:",
        ALLOWED_HOSTS="testserver",
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == ""


def test_a_command_that_does_not_score_loads_none():
    started = run(sys.executable, "-X", "importtime", "manage.py", "help")
    assert started.returncode == 0, started.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in started.stderr.splitlines()}
    assert not imported & set(SCIENTIFIC)
    assert "annotations.corpus" in started.stderr  # the app was loaded: the check means something
