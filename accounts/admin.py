from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


class PacklineUserAdmin(UserAdmin):
    """People are managed on Packline's own pages (accounts/views/people.py); here, never deleted: a
    person's name stays on every order, event and record they touched."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(User, PacklineUserAdmin)
