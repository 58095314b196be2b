"""Celery beat runs every sweep, and a worker knows every task: each scheduled or queued task is
registered under its name in a fresh worker-like process (a name that matches no task would be
sent to workers that drop it), the sweeps run every 5 minutes by default and the search index's
split every hour."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# What `celery -A factcheck worker` registers: the app, Django, then the autodiscovered tasks.
REGISTERED_TASKS = """
import json, django
from factcheck.celery import app
django.setup()
app.loader.import_default_modules()
print(json.dumps(sorted(name for name in app.tasks if name.startswith("annotations."))))
"""
SWEEPS = {
    "annotations.agreement.tasks.refresh_agreement_task",
    "annotations.assignment.tasks.sweep_expired_claims_task",
    "annotations.export.tasks.sweep_exports_task",
    "annotations.detection.tasks.sweep_stale_precompute_task",
    "annotations.training.tasks.sweep_training_runs_task",
    "annotations.webhooks.tasks.sweep_webhook_deliveries_task",
}
SPLIT = "annotations.corpus.tasks.split_search_index_task"  # also queued by large loads
QUEUED = {
    "annotations.agreement.tasks.refresh_agreement_task",
    SPLIT,
    "annotations.detection.tasks.precompute_articles_task",
    "annotations.export.tasks.run_export_task",
    "annotations.training.tasks.run_training_task",
    "annotations.webhooks.tasks.deliver_webhook_task",
}


def registered() -> set[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "SECRET_KEY": "x"}
    run = subprocess.run(
        [sys.executable, "-c", REGISTERED_TASKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(run.stdout))


def test_every_sweep_is_scheduled_every_five_minutes_and_every_task_is_registered(settings):
    every = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert set(every) == SWEEPS | {SPLIT}
    assert {every[task] for task in SWEEPS} == {300} and every[SPLIT] == 3600
    assert registered() == SWEEPS | QUEUED


def test_routed_tasks_exist_and_go_to_queues_a_bare_worker_reads(settings):
    routes = settings.CELERY_TASK_ROUTES
    assert {route["queue"] for route in routes.values()} == {"webhooks", "training"}
    assert set(routes) <= QUEUED
    # `celery -A factcheck worker` without -Q consumes every queue in CELERY_TASK_QUEUES.
    assert set(settings.CELERY_TASK_QUEUES) == {"factcheck", "webhooks", "training"}
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "factcheck"
