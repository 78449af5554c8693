"""Packline's admin site: Django's, with what its forms let through checked the way Packline's own
forms check it, for every model registered (ours and Django's) and its sign-in: nothing submitted
there ends in a database error."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError
from django.db import models


class DefaultWhenEmptyJSONField(forms.JSONField):
    """A JSON column that is blank=True but NOT NULL (addresses: default=dict) stores its default when
    the field is cleared, where Django's form field would give None and the INSERT would fail."""

    def __init__(self, *, default=None, **kwargs):
        self.default = default
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return self.default()
        return super().to_python(value)


class CheckedInputAdmin:
    """Mixed into every ModelAdmin the site registers."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField) and not db_field.null and db_field.has_default():
            kwargs.setdefault("form_class", DefaultWhenEmptyJSONField)
            kwargs.setdefault("default", db_field.get_default)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def response_action(self, request, queryset, *args, **kwargs):
        """Selected rows are primary keys; anything else is refused with a message, not a crash."""
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.get_prep_value(pk.to_python(value))
        except (ValidationError, ValueError, TypeError):
            self.message_user(request, "The selected rows are not rows of this list.", messages.ERROR)
            return None
        return super().response_action(request, queryset, *args, **kwargs)


class PacklineAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        """Django's check, and a session that passed its second factor (django-otp's middleware):
        the admin reaches everything, so a password alone never opens it."""
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and bool(is_verified and is_verified())

    @property
    def login_form(self):
        from accounts.forms import AdminLoginForm  # the accounts app is not ready when the site is made

        return AdminLoginForm

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        checked = type(base.__name__, (CheckedInputAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, checked, **options)


class PacklineAdminConfig(AdminConfig):
    default_site = "config.admin.PacklineAdminSite"
