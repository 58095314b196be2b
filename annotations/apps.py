from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self):
        from django.db.models.signals import post_save

        from .agreement.services import labels_changed_receiver
        from .assignment import services as assignment
        from .corpus.models import Article
        from .corpus.services import articles_stored
        from .detection.services import candidates_written, queue_stored_articles
        from .moderation.services import article_flag_changed
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
        # The work queue of "next" follows every write that changes it, in its transaction.
        articles_stored.connect(assignment.add_stored_articles, dispatch_uid="queue-sentences")
        labels_changed.connect(assignment.follow_votes, dispatch_uid="queue-votes")
        candidates_written.connect(assignment.rescore_articles, dispatch_uid="queue-scores")
        article_flag_changed.connect(assignment.follow_articles, dispatch_uid="queue-flags")
        post_save.connect(
            assignment.follow_saved_article, sender=Article, dispatch_uid="queue-article-saved"
        )
