"""Test settings: the project's settings, with test-only defaults for what has none."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from factcheck.settings import *  # noqa: E402,F403

# Tasks run in-process unless a test starts a real worker (see tests/services.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True  # a bug in a task fails the test that queued it
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve app static files without collectstatic
SECURE_SSL_REDIRECT = False  # the test client and live servers speak plain http
# A send that failed in one test must not hold back the next test's (annotations/jobs.py); the
# tests of that pause set it themselves.
BROKER_RETRY_SECONDS = 0
