import random

import pytest

from annotations.training.tasks import run_training_task
from factcheck.celery import app
from tests.training.labelled import CLAIMS, OTHER, write_tsv


@pytest.fixture
def debate(tmp_path):
    mixed = [(t, 1) for t in CLAIMS] + [(t, 0) for t in OTHER]
    random.Random(7).shuffle(mixed)  # the same order in every run, so a failure replays
    return write_tsv(tmp_path / "debate.tsv", mixed)


@pytest.fixture
def with_a_broker(monkeypatch):
    """As with a broker: tasks are no longer run in the process that queues them, so automatic
    runs are queued too; a queued training run is run at once, as an idle worker would."""
    monkeypatch.setattr(run_training_task, "delay", lambda pk: run_training_task.apply(args=[pk]))
    eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=False)
    yield
    app.conf.update(task_always_eager=eager)
