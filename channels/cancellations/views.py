"""The order page's answer to a buyer's cancellation request: a confirmation page for approving, a
reason form for rejecting, and the panel that offers both while the order waits for the answer."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from channels.cancellations.forms import RejectForm
from channels.cancellations.services import (
    CancellationDecisionRefused,
    awaiting_decision,
    buyer_cancellation_approve,
    buyer_cancellation_reject,
    order_shop_of,
)
from orders.models import Order
from orders.views.access import posted_order
from orders.workflow import Stage

DECIDE = "orders.cancel_order"  # the permission the order page's own Cancel needs


def buyer_cancellation_panel(order: Order, user) -> tuple[str, dict] | None:
    """Shown while the order is on hold for a buyer's request (no query for any other order)."""
    if order.stage != Stage.ON_HOLD or order.is_deleted or not awaiting_decision(order):
        return None
    shop = order_shop_of(order)
    return "channels/cancellations/_panel.html", {
        "shop": shop,
        "can_decide": user.has_perm(DECIDE) and user.has_perm("orders.hold_order"),
    }


def _not_awaiting(request: HttpRequest, order: Order) -> HttpResponse:
    messages.error(request, f"{order} is not on hold for a buyer's request to cancel.")
    return redirect(order)


@require_http_methods(["GET", "POST"])
@permission_required(DECIDE, raise_exception=True)
def approve(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    if request.method == "POST":
        try:
            decision = buyer_cancellation_approve(order=order, actor=request.user)
        except CancellationDecisionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, decision.message)
        return redirect(order)
    if not awaiting_decision(order):
        return _not_awaiting(request, order)
    return render(
        request, "channels/cancellations/confirm.html",
        {"order": order, "shop": order_shop_of(order), "decision": "approve"},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@permission_required(DECIDE, raise_exception=True)
def reject(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = buyer_cancellation_reject(
                order=order,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except CancellationDecisionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, decision.message)
        return redirect(order)
    if not awaiting_decision(order):
        return _not_awaiting(request, order)
    return render(
        request, "channels/cancellations/confirm.html",
        {"order": order, "shop": order_shop_of(order), "decision": "reject", "form": form},
        status=400 if form.is_bound else 200,
    )  # fmt: skip
