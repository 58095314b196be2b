from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self):
        from .corpus.services import articles_stored
        from .detection.services import queue_stored_articles

        # New articles get their candidates: the corpus announces, detection (built on the
        # corpus, which must not import it) listens.
        articles_stored.connect(queue_stored_articles, dispatch_uid="queue-precompute")
