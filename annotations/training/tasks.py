"""Celery tasks: thin, they take ids and call one service (imported in the body: the services
import this module to queue the tasks)."""

from celery import shared_task


@shared_task(acks_late=True)
def run_training_task(run_id: int) -> str:
    from .services import run_training

    return run_training(run_id).status


@shared_task(acks_late=True)
def sweep_training_runs_task() -> tuple[int, int, bool]:
    from .services import sweep_training_runs

    return sweep_training_runs()
