"""One step for `make run`: migrate, sync roles, load demo data, print the logins."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.roles import ROLE_LABELS, SECOND_FACTOR_ROLES
from accounts.two_factor import authenticator_of, otpauth_uri, secret_base32

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
            line = f"  {role:<11} {label}"
            user = User.objects.filter(username=role).first() if role in SECOND_FACTOR_ROLES else None
            device = authenticator_of(user) if user is not None else None
            if device is not None:
                line = f"{line:<32}then a code: secret {secret_base32(device).replace(' ', '')}  {otpauth_uri(device)}"
            self.stdout.write(line)
        self.stdout.write(
            "  Superadmin and manager sign in with a second factor: add the secret to an authenticator app "
            "(or open the otpauth:// link on a phone),\n  or print the current code with "
            "`DEBUG=1 .venv/bin/python manage.py demo_code manager`."
        )
