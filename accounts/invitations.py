"""Invitation links: a set-password link made with Django's password-reset token machinery, under its
own salt (a reset link is not an invitation and the other way round) and its own lifetime,
INVITATION_TIMEOUT. It works once: setting the password changes what the token signs."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "packline.accounts.invitation"

    def check_token(self, user, token) -> bool:
        """Django's check, with INVITATION_TIMEOUT for the age where Django reads PASSWORD_RESET_TIMEOUT
        (an invitation waits days for its reader; a reset link an hour)."""
        if not (user and token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - issued > settings.INVITATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def invitation_path(user) -> str:
    return reverse(
        "accounts:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )
