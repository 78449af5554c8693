"""Create the six role groups and give each exactly the permissions accounts/roles.py lists."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import ROLE_PERMISSIONS


def sync_roles() -> dict[str, int]:
    """Idempotent: running it twice changes nothing the second time. Returns permissions per role."""
    wanted = set().union(*ROLE_PERMISSIONS.values())
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise CommandError(f"roles.py names permissions that do not exist (migrate first?): {missing}")
    counts = {}
    with transaction.atomic():
        for role, permissions in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.set([found[name] for name in permissions])
            counts[role] = len(permissions)
    return counts


class Command(BaseCommand):
    help = "Create or update the role groups from accounts/roles.py."

    def handle(self, *args, **options):
        for role, count in sync_roles().items():
            self.stdout.write(f"{role}: {count} permissions")
