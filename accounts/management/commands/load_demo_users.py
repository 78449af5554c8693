"""Create one demo user per role, all with the password from DEMO_PASSWORD."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import ROLE_LABELS

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
    return created


class Command(BaseCommand):
    help = "Create the demo users (one per role). Existing users keep their password."

    def handle(self, *args, **options):
        created = load_demo_users(settings.DEMO_PASSWORD)
        self.stdout.write(f"demo users created: {', '.join(created) or 'none (already there)'}")
