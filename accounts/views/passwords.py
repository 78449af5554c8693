"""Password reset by email and the invitation's set-password page: Django's own views, in Packline's
templates. A reset request answers the same for any address (an email goes only to an account that has
it) and is rate-limited per address and per client IP, counted in the shared cache."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from accounts.browsers import client_address
from accounts.emails import duration_words
from accounts.invitations import invitation_tokens
from accounts.services.people import person_password_set
from config.ratelimit import window_take

RESET_WINDOW = 60 * 60  # seconds


def reset_allowed(*, email: str, address: str | None) -> int | None:
    """None when one more reset request may go; else the seconds until it may. Both counts are taken
    on every request, so a refused address cannot be told from an unknown one."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    counts = [
        (
            window_take(cache, f"reset-address:{digest}", RESET_WINDOW),
            settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        ),
        (
            window_take(cache, f"reset-ip:{address or 'none'}", RESET_WINDOW),
            settings.PASSWORD_RESET_LIMIT_PER_IP,
        ),
    ]
    waits = [count.reset for count, limit in counts if count is not None and count.used > limit]
    return max(waits) if waits else None


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        return {"valid_for": duration_words(settings.PASSWORD_RESET_TIMEOUT)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | self.extra_email_context

    def form_valid(self, form) -> HttpResponse:
        wait = reset_allowed(email=form.cleaned_data["email"], address=client_address(self.request))
        if wait is not None:
            minutes = max(1, round(wait / 60))
            return render(
                self.request, "accounts/password_reset_limited.html", {"minutes": minutes}, status=429
            )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "valid_for": duration_words(settings.PASSWORD_RESET_TIMEOUT)
        }


class SetPasswordFromLinkMixin:
    """After the password is set from a link: the account log notes it, and the sign-in page says so."""

    via = "reset"

    def form_valid(self, form):
        response = super().form_valid(form)
        person_password_set(user=self.user, via=self.via)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response


class PasswordResetConfirmView(SetPasswordFromLinkMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:login")
    extra_context = {"heading": "Choose a new password"}


class InvitationAcceptView(SetPasswordFromLinkMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:login")
    token_generator = invitation_tokens
    via = "invitation"
    extra_context = {"heading": "Welcome to Packline: choose your password", "invitation": True}
