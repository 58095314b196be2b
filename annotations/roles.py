"""Who may do what: every role and permission check, as can_* (a yes/no) and check_* (raises).

Roles: every logged-in user reviews; moderators are the Moderators group (superusers count as
moderators), whether or not they are staff. Staff only means access to the admin site; what
staff may do there is Django's model permissions.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Q

MODERATORS_GROUP = "Moderators"
ADD_ARTICLES = "annotations.add_article"
TRAIN_DETECTOR = "annotations.add_detectorversion"


class ArticleLocked(PermissionDenied):
    """The article is locked by a moderator; only moderators may change its annotations."""


class NotYourAnnotation(PermissionDenied):
    """Only its reviewer, or a moderator, may change an annotation."""


def is_moderator(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Kept on the user object: a request asks several times (page, navigation, checks).
    if not hasattr(user, "_is_moderator"):
        user._is_moderator = user.groups.filter(name=MODERATORS_GROUP).exists()
    return user._is_moderator


def is_moderator_sql(user) -> Q:
    """is_moderator() as a condition inside a query, so a list costs no query of its own."""
    if user.is_superuser:
        return Q(pk__isnull=False)
    membership = Group.user_set.through.objects.filter(
        user_id=user.pk, group__name=MODERATORS_GROUP
    )
    # Uncorrelated: the database evaluates it once per query, not once per row.
    return Q(Exists(membership))


def can_edit_article(user, article) -> bool:
    """Locked articles stay editable for moderators only."""
    return not article.locked or is_moderator(user)


def check_can_edit_article(user, article) -> None:
    if not can_edit_article(user, article):
        raise ArticleLocked("this article is locked by a moderator; it can no longer be edited")


def can_change_annotation(user, annotation) -> bool:
    """An annotation is changed by its own reviewer, or by a moderator."""
    return annotation.reviewer_id == user.pk or is_moderator(user)


def check_can_change_annotation(user, annotation) -> None:
    if not can_change_annotation(user, annotation):
        raise NotYourAnnotation("you can only change your own annotations")


def can_see_all_annotations(user) -> bool:
    return is_moderator(user)


def can_add_articles(user) -> bool:
    """Loading articles (admin upload, API) takes Django's 'Can add article' permission."""
    return user.has_perm(ADD_ARTICLES)


def can_train_detector(user) -> bool:
    """Training runs (admin button, API) take the 'Can add detector version' permission."""
    return user.has_perm(TRAIN_DETECTOR)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    moderator: bool = False


# The embedded default's accounts (`make run`), one per role; refused unless DEBUG is on.
DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin-demo-pass", "superuser: admin and everything else", True, True),
    DemoAccount(
        "moderator", "moderator-demo", "moderator: admin moderation queues", True, False, True
    ),
    DemoAccount("reviewer", "reviewer-demo", "reviewer"),
    DemoAccount("reviewer2", "reviewer2-demo", "a second reviewer"),
)


@transaction.atomic
def create_demo_accounts() -> None:
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.is_staff = account.is_staff
        user.is_superuser = account.is_superuser
        user.set_password(account.password)
        user.save()
        if account.moderator:
            user.groups.add(moderators)
