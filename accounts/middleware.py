"""Two middlewares around every signed-in request:

- SessionActivityMiddleware ends a session unused for SESSION_IDLE_TIMEOUT seconds, and notes its last
  use at most once a minute (the session and its row in the person's session list).
- SecondFactorMiddleware keeps a session that has not passed its second factor on the code step (a
  person with an authenticator or a passkey) or the enrolment (a role that needs one, not yet
  enrolled), with sign-out. The JSON API is left out: it takes no session, and its tokens are their own factor.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from accounts.models import SignInEvent
from accounts.services.sessions import SEEN_KEY, TOUCH_INTERVAL, session_touch
from accounts.services.signins import signin_record
from accounts.two_factor import PENDING_KEY, has_second_factor, requires_second_factor

UNGATED_PREFIXES = ("/api/", "/static/")
# What a session waiting for its second factor may reach.
GATE_VIEWS = {
    "accounts:two_factor_verify",
    "accounts:passkey_verify_begin",
    "accounts:passkey_verify_complete",
    "accounts:passkey_messages",
    "accounts:two_factor_setup",
    "accounts:logout",
    "accounts:login",
    "healthz",
}


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated and not request.path.startswith(UNGATED_PREFIXES):
            now = time.time()
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT:
                user = request.user
                signin_record(kind=SignInEvent.Kind.IDLE_SIGNED_OUT, request=request, user=user)
                request.idle_signed_out = True  # the sign-out receiver leaves this one to the line above
                logout(request)
                query = urlencode({"next": request.get_full_path(), "idle": "1"})
                return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
            if seen is None or now - seen >= TOUCH_INTERVAL:
                request.session[SEEN_KEY] = now
                session_touch(request=request, user=request.user, at=timezone.now())
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        redirect_to = self.gate(request)
        if redirect_to is not None:
            return HttpResponseRedirect(redirect_to)
        return self.get_response(request)

    @staticmethod
    def gate(request: HttpRequest) -> str | None:
        """Where the request must go instead, or None when it may go on."""
        user = request.user
        if not user.is_authenticated or request.path.startswith(UNGATED_PREFIXES):
            return None
        if user.is_verified():
            return None
        pending = request.session.get(PENDING_KEY, False)
        if not pending and not requires_second_factor(user):
            return None
        request.second_factor_gate = True  # base.html hides the menu and the account links
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in GATE_VIEWS:
            return None
        step = "accounts:two_factor_verify" if has_second_factor(user) else "accounts:two_factor_setup"
        target = reverse(step)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return target
