"""Passkeys: adding one from the account page (named, beside the authenticator app), removing one, and
using one at the code step instead of typing a code.

The browser side is django-otp-webauthn's script (served from the package's static files); the JSON
endpoints it calls are the package's views, subclassed so that they check and log as the code step
does, and write through accounts/services/two_factor.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.forms import PasskeyNameForm
from accounts.models import SignInEvent
from accounts.services.signins import signin_record
from accounts.services.two_factor import passkey_check, passkey_register, passkey_remove
from accounts.two_factor import (
    authenticator_of,
    passkey_add_refusal,
    passkey_script_config,
    passkeys_of,
    passkeys_work_here,
    suggested_passkey_name,
)
from accounts.views.two_factor import (
    changes_unlocked,
    next_url,
    second_factor_passed,
    second_factor_signed_in,
)

# The name the person gave the passkey being added, until the browser has created it.
PASSKEY_NAME_KEY = "passkey_name_pending"
# Where django-otp-webauthn's views keep a ceremony's challenge between its two requests.
AUTHENTICATION_STATE_KEY = "otp_webauthn_authentication_state"


class PasskeyRefused(OTPWebAuthnApiError):
    """A ceremony this person may not start; the package's views answer it as JSON with the detail."""

    status_code = 403
    default_code = "passkey_refused"


@never_cache
@require_http_methods(["GET", "POST"])
def passkey_add(request: HttpRequest) -> HttpResponse:
    """POST names the new passkey (the account page's form); GET then offers the button with which the
    browser creates it (django-otp-webauthn's script, calling passkey_register_begin and _complete)."""
    if not changes_unlocked(request):
        return redirect("accounts:two_factor_verify")
    refusal = passkey_add_refusal(request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect("accounts:account")
    form = PasskeyNameForm(request.POST or None, initial={"name": suggested_passkey_name(request)})
    if request.method == "POST":
        if form.is_valid():
            request.session[PASSKEY_NAME_KEY] = form.cleaned_data["name"]
            return redirect("accounts:passkey_add")
        return render(request, "accounts/passkey_add.html", {"form": form}, status=400)
    context = {
        "form": form,
        "name": request.session.get(PASSKEY_NAME_KEY, ""),
        "passkeys_work_here": passkeys_work_here(request),
        "passkey_config": passkey_script_config(request),
    }
    return render(request, "accounts/passkey_add.html", context)


@require_http_methods(["GET", "POST"])
def passkey_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes. Someone else's passkey answers 404, as a missing one."""
    passkey = get_object_or_404(passkeys_of(request.user), pk=pk)
    if not changes_unlocked(request):
        return redirect("accounts:two_factor_verify")
    if request.method == "GET":
        return render(request, "accounts/passkey_remove.html", {"passkey": passkey})
    passed_with_it = request.session.get(DEVICE_ID_SESSION_KEY) == passkey.persistent_id
    try:
        passkey_remove(user=request.user, passkey=passkey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:account")
    authenticator = authenticator_of(request.user)
    if passed_with_it and authenticator is not None:
        # This session proved the passkey minutes ago; removing it here should not send the person
        # back to the code step. Other sessions that passed with it lose their second factor.
        second_factor_passed(request, authenticator)
    messages.success(request, f"Passkey “{passkey.name}” removed; it no longer signs you in.")
    return redirect("accounts:account")


class BesideAnAuthenticator:
    """Adding a passkey: the package's views ask for a session that passed its second factor; Packline
    also asks for an authenticator app (passkey_add_refusal)."""

    def check_can_register(self):
        refusal = passkey_add_refusal(self.request.user)
        if refusal:
            raise PasskeyRefused(detail=refusal)


class WithAPasskey:
    """Using a passkey at the code step: the person has one (never a sign-in without the password)."""

    def check_can_authenticate(self):
        if not passkeys_of(self.request.user).exists():
            raise PasskeyRefused(detail="You have no passkey here; type the 6-digit code your app shows.")


class PasskeyRegisterBegin(BesideAnAuthenticator, BeginCredentialRegistrationView):
    """The options the browser creates a passkey with."""


class PasskeyRegisterComplete(BesideAnAuthenticator, CompleteCredentialRegistrationView):
    """Keep the passkey the browser created, under the name given on the page before."""

    def post(self, request, *args, **kwargs):
        user = request.user
        state = self.get_state()  # once only: popped and saved before anything else
        name = request.session.get(PASSKEY_NAME_KEY) or suggested_passkey_name(request)
        try:
            passkey = passkey_register(
                user=user, name=name, helper=self.get_helper(), state=state, response=request.data
            )
        except ValidationError as error:
            return JsonResponse({"detail": " ".join(error.messages), "code": "passkey_refused"}, status=400)
        request.session.pop(PASSKEY_NAME_KEY, None)
        signin_record(kind=SignInEvent.Kind.PASSKEY_ADDED, request=request, user=user)
        messages.success(request, f"Passkey “{passkey.name}” added: use it at your next sign-in.")
        return JsonResponse({"id": passkey.pk})


class PasskeyVerifyBegin(WithAPasskey, BeginCredentialAuthenticationView):
    """The challenge for the code step's passkey: only the person's own passkeys are offered."""


class PasskeyVerifyComplete(WithAPasskey, CompleteCredentialAuthenticationView):
    """The passkey's answer: it passes the second factor exactly as a code does (the session, the
    sign-in log, the page asked for next); a refusal is logged as a failed second factor."""

    def post(self, request, *args, **kwargs):
        user = request.user
        state = request.session.pop(AUTHENTICATION_STATE_KEY, None)
        request.session.save()  # the challenge is used once, whatever follows
        check = passkey_check(user=user, helper=self.get_helper(), state=state, response=request.data)
        if check.device is None:
            signin_record(kind=SignInEvent.Kind.SECOND_FACTOR_FAILED, request=request, user=user)
            return JsonResponse({"detail": check.refusal, "code": "passkey_refused"}, status=403)
        second_factor_signed_in(request, check)
        return JsonResponse({"id": check.device.pk, "redirect_url": next_url(request)})
