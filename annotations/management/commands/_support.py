"""What the commands share (not a command: Django skips modules whose name starts with _)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def describe(error: ValidationError) -> str:
    """A service's ValidationError as one line: each field with what is wrong with it."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items())


def user_named(username: str, what: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"{what}: no user named {username!r}") from None


def all_found(queryset, ids: list[int], what: str) -> list:
    """The rows with these ids, in id order; an id with no row fails the command."""
    found = list(queryset.filter(pk__in=ids).order_by("pk"))
    missing = sorted(set(ids) - {row.pk for row in found})
    if missing:
        raise CommandError(f"no {what} with id {', '.join(map(str, missing))}")
    return found
