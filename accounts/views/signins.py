"""The sign-in log, for superadmins: every sign-in, failure, lockout, sign-out and second-factor step,
filtered by event, username, address and dates, newest first, paged by id."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.forms import SignInFilterForm
from accounts.selectors import sign_in_events

PAGE_SIZE = 100


@require_GET
@permission_required("accounts.view_signinevent", raise_exception=True)
def sign_in_log(request: HttpRequest) -> HttpResponse:
    form = SignInFilterForm(request.GET or None)
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    events = list(sign_in_events(**filters)[: PAGE_SIZE + 1])
    older = None
    if len(events) > PAGE_SIZE:
        events = events[:PAGE_SIZE]
        query = request.GET.copy()
        query["before"] = events[-1].pk
        older = query.urlencode()
    context = {"form": form, "events": events, "older": older}
    return render(request, "accounts/sign_in_log.html", context, status=400 if form.errors else 200)
