"""Creating and editing an order, with live totals and the customer and product pickers."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.replicas import replica_reads
from orders import bounds, selectors
from orders.catalogue import customers_matching, products_matching
from orders.errors import DuplicateOrder, OrderError, OrderInvalid
from orders.forms import LineFormSet, OrderForm
from orders.inputs import LineInput, OrderInput
from orders.models import Customer, Order, Product
from orders.services.create import apply_totals, build_lines, order_create
from orders.services.customers import customer_create
from orders.services.edit import (
    editable_fields,
    order_update,
)
from orders.workflow import Stage


def _lines_from(formset) -> list[LineInput]:
    return [
        form.as_line() for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _show_invalid(form, formset, error: OrderInvalid) -> None:
    for field, problems in error.errors.items():
        if field.startswith("lines["):
            formset._non_form_errors = formset.non_form_errors() + [
                f"Line {field[6:-1]}: {p}" for p in problems
            ]
        elif field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
        else:
            form.add_error(None, f"{field}: {' '.join(problems)}")


def _customer_from(form, user) -> Customer:
    data = form.cleaned_data
    if data.get("customer"):
        return data["customer"]
    return customer_create(
        name=data["new_customer_name"],
        email=data.get("new_customer_email") or "",
        phone=data.get("new_customer_phone") or "",
        company=data.get("new_customer_company") or "",
        requires_po_number=data.get("new_customer_requires_po") or False,
        address=form.shipping_address(),
        actor=user,
    )


@permission_required("orders.add_order", raise_exception=True)
def order_new(request: HttpRequest) -> HttpResponse:
    form = OrderForm(request.POST or None)
    formset = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                customer = _customer_from(form, request.user)
                order = order_create(
                    data=form.order_input(customer=customer, lines=_lines_from(formset)),
                    actor=request.user,
                    source="manual",
                )
        except OrderInvalid as error:
            _show_invalid(form, formset, error)
        except (DuplicateOrder, OrderError) as error:
            form.add_error(None, str(error))
        else:
            if order.stage == Stage.ON_HOLD:
                reasons = "; ".join(str(hold) for hold in order.holds.all())
                messages.warning(request, f"{order} was created and put on hold: {reasons}.")
            else:
                messages.success(request, f"{order} was created ({order.status.label}).")
            return redirect(order)
    if request.method == "GET" and not formset.forms:
        formset = LineFormSet(prefix="lines", initial=[{}])
    return render(
        request, "orders/form.html", {"form": form, "formset": formset, "order": None, "editable": None}
    )


@permission_required("orders.change_order", raise_exception=True)
def order_edit(request: HttpRequest, number: int) -> HttpResponse:
    order = selectors.order_for(request.user, number)
    editable = editable_fields(order, request.user)
    if not editable:
        messages.error(request, f"{order} is {order.status.label}; it can no longer be edited.")
        return redirect(order)
    lines_initial = [
        {"sku": line.sku, "quantity": line.quantity, "unit_price": line.unit_price, "discount": line.discount}
        for line in order.lines.all()
    ]
    form = OrderForm(request.POST or None, initial=OrderForm.initial_for(order))
    formset = LineFormSet(request.POST or None, prefix="lines", initial=lines_initial)
    _lock_fields(form, formset, editable)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        changes = {name: value for name, value in form.input_fields().items() if name in editable}
        try:
            order = order_update(
                order_id=order.pk,
                expected_version=data.get("version") or 0,
                changes=changes,
                lines=_lines_from(formset) if "lines" in editable else None,
                actor=request.user,
            )
        except OrderInvalid as error:
            _show_invalid(form, formset, error)
        except OrderError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{order} was updated.")
            return redirect(order)
    return render(
        request, "orders/form.html", {"form": form, "formset": formset, "order": order, "editable": editable}
    )


def _lock_fields(form, formset, editable: set[str]) -> None:
    """Disabled fields keep their initial value, so a locked field cannot be changed by a forged post."""
    for name, field in form.fields.items():
        base = name[5:] if name.startswith("ship_") else name
        if name.startswith("ship_"):
            base = "shipping_address"
        if base in {"customer", "version", "draft", "amount_paid"} or name.startswith("new_customer"):
            field.disabled = name != "version"
            continue
        if base not in editable:
            field.disabled = True
    if "lines" not in editable:
        for line_form in formset.forms:
            for field in line_form.fields.values():
                field.disabled = True


@require_POST
@permission_required("orders.add_order", raise_exception=True)
def order_totals(request: HttpRequest) -> HttpResponse:
    """The live totals of the order form, computed by the same code that saves the order."""
    formset = LineFormSet(request.POST, prefix="lines")
    lines = []
    for form in formset.forms:
        if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE"):
            lines.append(form.as_line())
    skus = {line.sku for line in lines}
    products = {product.sku: product for product in Product.objects.filter(sku__in=skus, active=True)}
    order = Order(delivery_fee=_decimal(request.POST.get("delivery_fee")), currency="")
    built = build_lines(OrderInput(customer=None, lines=lines), products)
    apply_totals(order, built)
    unknown = sorted(line.sku for line in built if line.product is None)
    return render(request, "orders/_totals.html", {"totals": order, "lines": built, "unknown": unknown})


def _decimal(raw):
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(raw or "0")
    except InvalidOperation:
        return Decimal("0")
    # NaN, Infinity or an amount past numeric(12,2) counts as nothing, as a negative one does.
    return value if bounds.amount_problem(value, "fee") is None and value >= 0 else Decimal("0")


@require_GET
@permission_required("orders.add_order", raise_exception=True)
@replica_reads()
def customer_search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("customer_q", "").strip()
    customers = []
    if len(term) >= 2:
        customers = customers_matching(term).order_by("name")[:10]
    return render(request, "orders/_customer_results.html", {"customers": customers, "term": term})


@require_GET
@permission_required("orders.add_order", raise_exception=True)
@replica_reads()
def product_search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("product_q", "").strip()
    products = []
    if term:
        products = products_matching(term).filter(active=True).order_by("sku")[:12]
    return render(request, "orders/_product_results.html", {"products": products, "term": term})
