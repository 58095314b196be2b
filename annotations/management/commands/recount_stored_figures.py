from django.core.management.base import BaseCommand
from django.db import transaction

from annotations.assignment.services import rebuild_work_queue
from annotations.review.services import recount_articles


class Command(BaseCommand):
    help = (
        "Count afresh what the article list and 'next' read from stored figures (each "
        "article's counts, each reviewer's progress, the work queue): after rows were loaded "
        "around the services (a bulk COPY) or REVIEW_OVERLAP changed."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            recount_articles()
            rebuild_work_queue()
        self.stdout.write("Counted the article list's figures and the work queue afresh.")
