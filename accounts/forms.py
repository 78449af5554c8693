"""Accounts forms: sign-in (Django's, with the username's length checked), its code step, a passkey's
name, API tokens, the people pages and the sign-in log's filters."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from accounts.two_factor import PASSKEY_NAME_LENGTH


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


class CodeForm(forms.Form):
    """The code step of a sign-in, and the confirmation of a new authenticator."""

    otp_token = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasskeyNameForm(forms.Form):
    """The name a person gives a passkey they are adding, to tell it apart on their account page."""

    name = forms.CharField(
        label="Name",
        max_length=PASSKEY_NAME_LENGTH,
        help_text="Where it lives, such as “Work laptop” or “1Password”.",
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


def role_choices() -> list[tuple[str, str]]:
    from accounts.roles import ROLE_LABELS

    return list(ROLE_LABELS.items())


class InviteForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Letters, digits and @ . + - _ only."},
    )
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=role_choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=role_choices)


class PeopleFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Any status"),
        ("active", "Active"),
        ("deactivated", "Deactivated"),
        ("invited", "Invited"),
    ]

    q = forms.CharField(required=False, max_length=150, label="Search")
    role = forms.ChoiceField(required=False, choices=lambda: [("", "Any role"), *role_choices()])
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)


class SignInFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Event")
    username = forms.CharField(required=False, max_length=150)
    address = forms.GenericIPAddressField(required=False, label="IP address")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from accounts.models import SignInEvent

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every event"), *SignInEvent.Kind.choices]
