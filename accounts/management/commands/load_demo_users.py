"""Create one demo user per role, all with the password from DEMO_PASSWORD; the roles that sign in with
a second factor get an authenticator with a fixed, published demo secret (setup_demo prints it)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import ROLE_LABELS, SECOND_FACTOR_ROLES

DEMO_NAMES = {
    "superadmin": ("Sam", "Owner"),
    "manager": ("Maya", "Okafor"),
    "csr": ("Chris", "Santos"),
    "warehouse": ("Wes", "Lindqvist"),
    "agent": ("Ada", "Mensah"),
    "viewer": ("Vic", "Laurent"),
}


@transaction.atomic
def load_demo_users(password: str) -> list[str]:
    User = get_user_model()
    created = []
    for role in ROLE_LABELS:
        first, last = DEMO_NAMES[role]
        user, was_created = User.objects.get_or_create(
            username=role,
            defaults={"first_name": first, "last_name": last, "email": f"{role}@packline.example"},
        )
        if was_created:
            user.set_password(password)
            user.is_staff = user.is_superuser = role == "superadmin"
            user.save()
            created.append(role)
        user.groups.set([Group.objects.get(name=role)])
        if role in SECOND_FACTOR_ROLES:
            demo_authenticator(user)
    return created


# The demo's authenticator secret, the same for every demo install and printed by setup_demo: the demo
# users' password is public too. In base32, as authenticator apps take it: OBQWG23MNFXGKLLEMVWW6LLUN52HALJS.
DEMO_TOTP_KEY = b"packline-demo-totp-2".hex()


def demo_authenticator(user):
    """The demo user's authenticator, with the demo secret; one they set up themselves is kept."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app (demo)", key=DEMO_TOTP_KEY, confirmed=True
        )
    return device


class Command(BaseCommand):
    help = "Create the demo users (one per role). Existing users keep their password."

    def handle(self, *args, **options):
        created = load_demo_users(settings.DEMO_PASSWORD)
        self.stdout.write(f"demo users created: {', '.join(created) or 'none (already there)'}")
