import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from annotations.audit import EntryPoint, entry_point
from annotations.roles import ROLES, create_account

from ._support import describe


class Command(BaseCommand):
    help = (
        "Create an account with a role (reviewer or moderator) and print its generated password "
        "once, or set the one read from standard input (--password-stdin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="NAME")
        parser.add_argument("--role", required=True, choices=list(ROLES))
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input (never from an "
            "argument: those show in the process list and the shell's history)",
        )
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, password_stdin, email, **options):
        password = self._read_password() if password_stdin else None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"{email!r} is not an email address") from None
        try:
            with entry_point(EntryPoint.CLI), transaction.atomic():
                user, password = create_account(username, role, password)
                if email:
                    user.email = email
                    user.save(update_fields=["email"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(f"password refused: {describe(error)}") from None
        if password_stdin:
            self.stdout.write(f"created {role} {username} with the password given")
        else:
            self.stdout.write(f"created {role} {username}; password (shown only now): {password}")

    def _read_password(self) -> str:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("--password-stdin: no password on standard input")
        return password
