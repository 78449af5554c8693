"""Sign-in forms: Django's, with the username's length checked."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class UsernameLengthChecked:
    """Django's AuthenticationForm sets the username's max_length after the field is built, so nothing
    checks it: a longer name went on to authenticate(), and django-axes' record of the failed attempt
    (varchar(255)) answered 500 to anyone, signed in or not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(UsernameLengthChecked, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthChecked, AdminAuthenticationForm):
    pass


class ApiTokenForm(forms.Form):
    """A new personal access token: what it is for, what it may do, and how long it lives."""

    EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("7", "7 days"), ("", "Never")]

    name = forms.CharField(max_length=100, help_text="Where the token is used, e.g. “ERP nightly sync”.")
    scopes = forms.ChoiceField(
        choices=[("read", "Read"), ("read,write", "Read and write")], initial="read", label="Access"
    )
    expires_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False, initial="90", label="Expires"
    )
