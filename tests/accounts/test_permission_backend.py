"""accounts.backends.PermissionBackend: the same permissions as Django's ModelBackend, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

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


def test_a_users_permissions_are_read_in_one_query_and_kept_for_the_request(users, django_assert_num_queries):
    user = fresh(users["csr"])
    with django_assert_num_queries(1):
        assert user.has_perm("orders.view_order")
        assert not user.has_perm("orders.delete_order")
        assert user.has_perms(["orders.view_order", "orders.add_order"])


def test_an_inactive_user_has_no_permissions(users):
    user = fresh(users["manager"])
    user.is_active = False
    assert PermissionBackend().get_all_permissions(user) == set()
    assert not user.has_perm("orders.view_order")


def test_own_permissions_count_without_any_group():
    user = get_user_model().objects.create_user(username="loner", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert PermissionBackend().get_all_permissions(fresh(user)) == {"orders.view_order"}
