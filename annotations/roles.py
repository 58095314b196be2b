"""Who may do what: every role and permission check, as can_* (a yes/no) and check_* (raises).

Roles are groups (made by migrations 0010 and 0013): reviewers are the Reviewers group,
moderators the Moderators group, whether or not they are staff; moderators review too, and
superusers are both. Staff only means access to the admin site; what staff may do there is
Django's model permissions (the Moderators group holds those of moderation).
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Q

REVIEWERS_GROUP = "Reviewers"
MODERATORS_GROUP = "Moderators"
ROLES = {"reviewer": REVIEWERS_GROUP, "moderator": MODERATORS_GROUP}
ADD_ARTICLES = "annotations.add_article"
TRAIN_DETECTOR = "annotations.add_detectorversion"


class ArticleLocked(PermissionDenied):
    """The article is locked by a moderator; only moderators may change its annotations."""


class NotYourAnnotation(PermissionDenied):
    """Only its reviewer, or a moderator, may change an annotation."""


class NotAReviewer(PermissionDenied):
    """Labelling takes the reviewer (or moderator) role."""


class NotAModerator(PermissionDenied):
    """Moderation takes the moderator role."""


def _role_groups(user) -> set[str]:
    # Kept on the user object: a request asks several times (page, navigation, checks).
    if not hasattr(user, "_role_groups"):
        names = user.groups.filter(name__in=ROLES.values()).values_list("name", flat=True)
        user._role_groups = set(names)
    return user._role_groups


def is_moderator(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or MODERATORS_GROUP in _role_groups(user)


def can_review(user) -> bool:
    """Labelling sentences: reviewers, moderators and superusers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(_role_groups(user))


def check_can_review(user) -> None:
    if not can_review(user):
        raise NotAReviewer("labelling takes the reviewer role; ask a moderator for it")


def check_can_moderate(user) -> None:
    if not is_moderator(user):
        raise NotAModerator("this takes the moderator role")


def can_export(user) -> bool:
    """Exporting the labelled dataset: moderators and superusers."""
    return is_moderator(user)


def check_can_export(user) -> None:
    if not can_export(user):
        raise NotAModerator("exporting the dataset takes the moderator role")


def can_export_real_names(user) -> bool:
    """Exports pseudonymise reviewers; only administrators may ask for their usernames."""
    return user.is_authenticated and user.is_active and user.is_superuser


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
    """Locked and hidden articles stay editable for moderators only."""
    return not (article.locked or article.hidden) or is_moderator(user)


def check_can_edit_article(user, article) -> None:
    if not can_edit_article(user, article):
        raise ArticleLocked(
            "this article is locked by a moderator; it can no longer be edited"
            if article.locked
            else "this article is hidden by a moderator; it cannot be edited"
        )


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
    role_name: str = "reviewer"  # a key of ROLES


def give_role(user, role: str) -> None:
    """Put the user in the role's group (made by the migrations; made again if it went missing,
    as after a test database flush)."""
    user.groups.add(Group.objects.get_or_create(name=ROLES[role])[0])


def create_account(username: str, role: str, password: str | None = None) -> tuple[User, str]:
    """A new account with one role ("reviewer" or "moderator"); returns it and its password
    (generated unless given, and then checked against the password validators)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"a user named {username!r} already exists")
    user = User(username=username)
    if password is None:
        password = secrets.token_urlsafe(15)
    else:
        validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        give_role(user, role)
    return user, password


# The embedded default's accounts (`make run`), one per role; refused unless DEBUG is on.
DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin-demo-pass", "superuser: admin and everything else", True, True),
    DemoAccount(
        "moderator",
        "moderator-demo",
        "moderator: moderation queue, and the admin",
        True,
        False,
        "moderator",
    ),
    DemoAccount("reviewer", "reviewer-demo", "reviewer"),
    DemoAccount("reviewer2", "reviewer2-demo", "a second reviewer"),
)


@transaction.atomic
def create_demo_accounts() -> None:
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.is_staff = account.is_staff
        user.is_superuser = account.is_superuser
        user.set_password(account.password)
        user.save()
        give_role(user, account.role_name)
