"""Print the current code of a demo user's authenticator, for trying Packline without a phone.

DEBUG=1 python manage.py demo_code manager

Only with DEBUG on: on a server, a code comes from the person's own phone and nowhere else.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from accounts.models import User
from accounts.two_factor import authenticator_of


class Command(BaseCommand):
    help = "Print the current authenticator code of a user (DEBUG only: for the demo users)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code runs only with DEBUG=1 (local demo); on a server, use your phone.")
        user = User.objects.filter(username=username).first()
        device = authenticator_of(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username!r} has no authenticator set up.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
