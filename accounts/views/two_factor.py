"""The second factor: the code step after the password (a code, or a passkey: accounts/views/passkeys.py),
the enrolment of an authenticator app, the recovery codes (shown once), and turning two-factor sign-in
off for roles that may."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.forms import CodeForm
from accounts.models import SignInEvent
from accounts.services.signins import signin_record
from accounts.services.two_factor import (
    recovery_codes_regenerate,
    second_factor_check,
    second_factor_remove,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from accounts.two_factor import (
    PENDING_KEY,
    authenticator_of,
    has_second_factor,
    otpauth_uri,
    passkey_domain,
    passkey_script_config,
    passkeys_of,
    passkeys_work_here,
    qr_svg,
    recovery_codes_left,
    requires_second_factor,
    secret_base32,
)

CODES_SHOWN_ONCE = "recovery_codes_plaintext"


def next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


def changes_unlocked(request: HttpRequest) -> bool:
    """Changing a second factor takes a session that passed it (or a person who has none)."""
    return request.user.is_verified() or not has_second_factor(request.user)


def second_factor_passed(request: HttpRequest, device) -> None:
    """The session passed its second factor with this device (a code's or a passkey's)."""
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)


def second_factor_signed_in(request: HttpRequest, check) -> None:
    """The code step passed with the check's device: the session is marked, and the sign-in log says
    how (a recovery code, or an authenticator's code or a passkey)."""
    second_factor_passed(request, check.device)
    used = (
        SignInEvent.Kind.RECOVERY_CODE_USED
        if check.used_recovery_code
        else SignInEvent.Kind.SECOND_FACTOR_PASSED
    )
    signin_record(kind=used, request=request, user=request.user)


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step: the 6-digit code of the authenticator app, or a recovery code; or a passkey, whose
    answer goes to accounts:passkey_verify_complete from the page's script."""
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    if not has_second_factor(user):
        return redirect("accounts:two_factor_setup" if requires_second_factor(user) else "home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = second_factor_check(user=user, code=form.cleaned_data["otp_token"])
        if check.device is not None:
            second_factor_signed_in(request, check)
            if check.used_recovery_code:
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {check.recovery_codes_left} left. "
                    "Make new ones on your account page if you are running low.",
                )
            return redirect(next_url(request))
        signin_record(kind=SignInEvent.Kind.SECOND_FACTOR_FAILED, request=request, user=user)
        form.add_error("otp_token", check.refusal)
    context = {
        "form": form,
        "next": next_url(request),
        "has_passkey": passkeys_of(user).exists(),
        "passkeys_work_here": passkeys_work_here(request),
        "passkey_domain": passkey_domain(request),
        "passkey_config": passkey_script_config(request),
    }
    return render(request, "accounts/two_factor_verify.html", context)


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), then type a code it shows.
    A person who already has one may set up a new one (a new phone) once signed in with the old."""
    user = request.user
    if has_second_factor(user) and not user.is_verified():
        return redirect("accounts:two_factor_verify")
    device = totp_enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = totp_enrolment_confirm(user=user, code=form.cleaned_data["otp_token"])
        if check.device is not None:
            second_factor_passed(request, check.device)
            signin_record(kind=SignInEvent.Kind.ENROLLED, request=request, user=user)
            request.session[CODES_SHOWN_ONCE] = codes
            messages.success(request, "Two-factor sign-in is on. Keep your recovery codes somewhere safe.")
            return redirect(f"{reverse('accounts:recovery_codes')}?{urlencode({'next': next_url(request)})}")
        form.add_error("otp_token", check.refusal)
    uri = otpauth_uri(device)
    context = {
        "form": form,
        "qr": qr_svg(uri),
        "secret": secret_base32(device),
        "otpauth_uri": uri,
        "required": requires_second_factor(user),
        "replacing": authenticator_of(user) is not None,
        "next": next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET: the new codes, once (right after enrolment or regeneration); POST: make new ones."""
    if request.method == "POST":
        if not changes_unlocked(request):
            return redirect("accounts:two_factor_verify")
        try:
            request.session[CODES_SHOWN_ONCE] = recovery_codes_regenerate(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:account")
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(CODES_SHOWN_ONCE, None)
    context = {
        "codes": codes,
        "left": recovery_codes_left(request.user),
        "has_authenticator": authenticator_of(request.user) is not None,
        "next": next_url(request, default="accounts:account"),
    }
    return render(request, "accounts/recovery_codes.html", context)


@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if not changes_unlocked(request):
        return redirect("accounts:two_factor_verify")
    try:
        removed = second_factor_remove(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if removed:
            messages.success(
                request, "Two-factor sign-in is off; your recovery codes and passkeys no longer work."
            )
    return redirect("accounts:account")
