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
    assert group_permissions("viewer") == roles.ROLE_PERMISSIONS["viewer"]
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


def test_the_matrix_is_assembled_from_each_apps_own_grants():
    from channels.permissions import ROLE_GRANTS as channels_grants
    from fulfilment.permissions import ROLE_GRANTS as fulfilment_grants
    from orders.permissions import ROLE_GRANTS as orders_grants

    for grants in (roles.ACCOUNTS_GRANTS, orders_grants, fulfilment_grants, channels_grants):
        for role, permissions in grants.items():
            assert permissions <= roles.ROLE_PERMISSIONS[role], role
    every_grant = [roles.ACCOUNTS_GRANTS, orders_grants, fulfilment_grants, channels_grants]
    for role, permissions in roles.ROLE_PERMISSIONS.items():
        assert permissions == set().union(*(grants.get(role, set()) for grants in every_grant)), role


def test_a_grant_for_a_role_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="courier"):
        roles.grant({"courier": {"orders.view_order"}})


def test_every_app_declares_its_own_navigation_entries_in_position_order():
    from accounts.navigation import NAVIGATION
    from channels import navigation as channels_navigation
    from fulfilment import navigation as fulfilment_navigation
    from orders import navigation as orders_navigation

    for app in (orders_navigation, fulfilment_navigation, channels_navigation):
        assert set(app.NAVIGATION) <= set(NAVIGATION)
    assert [item.position for item in NAVIGATION] == sorted(item.position for item in NAVIGATION)
    assert {item.url_name.split(":")[0] for item in channels_navigation.NAVIGATION} == {"channels"}
