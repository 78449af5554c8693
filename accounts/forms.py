"""Sign-in forms: Django's, with the username's length checked."""

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
