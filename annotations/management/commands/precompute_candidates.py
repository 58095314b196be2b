from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.corpus.models import Article
from annotations.detection.selectors import articles_needing_precompute
from annotations.detection.services import requeue_articles


class Command(BaseCommand):
    help = (
        "Queue candidate precompute: for every article (--all), for those left pending, running "
        "too long, failed or scored by an older detector (--stale), or for the given ids."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every article")
        which.add_argument("--stale", action="store_true", help="only articles that need it")
        which.add_argument("article_ids", nargs="*", type=int, default=[], metavar="ARTICLE_ID")

    def handle(self, *args, all, stale, article_ids, **options):
        if all:
            ids = list(Article.objects.values_list("pk", flat=True))
        elif stale:
            ids = articles_needing_precompute()
        else:
            found = set(Article.objects.filter(pk__in=article_ids).values_list("pk", flat=True))
            missing = sorted(set(article_ids) - found)
            if missing:
                raise CommandError(f"no article with id {', '.join(map(str, missing))}")
            ids = sorted(found)
        with transaction.atomic():
            count = requeue_articles(ids)
        self.stdout.write(f"queued candidate precompute for {count} article(s)")
