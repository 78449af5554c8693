"""One step for `make run`: migrate, sync roles, load demo data, print the logins."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.roles import ROLE_LABELS

# Demo-data commands run in this order; each is idempotent and fast when its data already exists.
DEMO_COMMANDS = ["load_demo_users", "load_demo_orders"]


class Command(BaseCommand):
    help = "Migrate, sync roles and load the demo data (idempotent); print the demo logins."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("sync_roles", verbosity=0, stdout=self.stdout)
        for name in DEMO_COMMANDS:
            call_command(name, stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password '{settings.DEMO_PASSWORD}' unless you changed it):")
        for role, label in ROLE_LABELS.items():
            self.stdout.write(f"  {role:<11} {label}")
