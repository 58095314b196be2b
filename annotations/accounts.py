"""User roles: the Moderators group and the demo accounts of the embedded default."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction
from rest_framework.throttling import BaseThrottle

MODERATORS_GROUP = "Moderators"


def client_address(request) -> str:
    """The client's address as the API throttles see it: REMOTE_ADDR, or the X-Forwarded-For
    entry the API_TRUSTED_PROXIES proxies vouch for."""
    return BaseThrottle().get_ident(request)


def is_moderator(user) -> bool:
    return user.is_staff or user.groups.filter(name=MODERATORS_GROUP).exists()


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    moderator: bool = False


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
