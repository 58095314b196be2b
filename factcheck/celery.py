import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each domain package of the annotations app keeps its own tasks module.
app.autodiscover_tasks(
    [
        f"annotations.{domain}"
        for domain in (
            "agreement",
            "assignment",
            "corpus",
            "detection",
            "export",
            "training",
            "webhooks",
        )
    ]
)
