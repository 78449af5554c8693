"""Django's ModelBackend, with a user's permissions read in one query instead of two, and kept in the
process until a role, a grant or a membership changes (config/reference_cache.py)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from config.reference_cache import reference


class PermissionBackend(ModelBackend):
    """Every page checks permissions (the view, the navigation, the actions it offers): ModelBackend
    reads the user's own permissions and their groups' in two queries per request; this reads both
    at once, and only when the tables they come from have changed since this process last read them.
    The cache on the user object, and so per request, is ModelBackend's own."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = reference(
                ("permissions", user_obj.pk, user_obj.is_superuser), lambda: _permissions(user_obj)
            )
        return user_obj._perm_cache


def _permissions(user) -> frozenset[str]:
    permissions = Permission.objects.all()
    if not user.is_superuser:
        permissions = permissions.filter(Q(user=user) | Q(group__user=user))
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
