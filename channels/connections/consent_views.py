"""The consent pages of OAuth connections (eBay, TikTok Shop): "Authorise" sends the manager to the
platform's consent page, and the platform sends them back to the callback, which keeps the tokens and
returns to the connection's page with what happened. Managers and superadmins only, as every
connection page (sales_channels.manage_connections); consent.py checks the state and decides.

"Authorise" is a link (GET), not a form: the answer is a redirect to the platform's own host, which
the Content-Security-Policy's form-action 'self' would block after a form's POST. Starting a consent
changes nothing but the manager's own session."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from channels.connections.consent import ConsentRefused, consent_finish, consent_kinds, consent_start
from channels.connections.models import Connection
from channels.connections.views import manage_required


@require_GET
@manage_required
def connection_authorise(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    try:
        url = consent_start(connection_id=connection.pk, actor=request.user, session=request.session)
    except ConsentRefused as refused:
        messages.error(request, str(refused))
        return redirect("channels:connection_detail", connection.pk)
    return redirect(url)


@require_GET
@manage_required
def consent_callback(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in consent_kinds():
        raise Http404("No consent for this platform.")
    answer = request.GET
    try:
        connection = consent_finish(
            kind=kind, state=answer.get("state", ""), code=answer.get("code", ""),
            error=answer.get("error", ""), actor=request.user, session=request.session,
        )  # fmt: skip
    except ConsentRefused as refused:
        messages.error(request, str(refused))
        if refused.connection is not None:
            return redirect("channels:connection_detail", refused.connection.pk)
        return redirect("channels:connection_list")
    messages.success(
        request, f"Authorised: {connection.label} gave Packline access to {connection}; polling starts."
    )
    return redirect("channels:connection_detail", connection.pk)
