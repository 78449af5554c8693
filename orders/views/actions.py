"""The actions posted from the order page: status, lines, hold, release, cancel, assign, note, delete, restore."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from orders import bounds, workflow
from orders.errors import OrderError
from orders.forms import AssignForm, StatusChangeForm
from orders.models import Order, OrderLine, Warehouse
from orders.money.views import cancellation_refund_notice
from orders.panels import ENTRY_ACTIONS
from orders.services.delivery import collects_on_delivery
from orders.services.edit import (
    order_assign,
    order_note_add,
    order_restore,
    order_soft_delete,
)
from orders.services.lines import order_line_cancel, order_line_move, order_line_replace
from orders.services.transitions import (
    order_cancel,
    order_hold,
    order_release,
    order_transition,
)
from orders.views.access import posted_order, view_required
from orders.workflow import Stage


def _run(request: HttpRequest, order: Order, action, success: str) -> HttpResponse:
    try:
        result = action()
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success.format(order=result or order))
    return redirect("orders:detail", number=order.number)


# Every permission some status change needs (workflow.permission_for): without one, no change at all.
TRANSITION_PERMISSIONS = frozenset(
    workflow.permission_for(stage, target) for stage in Stage for target in workflow.allowed_stages(stage)
)


@require_POST
@view_required
def order_change_status(request: HttpRequest, number: int) -> HttpResponse:
    if not any(request.user.has_perm(permission) for permission in TRANSITION_PERMISSIONS):
        raise PermissionDenied("Your role changes no order's status.")
    order = posted_order(request, number)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the status to move the order to.")
        return redirect(order)
    target = form.cleaned_data["status"]
    if target.stage != order.stage and target.stage in ENTRY_ACTIONS:
        messages.error(
            request, f"{order} becomes {target.label} by its own action: {ENTRY_ACTIONS[target.stage]}."
        )
        return redirect(order)
    if target.stage == Stage.DELIVERED != order.stage and collects_on_delivery(order):
        # The money is collected at the door: delivered only with the amount, on Deliveries (issue 19).
        messages.error(
            request,
            f"{order} is paid on delivery: mark it delivered on Deliveries, where the amount collected is recorded.",
        )
        return redirect(order)
    response = _run(
        request,
        order,
        lambda: order_transition(
            order_id=order.pk, to=target, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        "{order} is now {order.status.label}.",
    )
    if target.stage == Stage.CANCELLED and order.stage != Stage.CANCELLED:
        cancellation_refund_notice(request, order)
    return response


@require_POST
@permission_required("orders.edit_prices", raise_exception=True)
def order_line_action(request: HttpRequest, number: int) -> HttpResponse:
    """One form under the lines changes any line: cancel it, replace its product, move its warehouse."""
    order = posted_order(request, number)
    line = get_object_or_404(OrderLine, pk=bounds.parse_id(request.POST.get("line")) or 0, order=order)
    action = request.POST.get("action")
    try:
        if action == "cancel":
            order_line_cancel(line_id=line.pk, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"{line.sku} cancelled on {order}.")
        elif action == "replace":
            new = order_line_replace(line_id=line.pk, sku=request.POST.get("sku", ""), actor=request.user)
            messages.success(request, f"{line.sku} replaced by {new.sku} on {order}.")
        elif action == "move":
            warehouse = Warehouse.objects.filter(pk=request.POST.get("warehouse") or 0, active=True).first()
            if warehouse is None:
                raise OrderError("Choose the warehouse to move the line to.")
            order_line_move(line_id=line.pk, warehouse=warehouse, actor=request.user)
            messages.success(request, f"{line.sku} now ships from {warehouse}.")
        else:
            messages.error(request, "Choose what to do with the line.")
    except OrderError as error:
        messages.error(request, str(error))
    return redirect(order)


@require_POST
@permission_required("orders.hold_order", raise_exception=True)
def order_hold_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    return _run(
        request,
        order,
        lambda: order_hold(order_id=order.pk, actor=request.user, reason=request.POST.get("reason", "")),
        "{order} is on hold.",
    )


@require_POST
@permission_required("orders.hold_order", raise_exception=True)
def order_release_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    try:
        order = order_release(order_id=order.pk, actor=request.user)
    except OrderError as error:
        messages.error(request, str(error))
    else:
        if order.stage == Stage.ON_HOLD:
            reasons = "; ".join(str(hold) for hold in order.holds.filter(released_at__isnull=True))
            messages.warning(request, f"{order} is still on hold: {reasons}.")
        else:
            messages.success(request, f"{order} was released and is now {order.status.label}.")
    return redirect(order)


@require_POST
@permission_required("orders.cancel_order", raise_exception=True)
def order_cancel_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    reason = request.POST.get("reason", "")
    response = _run(
        request,
        order,
        lambda: order_cancel(order_id=order.pk, actor=request.user, reason=reason),
        "{order} was cancelled.",
    )
    if order.stage != Stage.CANCELLED:
        cancellation_refund_notice(request, order)
    return response


@require_POST
@permission_required("orders.assign_order", raise_exception=True)
def order_assign_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose people who can be assigned.")
        return redirect(order)
    return _run(
        request,
        order,
        lambda: order_assign(
            order_id=order.pk,
            actor=request.user,
            csr=form.cleaned_data["assigned_csr"],
            agent=form.cleaned_data["assigned_agent"],
        ),
        "Assignments of {order} saved.",
    )


@require_POST
@permission_required("orders.note_order", raise_exception=True)
def order_note_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    text = request.POST.get("text", "")
    return _run(
        request,
        order,
        lambda: order_note_add(order_id=order.pk, actor=request.user, text=text),
        "Note added.",
    )


@require_POST
@permission_required("orders.delete_order", raise_exception=True)
def order_delete_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    try:
        order_soft_delete(order_id=order.pk, actor=request.user, reason=request.POST.get("reason", ""))
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(order)
    messages.success(request, f"{order} was deleted. A superadmin can restore it from the Deleted tab.")
    return redirect("orders:list")


@require_POST
@permission_required("orders.restore_order", raise_exception=True)
def order_restore_view(request: HttpRequest, number: int) -> HttpResponse:
    order = posted_order(request, number)
    return _run(
        request, order, lambda: order_restore(order_id=order.pk, actor=request.user), "{order} was restored."
    )
