"""The managers' pages for connected shops: the list with each one's health, add and edit, the actions
(pause, resume, test, poll now, import since a date), the sync log with each delivery's details and
retry, and the tracking pushes still to be sent. Every view checks sales_channels.manage_connections;
the services check it again."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from channels.connections import selectors
from channels.connections.forms import BackfillForm, ConnectionForm
from channels.connections.models import Connection, SyncRun
from channels.connections.services import (
    MANAGE,
    connection_create,
    connection_pause,
    connection_test,
    connection_update,
)
from channels.errors import ChannelError, ConnectionInvalid
from channels.intake import tasks
from channels.intake.models import Delivery
from channels.intake.polling import sync_start
from channels.intake.processing import delivery_retry
from channels.tracking.models import TrackingPush
from channels.tracking.services import tracking_push_retry

manage_required = permission_required(MANAGE, raise_exception=True)
RETRYABLE = (Delivery.State.FAILED, Delivery.State.SKIPPED)


@require_GET
@manage_required
def connection_list(request: HttpRequest) -> HttpResponse:
    return render(request, "channels/connections/list.html", {"connections": selectors.connection_list()})


def _form_page(request: HttpRequest, form: ConnectionForm, connection: Connection | None) -> HttpResponse:
    return render(request, "channels/connections/form.html", {"form": form, "connection": connection})


@require_http_methods(["GET", "POST"])
@manage_required
def connection_add(request: HttpRequest) -> HttpResponse:
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connection_create(actor=request.user, **form.service_arguments())
        except ConnectionInvalid as invalid:
            form.add_service_errors(invalid.errors)
        else:
            messages.success(
                request,
                f"{connection.label} store {connection} connected. Now authorise it with {connection.label}."
                if connection.needs_authorisation
                else f"{connection.label} store {connection} connected. Now add the webhooks in the shop.",
            )
            return redirect("channels:connection_detail", connection.pk)
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
@manage_required
def connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    form = ConnectionForm(request.POST or None, connection=connection)
    if request.method == "POST" and form.is_valid():
        try:
            connection = connection_update(
                connection_id=connection.pk, actor=request.user, **form.service_arguments()
            )
        except ConnectionInvalid as invalid:
            form.add_service_errors(invalid.errors)
        else:
            messages.success(request, f"{connection} saved.")
            return redirect("channels:connection_detail", connection.pk)
    return _form_page(request, form, connection)


@require_GET
@manage_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = selectors.connection_page(pk)
    if connection is None:
        raise Http404("No such connection.")
    log = selectors.sync_log(
        connection, state=request.GET.get("state", "all"), after=request.GET.get("after", "")
    )
    context = {
        "connection": connection,
        "health": connection.health,
        "runs": selectors.recent_runs(connection),
        "pushes": selectors.open_pushes(connection),
        "log": log,
        "filters": [(key, label) for key, (label, _states) in selectors.LOG_FILTERS.items()],
        "webhook_url": request.build_absolute_uri(reverse("channels:webhook", args=[connection.pk])),
        "topics": selectors.WEBHOOK_TOPICS.get(connection.kind, ()),
        "backfill_form": BackfillForm(),
        "consent_callback_url": _consent_callback_url(request, connection),
    }
    return render(request, "channels/connections/detail.html", context)


def _consent_callback_url(request: HttpRequest, connection: Connection) -> str:
    """Where the platform sends the seller back after consent (eBay: the RuName's accept URL; TikTok
    Shop: the app's redirect URL), for OAuth connections; "" for the others."""
    from channels.connections.consent import consent_kinds

    if connection.kind not in consent_kinds():
        return ""
    return request.build_absolute_uri(reverse("channels:oauth_callback", args=[connection.kind]))


@require_GET
@manage_required
def sync_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One poll's or backfill's progress: the partial the connection page polls while it runs."""
    run = get_object_or_404(SyncRun, pk=pk)
    return render(request, "channels/connections/_run.html", {"run": run})


def _back(connection: Connection) -> HttpResponse:
    return redirect("channels:connection_detail", connection.pk)


@require_POST
@manage_required
def connection_pause_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    connection_pause(connection_id=connection.pk, actor=request.user, paused=True)
    messages.success(
        request,
        f"{connection} is paused: deliveries are kept, nothing is applied or polled until you resume.",
    )
    return _back(connection)


@require_POST
@manage_required
def connection_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    connection_pause(connection_id=connection.pk, actor=request.user, paused=False)
    messages.success(request, f"{connection} resumed: what arrived meanwhile is applied now.")
    return _back(connection)


@require_POST
@manage_required
def connection_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    try:
        shop_name = connection_test(connection_id=connection.pk, actor=request.user)
    except ChannelError as failure:
        messages.error(request, f"Test failed: {failure}")
    else:
        messages.success(request, f"{connection.label} answered: the shop is “{shop_name}”.")
    return _back(connection)


@require_POST
@manage_required
def connection_poll_view(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    if connection.paused:
        messages.error(request, f"{connection} is paused; resume it to poll.")
    elif connection.needs_authorisation:
        messages.error(request, f"{connection} needs re-authorisation; authorise it again to poll.")
    else:
        tasks.poll.delay(connection.pk)
        messages.info(request, f"A poll of {connection} is queued; it shows under Runs when it starts.")
    return _back(connection)


@require_POST
@manage_required
def connection_backfill(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=pk)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("since", ["Choose a day."])))
        return _back(connection)
    if connection.paused:
        messages.error(request, f"{connection} is paused; resume it to import its orders.")
        return _back(connection)
    if connection.needs_authorisation:
        messages.error(request, f"{connection} needs re-authorisation; authorise it again to import.")
        return _back(connection)
    since = timezone.make_aware(datetime.combine(form.cleaned_data["since"], time.min))
    try:
        run = sync_start(
            connection_id=connection.pk, kind=SyncRun.Kind.BACKFILL, since=since, user=request.user
        )
    except ChannelError as busy:
        messages.error(request, str(busy))
        return _back(connection)
    transaction.on_commit(lambda: tasks.backfill.delay(run.pk))
    messages.info(request, f"Importing the orders of {connection} changed since {since:%d %b %Y}.")
    return _back(connection)


@require_GET
@manage_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("connection", "order", "run"), pk=pk)
    body, cut = selectors.pretty_json(delivery.body)
    context = {
        "delivery": delivery,
        "connection": delivery.connection,
        "body": body,
        "body_cut": cut,
        "retryable": delivery.state in RETRYABLE and delivery.topic != "authorisation",
    }
    return render(request, "channels/connections/delivery.html", context)


@require_POST
@manage_required
def delivery_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.only("id", "state"), pk=pk)
    if delivery.state not in RETRYABLE:
        messages.info(request, f"This delivery is {delivery.get_state_display().lower()}; only failed or "
                      "skipped ones are tried again.")  # fmt: skip
        return redirect("channels:delivery_detail", delivery.pk)
    delivery_retry(delivery_id=delivery.pk, actor=request.user)
    delivery.refresh_from_db(fields=["state", "outcome"])
    level = {
        Delivery.State.APPLIED: messages.SUCCESS,
        Delivery.State.SKIPPED: messages.WARNING,
    }.get(delivery.state, messages.ERROR)
    outcome = f": {delivery.outcome}" if delivery.outcome else ""
    messages.add_message(request, level, f"Tried again: {delivery.get_state_display().lower()}{outcome}.")
    return redirect("channels:delivery_detail", delivery.pk)


@require_POST
@manage_required
def tracking_push_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    push = get_object_or_404(TrackingPush.objects.select_related("order", "connection"), pk=pk)
    if push.state == TrackingPush.State.SENT:
        messages.info(request, f"The tracking of {push.order} was sent already.")
    else:
        tracking_push_retry(push_id=push.pk, actor=request.user)
        messages.success(request, f"The tracking of {push.order} is sent to {push.connection} again now.")
    if request.POST.get("back") == "order":
        return redirect(push.order)
    return _back(push.connection)
