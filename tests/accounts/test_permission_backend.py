"""accounts.backends.PermissionBackend: the same permissions as Django's ModelBackend, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import PermissionBackend
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no permission cache yet


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_exactly_the_permissions_django_would_give_it(users, role):
    user = users[role]
    user.user_permissions.add(Permission.objects.get(codename="view_permission"))
    assert PermissionBackend().get_all_permissions(fresh(user)) == ModelBackend().get_all_permissions(
        fresh(user)
    )


def _checks(user, **expected: bool) -> tuple[int, int]:
    """A request's permission checks (codename=expected answer, in orders): (queries made, of which
    reading permissions)."""
    with CaptureQueriesContext(connection) as captured:
        for codename, held in expected.items():
            assert user.has_perm(f"orders.{codename}") is held
    return len(captured), sum('FROM "auth_permission"' in query["sql"] for query in captured)


def test_a_users_permissions_are_read_in_one_query_and_kept_until_a_role_changes(users):
    # The process's first request reads them beside the reference data's generation; the next ones
    # read the generation alone (config/reference_cache.py), until the role's permissions change.
    assert _checks(fresh(users["csr"]), view_order=True, delete_order=False, add_order=True) == (2, 1)
    assert _checks(fresh(users["csr"]), view_order=True, delete_order=False, add_order=True) == (1, 0)
    Group.objects.get(name="csr").permissions.remove(Permission.objects.get(codename="add_order"))
    assert _checks(fresh(users["csr"]), view_order=True, add_order=False) == (2, 1)


def test_an_inactive_user_has_no_permissions(users):
    user = fresh(users["manager"])
    user.is_active = False
    assert PermissionBackend().get_all_permissions(user) == set()
    assert not user.has_perm("orders.view_order")


def test_own_permissions_count_without_any_group():
    user = get_user_model().objects.create_user(username="loner", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert PermissionBackend().get_all_permissions(fresh(user)) == {"orders.view_order"}
