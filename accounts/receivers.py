"""What accounts notes when Django or django-axes says a sign-in happened, failed, was locked out, or
ended: the sign-in log, the person's session list, and whether the new session still owes its second
factor. Connected in AccountsConfig.ready(); no business rule hangs on them beyond the noting."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import SignInEvent, User
from accounts.services.sessions import session_forget, session_record
from accounts.services.signins import signin_record
from accounts.two_factor import PENDING_KEY, has_second_factor


@receiver(user_logged_in, dispatch_uid="accounts.signed_in")
def signed_in(sender, request, user, **kwargs):
    signin_record(kind=SignInEvent.Kind.SIGNED_IN, request=request, user=user)
    if request is None or not hasattr(request, "session"):
        return
    session_record(request=request, user=user)
    # Whoever has an authenticator passes it before anything else, whatever door they came in by
    # (the sign-in page, Django admin's, a password reset). django-otp marks a session verified when
    # the sign-in itself carried a device; none of Packline's doors do.
    if getattr(user, "otp_device", None) is None and has_second_factor(user):
        request.session[PENDING_KEY] = True


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    user = User.objects.filter(username=username).first() if username else None
    signin_record(kind=SignInEvent.Kind.FAILED, request=request, user=user, username=username)


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    username = str(username or "")
    user = User.objects.filter(username=username).first() if username else None
    signin_record(kind=SignInEvent.Kind.LOCKED_OUT, request=request, user=user, username=username)


@receiver(user_logged_out, dispatch_uid="accounts.signed_out")
def signed_out(sender, request, user, **kwargs):
    if request is None:
        return
    session_forget(session_key=request.session.session_key)
    if user is not None and not getattr(request, "idle_signed_out", False):
        signin_record(kind=SignInEvent.Kind.SIGNED_OUT, request=request, user=user)
