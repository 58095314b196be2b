from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations.roles import DEMO_ACCOUNTS, create_demo_accounts


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts and print how to log in. Refused unless DEBUG is on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo accounts have public passwords; set DEBUG=1 to create them")
        create_demo_accounts()
        self.stdout.write("Demo accounts (username / password):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.password:<16} {account.role}")
