"""Personal access tokens for the JSON API: a user's own page; a superadmin sees everyone's."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.forms import ApiTokenForm
from accounts.selectors import api_tokens_visible_to
from accounts.services.tokens import api_token_create, api_token_revoke

SHOWN_ONCE = "api_token_plaintext"


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown on the next page only: the session forgets it as soon as it is read, and the
            # database never had it (redirect after POST: reloading does not make another token).
            request.session[SHOWN_ONCE] = {"id": token.pk, "plaintext": plaintext}
            return redirect("accounts:api_tokens")
    shown = request.session.pop(SHOWN_ONCE, None) if request.method == "GET" else None
    now = timezone.now()
    tokens = list(api_tokens_visible_to(request.user))
    for token in tokens:
        token.state = token.state_at(now)
    context = {
        "form": form,
        "tokens": tokens,
        "shown": shown,
        "everyone": request.user.has_perm("accounts.manage_api_tokens"),
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes. Someone else's token is 404 unless one may manage it."""
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=pk)
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” ({token.prefix}…) is revoked; it no longer works.")
        return redirect("accounts:api_tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})
