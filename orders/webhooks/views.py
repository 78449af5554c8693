"""Outbound webhook pages for managers: subscriptions, their form, the delivery log, test and resend.
Every view checks orders.manage_webhooks; the services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from orders.webhooks import selectors, services
from orders.webhooks.forms import SubscriptionForm
from orders.webhooks.models import WebhookMessage, WebhookSubscription

MANAGE = selectors.MANAGE


@permission_required(MANAGE, raise_exception=True)
def subscription_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "orders/webhooks/subscriptions.html", {"subscriptions": selectors.subscriptions_listed()}
    )


@permission_required(MANAGE, raise_exception=True)
def subscription_add(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.webhook_subscription_create(
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except services.WebhookError as error:
            form.add_error(None, str(error))
        else:
            # The secret is shown once, on the page this answer renders; it is never shown again.
            return render(
                request, "orders/webhooks/secret.html", {"subscription": subscription, "secret": secret}
            )
    return render(request, "orders/webhooks/form.html", {"form": form, "subscription": None})


@permission_required(MANAGE, raise_exception=True)
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    initial = {
        "url": subscription.url,
        "description": subscription.description,
        "events": subscription.events,
        "active": subscription.active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_subscription_update(subscription_id=pk, actor=request.user, **form.cleaned_data)
        except services.WebhookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Webhook subscription {subscription.url} saved.")
            return redirect("orders:webhook_list")
    return render(request, "orders/webhooks/form.html", {"form": form, "subscription": subscription})


@permission_required(MANAGE, raise_exception=True)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        services.webhook_subscription_delete(subscription_id=pk, actor=request.user)
        messages.success(request, f"Webhook subscription {subscription.url} deleted.")
        return redirect("orders:webhook_list")
    return render(request, "orders/webhooks/delete.html", {"subscription": subscription})


@permission_required(MANAGE, raise_exception=True)
def subscription_log(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    return render(
        request,
        "orders/webhooks/log.html",
        {"subscription": subscription, "log": selectors.delivery_log(subscription)},
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def subscription_test(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    try:
        services.webhook_test_send(subscription_id=pk, actor=request.user)
    except services.WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Test event queued: it appears in the log below once sent.")
    return redirect("orders:webhook_log", pk=subscription.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def message_resend(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    message = get_object_or_404(WebhookMessage, pk=message_id, subscription_id=pk)
    services.webhook_message_resend(message_id=message.pk, actor=request.user)
    messages.success(request, f"{message.event_type} {message.msg_id} will be sent again.")
    return redirect("orders:webhook_log", pk=pk)
