"""The delivery agent's page: their shipped orders, marked delivered or failed."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from orders import bounds, selectors
from orders.errors import OrderError
from orders.services.delivery import collects_on_delivery, delivery_complete
from orders.services.transitions import builtin_status, order_transition
from orders.views.access import posted_order
from orders.workflow import Stage


@permission_required("orders.deliver_order", raise_exception=True)
def deliveries(request: HttpRequest) -> HttpResponse:
    """A delivery agent's run: their shipped orders, each marked delivered or failed in one tap."""
    if request.method == "POST":
        number = bounds.parse_id(request.POST.get("number"))
        if number is None:
            messages.error(request, "Choose the order to mark, by its number.")
            return redirect("orders:deliveries")
        order = posted_order(request, number)
        outcome = request.POST.get("outcome")
        reason = request.POST.get("reason", "")
        try:
            if outcome == "delivered":
                # The amount collected, when the order is paid at the door: recorded with the move.
                order = delivery_complete(
                    order_id=order.pk,
                    actor=request.user,
                    collected=request.POST.get("collected"),
                    reason=reason,
                )
            elif outcome == "failed":
                order = order_transition(
                    order_id=order.pk,
                    to=builtin_status(Stage.DELIVERY_FAILED),
                    actor=request.user,
                    reason=reason,
                )
            else:
                raise OrderError("Choose delivered or failed.")
        except OrderError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{order} marked {order.status.label}.")
        return redirect("orders:deliveries")
    orders = selectors.orders_visible_to(request.user).filter(stage=Stage.SHIPPED)
    if request.user.has_perm("orders.view_all_orders"):
        orders = orders.filter(assigned_agent=request.user) if request.GET.get("mine") else orders
    rows = list(orders.select_related("status").order_by("created_at")[:200])
    for row in rows:
        row.collect = collects_on_delivery(row)
    return render(request, "orders/deliveries.html", {"orders": rows})
