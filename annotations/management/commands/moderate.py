from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotations.audit import EntryPoint, entry_point
from annotations.corpus.models import Article, Sentence
from annotations.moderation.services import (
    adjudicate,
    deactivate_reviewer,
    moderate_many,
    set_article_flag,
)
from annotations.review.models import Annotation

from ._support import all_found, describe, user_named

# Each decision on annotations, and what it did (for the summary).
DECISIONS = {"approve": "approved", "reject": "rejected", "reopen": "reopened"}
# Each article switch: the flag, its new value, what it did.
SWITCHES = {
    "lock": ("locked", True, "locked"),
    "unlock": ("locked", False, "unlocked"),
    "hide": ("hidden", True, "hidden"),
    "show": ("hidden", False, "shown"),
}


class Command(BaseCommand):
    help = (
        "Moderate from the command line, as the moderator named with --as: approve, reject or "
        "reopen annotations, adjudicate a sentence, lock, unlock, hide or show articles, "
        "deactivate a reviewer. Recorded in the audit trail as the command line's."
    )

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="ACTION")
        for decision in DECISIONS:
            sub = self._subcommand(subcommands, decision, f"{decision} annotations")
            sub.add_argument("ids", nargs="+", type=int, metavar="ANNOTATION_ID")
            sub.add_argument(
                "--reason", required=decision == "reject", default="", help="shown to the reviewer"
            )
            sub.set_defaults(run=self._decide)
        sub = self._subcommand(subcommands, "adjudicate", "set a sentence's final label")
        sub.add_argument("sentence_id", type=int, metavar="SENTENCE_ID")
        sub.add_argument("label", metavar="LABEL")
        sub.add_argument("--reason", default="", help="a note on the decision")
        sub.set_defaults(run=self._adjudicate)
        for switch in SWITCHES:
            sub = self._subcommand(subcommands, switch, f"{switch} articles")
            sub.add_argument("ids", nargs="+", type=int, metavar="ARTICLE_ID")
            sub.set_defaults(run=self._switch)
        sub = self._subcommand(
            subcommands, "deactivate", "stop a reviewer from logging in (their labels stay)"
        )
        sub.add_argument("username", metavar="USERNAME")
        sub.add_argument(
            "--reject-pending", action="store_true", help="also reject their pending labels"
        )
        sub.add_argument("--reason", default="", help="the rejections' reason")
        sub.set_defaults(run=self._deactivate)

    def _subcommand(self, subcommands, name: str, help: str):
        sub = subcommands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--as", dest="actor", required=True, metavar="MODERATOR", help="who decides"
        )
        return sub

    def handle(self, *args, run, actor, **options):
        moderator = user_named(actor, "--as")
        try:
            with entry_point(EntryPoint.CLI):
                self.stdout.write(run(moderator, **options))
        except PermissionDenied as error:
            raise CommandError(f"{actor} may not do this: {error}") from None
        except ValidationError as error:
            raise CommandError(describe(error)) from None

    def _decide(self, moderator, *, subcommand, ids, reason, **options) -> str:
        annotations = all_found(Annotation.objects.only("pk"), ids, "annotation")
        changed = moderate_many(
            annotations=annotations, actor=moderator, decision=subcommand, reason=reason
        )
        unchanged = len(annotations) - changed
        return f"{changed} annotation(s) {DECISIONS[subcommand]}, {unchanged} already so"

    def _adjudicate(self, moderator, *, sentence_id, label, reason, **options) -> str:
        [sentence] = all_found(Sentence.objects.all(), [sentence_id], "sentence")
        adjudication = adjudicate(sentence=sentence, actor=moderator, label=label, reason=reason)
        return f"sentence {sentence_id} adjudicated: {label} (version {adjudication.version})"

    def _switch(self, moderator, *, subcommand, ids, **options) -> str:
        flag, value, done = SWITCHES[subcommand]
        articles = all_found(Article.objects.only("pk", flag), ids, "article")
        with transaction.atomic():
            changed = sum(
                set_article_flag(article=article, actor=moderator, flag=flag, value=value)
                for article in articles
            )
        return f"{changed} article(s) {done}, {len(articles) - changed} already so"

    def _deactivate(self, moderator, *, username, reject_pending, reason, **options) -> str:
        if reason and not reject_pending:
            raise CommandError("--reason is the rejections' reason: give it with --reject-pending")
        user = user_named(username, "deactivate")
        rejected = deactivate_reviewer(
            user=user, actor=moderator, reject_pending=reject_pending, reason=reason
        )
        return f"{username} deactivated, {rejected} pending label(s) rejected"
