from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self):
        # The API's token admin replaces DRF's, registered by admin autodiscovery just before.
        from .api import admin  # noqa: F401
