from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self):
        from .agreement.services import labels_changed_receiver
        from .corpus.services import articles_stored
        from .detection.services import candidates_written, queue_stored_articles
        from .review.services import labels_changed, retally_articles

        # New articles get their candidates: the corpus announces, detection (built on the
        # corpus, which must not import it) listens.
        articles_stored.connect(queue_stored_articles, dispatch_uid="queue-precompute")
        # Replaced candidates move the moderation queue's scores: detection announces, review
        # (built on detection) retallies.
        candidates_written.connect(retally_articles, dispatch_uid="retally-candidates")
        # Changed labels make the agreement figures stale: review announces, agreement (built on
        # review) queues a debounced refresh.
        labels_changed.connect(labels_changed_receiver, dispatch_uid="refresh-agreement")
