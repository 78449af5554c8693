"""Return pages: the returns list, the RMA, the receiving bench with its scan field, the return slip,
and the returns panel on the order page. Returns are seen through the orders the user may see."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fulfilment.errors import WrongItem
from fulfilment.models import ReturnReason, ReturnRequest
from fulfilment.panels import records_present
from fulfilment.pdf import pdf_response
from fulfilment.returns_forms import ReturnCreateForm, ReturnFilter, ReturnReceiveForm
from fulfilment.services.returns import (
    RETURNABLE_FROM,
    return_close,
    return_create,
    return_receive,
    return_scan,
    return_slip_print,
    returnable_quantities,
)
from orders.errors import OrderError
from orders.money.views import any_permission_required
from orders.selectors import order_for, orders_visible_to

view_required = permission_required("fulfilment.view_returnrequest", raise_exception=True)
receive_required = permission_required("fulfilment.receive_return", raise_exception=True)


def returns_visible_to(user) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(order__in=orders_visible_to(user))


def return_for(user, pk: int) -> ReturnRequest:
    """The return if the user may see its order; 404 otherwise, like a missing one."""
    request = (
        returns_visible_to(user)
        .select_related("order", "order__status", "warehouse", "created_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such return")
    return request


# The order page's panel ----------------------------------------------------------------------------


def returns_panel(order, user):
    """The order's returns, and the form to create one for shipped units."""
    if order.is_deleted:
        return None
    returns = (
        list(ReturnRequest.objects.filter(order=order).prefetch_related("lines__order_line").order_by("pk"))
        if "returns" in records_present(order)
        else []
    )
    can_create = user.has_perm("fulfilment.create_return") and order.stage in RETURNABLE_FROM
    form = None
    if can_create:
        returnable = returnable_quantities(order)
        if returnable:
            form = ReturnCreateForm(returnable=returnable, lines=order.lines.filter(pk__in=returnable))
    if not returns and form is None:
        return None
    return (
        "fulfilment/returns/_order_panel.html",
        {"returns": returns, "form": form, "reasons": ReturnReason.choices},
    )


@require_POST
@permission_required("fulfilment.create_return", raise_exception=True)
def return_create_view(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    form = ReturnCreateForm(
        request.POST,
        returnable=returnable_quantities(order),
        lines=order.lines.filter(quantity_shipped__gt=0),
    )
    if not form.is_valid():
        messages.error(request, "Choose a reason and the quantities that come back.")
        return redirect(order)
    try:
        rma = return_create(
            order_id=order.pk, quantities=form.quantities(), reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"], actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(order)
    messages.success(request, f"{rma} created for {order}. Print the return slip for the parcel.")
    return redirect("fulfilment:return", pk=rma.pk)


# List and detail ------------------------------------------------------------------------------------


@require_GET
@view_required
def returns_list(request: HttpRequest) -> HttpResponse:
    returns = returns_visible_to(request.user).select_related("order", "warehouse", "created_by")
    filters = ReturnFilter(request.GET or None, queryset=returns)
    if filters.is_bound and filters.is_valid():
        returns = filters.qs
    return render(
        request,
        "fulfilment/returns/list.html",
        {"returns": returns.order_by("-created_at", "-pk")[:200], "filters": filters},
    )


@require_GET
@view_required
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rma = return_for(request.user, pk)
    return render(
        request,
        "fulfilment/returns/detail.html",
        {"rma": rma, "lines": list(rma.lines.select_related("order_line"))},
    )


@require_POST
@any_permission_required("fulfilment.create_return", "fulfilment.receive_return")
def return_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    rma = return_for(request.user, pk)
    try:
        return_close(return_id=rma.pk, reason=request.POST.get("reason", ""), actor=request.user)
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{rma} is closed.")
    return redirect("fulfilment:return", pk=rma.pk)


@require_GET
@any_permission_required("fulfilment.create_return", "fulfilment.receive_return")
def return_slip(request: HttpRequest, pk: int) -> HttpResponse:
    rma = return_for(request.user, pk)
    pdf = return_slip_print(request=rma, actor=request.user)
    return pdf_response(request, pdf, f"{rma.number}-return-slip.pdf")


# Receiving ------------------------------------------------------------------------------------------


@require_GET
@receive_required
def returns_receiving(request: HttpRequest) -> HttpResponse:
    """The receiving bench: scan the RMA number on the slip to open the return."""
    code = request.GET.get("rma", "").strip()
    if code:
        pk = ReturnRequest.pk_from_number(code)
        rma = returns_visible_to(request.user).filter(pk=pk).first() if pk else None
        if rma is None:
            messages.error(request, f"No return {code.upper()}.")
        elif rma.state != ReturnRequest.State.REQUESTED:
            messages.warning(request, f"{rma} is {rma.get_state_display().lower()}; nothing left to receive.")
            return redirect("fulfilment:return", pk=rma.pk)
        else:
            return redirect("fulfilment:return_receive", pk=rma.pk)
    open_returns = returns_visible_to(request.user).filter(state=ReturnRequest.State.REQUESTED)
    return render(
        request,
        "fulfilment/returns/receiving.html",
        {"open_returns": open_returns.select_related("order", "warehouse").order_by("created_at")[:50]},
    )


def _receive_context(rma: ReturnRequest) -> dict:
    lines = list(rma.lines.select_related("order_line", "order_line__product"))
    return {
        "rma": rma,
        "lines": lines,
        "form": ReturnReceiveForm(lines=lines, initial={"warehouse": rma.warehouse_id}),
    }


@receive_required
def return_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Scan product barcodes to count what came back, then book it: restock or write off per line."""
    rma = return_for(request.user, pk)
    context: dict = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "receive":
                lines = list(rma.lines.select_related("order_line"))
                form = ReturnReceiveForm(request.POST, lines=lines)
                if not form.is_valid():
                    raise OrderError(
                        "Enter the quantities received, a disposition per line and the warehouse."
                    )
                return_receive(
                    return_id=rma.pk, quantities=form.quantities(), dispositions=form.dispositions(),
                    warehouse=form.cleaned_data["warehouse"], actor=request.user,
                )  # fmt: skip
                rma = return_for(request.user, pk)
                order = rma.order
                messages.success(request, f"{rma} received. {order} is {order.status.label}.")
                return redirect("fulfilment:return", pk=rma.pk)
            context["scanned"] = return_scan(
                return_id=rma.pk, code=request.POST.get("code", ""), actor=request.user
            )
        except OrderError as error:
            context["scan_error"] = str(error)
            context["wrong_item"] = isinstance(error, WrongItem)
        rma = return_for(request.user, pk)
    context |= _receive_context(rma)
    if rma.state != ReturnRequest.State.REQUESTED and "scan_error" not in context:
        messages.info(request, f"{rma} is {rma.get_state_display().lower()}.")
        return redirect("fulfilment:return", pk=rma.pk)
    partial = request.htmx and request.method == "POST"
    return render(
        request,
        "fulfilment/returns/_receive_body.html" if partial else "fulfilment/returns/receive.html",
        context,
    )
