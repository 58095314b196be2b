"""Celery tasks: thin, they take ids and call one service (imported in the body: the services
import this module to queue the tasks)."""

from celery import shared_task


@shared_task(acks_late=True)
def run_export_task(job_id: int) -> str:
    from .services import run_export

    return run_export(job_id).status


@shared_task(acks_late=True)
def sweep_exports_task() -> tuple[int, int, int, int]:
    from .services import sweep_exports

    return sweep_exports()
