"""The role groups match accounts/roles.py exactly, and sync_roles can run any number of times."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from accounts import roles
from accounts.management.commands.sync_roles import sync_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles_synced")]


def group_permissions(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_each_role_group_holds_exactly_the_permissions_of_the_role_matrix():
    for role, permissions in roles.ROLE_PERMISSIONS.items():
        assert group_permissions(role) == permissions, role


def test_sync_roles_is_idempotent_and_repairs_drift():
    viewer = Group.objects.get(name="viewer")
    viewer.permissions.add(Permission.objects.get(codename="manage_roles"))
    call_command("sync_roles", verbosity=0)
    call_command("sync_roles", verbosity=0)
    assert group_permissions("viewer") == roles.VIEWER
    assert Group.objects.filter(name__in=roles.ROLE_LABELS).count() == 6


def test_sync_roles_refuses_a_permission_that_does_not_exist(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, "viewer", {"orders.teleport_order"})
    with pytest.raises(CommandError, match=r"orders\.teleport_order"):
        sync_roles()


def test_only_superadmins_manage_users():
    assert roles.roles_with("accounts.manage_roles") == {"superadmin"}


def test_user_role_comes_from_the_group(make_user):
    assert make_user("warehouse").role == "warehouse"
    assert make_user("agent").role_label == "Delivery agent"
    assert make_user(None).role is None
