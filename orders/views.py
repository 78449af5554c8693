"""Order pages: check the permission, call a selector or a service, render or redirect."""

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_POST

from orders import bounds, selectors, workflow
from orders.actors import Actor
from orders.errors import DuplicateOrder, OrderError, OrderInvalid
from orders.filters import OrderFilter
from orders.forms import AssignForm, LineFormSet, OrderForm, StatusChangeForm
from orders.jobs import actions_for
from orders.models import Customer, Order, OrderHold, OrderLine, Product, Stage, Status, Warehouse
from orders.money_views import cancellation_refund_notice
from orders.panels import ENTRY_ACTIONS, panels_for
from orders.services import (
    LineInput,
    OrderInput,
    allowed_statuses,
    builtin_status,
    check_transition,
    customer_create,
    editable_fields,
    order_assign,
    order_cancel,
    order_create,
    order_hold,
    order_line_cancel,
    order_line_move,
    order_line_replace,
    order_note_add,
    order_release,
    order_restore,
    order_soft_delete,
    order_transition,
    order_update,
)
from orders.services.create import apply_totals, build_lines
from orders.tables import header_columns, render_lines, render_rows
from orders.timeline import render_timeline

view_required = permission_required("orders.view_order", raise_exception=True)


# List -----------------------------------------------------------------------------------------------


@require_GET
@view_required
def order_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tabs = selectors.tabs_for(user)
    tab = request.GET.get("tab", "all")
    if tab not in dict(tabs):
        tab = "all"
    orders = selectors.orders_for_tab(user, tab)
    filters = OrderFilter(request.GET or None, queryset=orders)
    # A query the list cannot use (a page link from nowhere, a date past the calendar, an id that is
    # no one's) shows why and no orders: neither a 500 nor, quietly, every order.
    problems = filters.problems()
    if problems:
        orders = orders.none()
    elif filters.is_bound:
        orders = filters.qs
    sort = request.GET.get("sort", "-created")
    page = selectors.keyset_page(
        selectors.list_columns(orders),
        sort=sort,
        after="" if problems else request.GET.get("after", ""),
        before="" if problems else request.GET.get("before", ""),
    )
    counts = selectors.tab_counts(user)
    page.matching = (
        0 if problems else selectors.capped_count(orders) if filters.active else counts.get(tab, 0)
    )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {
        "tabs": [(key, label, counts.get(key, 0)) for key, label in tabs],
        "tab": tab,
        "filters": filters,
        "page": page,
        "columns": header_columns(page.sort),
        "rows_html": render_rows(page.rows),
        "filter_controls": filters.controls(),
        "query": query.urlencode(),
        "query_without_sort": _without(query, "sort"),
        "query_without_tab": _without(query, "tab"),
        "cap": selectors.COUNT_CAP,
        "bulk_actions": [] if problems else actions_for(user, tab),
        "problems": problems,
    }
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    # htmx swaps only 2xx answers into the page: the filters' own request gets the problems shown.
    status = 400 if problems and not partial else 200
    response = render(
        request, "orders/_list_results.html" if partial else "orders/list.html", context, status=status
    )
    # The same URL answers a fragment to htmx and a page to the browser: caches must tell them apart,
    # or Back after a search shows the bare fragment.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


# Detail ---------------------------------------------------------------------------------------------


def _actions(order: Order, user, all_statuses: Iterable[Status]) -> dict:
    """Which actions the detail page offers this user now (the services check again on submit)."""
    if order.is_deleted:
        return {"restore": user.has_perm("orders.restore_order")}
    stage = order.stage
    statuses = []
    for status in allowed_statuses(order, all_statuses):
        if status.stage != stage and status.stage in ENTRY_ACTIONS:
            continue  # entered through its own action (a shipment, a picklist), shown by its panel
        try:
            check_transition(order, status, Actor(user=user))
        except OrderError:
            continue
        statuses.append(status)
    return {
        "statuses": statuses,
        "edit": bool(editable_fields(order, user)),
        "hold": user.has_perm("orders.hold_order") and stage in workflow.HOLDABLE,
        "release": user.has_perm("orders.hold_order") and stage == Stage.ON_HOLD,
        "cancel": user.has_perm("orders.cancel_order")
        and Stage.CANCELLED in workflow.TRANSITIONS[Stage(stage)],
        "assign": user.has_perm("orders.assign_order") and stage not in workflow.FINAL,
        "note": user.has_perm("orders.note_order"),
        "lines": user.has_perm("orders.edit_prices") and stage not in workflow.LINES_LOCKED,
        "delete": user.has_perm("orders.delete_order"),
    }


@require_GET
@view_required
def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    page = selectors.order_page(request.user, number)
    order, lines, timeline = page.order, page.order.line_list, page.timeline
    actions = _actions(order, request.user, page.statuses)
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines_html": render_lines(lines),
            "line_options": format_html_join(
                "",
                '<option value="{}">{} × {}</option>',
                ((line.pk, line.sku, line.quantity) for line in lines if line.is_changeable),
            ),
            "holds": page.holds,
            "timeline_html": render_timeline(timeline, "timeline"),
            "status_history_html": render_timeline(
                [entry for entry in timeline if entry.is_status_change], "status-history"
            ),
            "actions": actions,
            "panels": panels_for(order, request.user),
            "warehouses": page.warehouses,
            "assignable": selectors.assignable_people() if actions.get("assign") else None,
        },
    )


# Create and edit ------------------------------------------------------------------------------------


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
        data = form.cleaned_data
        try:
            with transaction.atomic():
                customer = _customer_from(form, request.user)
                order = order_create(
                    data=OrderInput(
                        customer=customer,
                        lines=_lines_from(formset),
                        shipping_address=form.shipping_address(),
                        shipping_method=data["shipping_method"],
                        payment_method=data["payment_method"],
                        amount_paid=data["amount_paid"],
                        delivery_fee=data["delivery_fee"],
                        po_number=data["po_number"],
                        customer_reference=data["customer_reference"],
                        gift_message=data["gift_message"],
                        notes=data["notes"],
                        tags=data["tags"],
                        assigned_csr=data["assigned_csr"],
                        assigned_agent=data["assigned_agent"],
                        warehouse=data["warehouse"],
                        priority=data["priority"],
                        draft=data["draft"],
                    ),
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
        changes = {"shipping_address": form.shipping_address()} | {
            name: data[name]
            for name in (
                "shipping_method", "payment_method", "delivery_fee", "po_number", "customer_reference",
                "gift_message", "notes", "tags", "priority", "warehouse", "assigned_csr", "assigned_agent",
            )
        }  # fmt: skip
        changes = {name: value for name, value in changes.items() if name in editable}
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
def customer_search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("customer_q", "").strip()
    customers = []
    if len(term) >= 2:
        customers = Customer.objects.filter(name__icontains=term) | Customer.objects.filter(
            email__istartswith=term
        )
        customers = customers.order_by("name")[:10]
    return render(request, "orders/_customer_results.html", {"customers": customers, "term": term})


@require_GET
@permission_required("orders.add_order", raise_exception=True)
def product_search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("product_q", "").strip()
    products = []
    if term:
        products = (
            Product.objects.filter(active=True).filter(sku__istartswith=term)
            | Product.objects.filter(active=True, name__icontains=term)
            | Product.objects.filter(active=True, barcode=term)
        ).order_by("sku")[:12]
    return render(request, "orders/_product_results.html", {"products": products, "term": term})


# Actions --------------------------------------------------------------------------------------------


def _run(request: HttpRequest, order: Order, action, success: str) -> HttpResponse:
    try:
        result = action()
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success.format(order=result or order))
    return redirect("orders:detail", number=order.number)


def _posted_order(request: HttpRequest, number: int) -> Order:
    return selectors.order_for(request.user, number)


HOLD_REASON_LENGTH = bounds.max_length(OrderHold, "detail")
DELETE_REASON_LENGTH = bounds.max_length(Order, "delete_reason")


def _posted_reason(request: HttpRequest, limit: int) -> str:
    """The reason the form sent, refused (OrderError) when longer than the column that keeps it."""
    reason = request.POST.get("reason", "").strip()
    if len(reason) > limit:
        raise OrderError(f"Keep the reason to {limit} characters; this one has {len(reason):,}.")
    return reason


# Every permission some status change needs (workflow.permission_for): without one, no change at all.
TRANSITION_PERMISSIONS = frozenset(
    workflow.permission_for(stage, target) for stage in Stage for target in workflow.allowed_stages(stage)
)


@require_POST
@view_required
def order_change_status(request: HttpRequest, number: int) -> HttpResponse:
    if not any(request.user.has_perm(permission) for permission in TRANSITION_PERMISSIONS):
        raise PermissionDenied("Your role changes no order's status.")
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
    return _run(
        request,
        order,
        lambda: order_hold(
            order_id=order.pk, actor=request.user, reason=_posted_reason(request, HOLD_REASON_LENGTH)
        ),
        "{order} is on hold.",
    )


@require_POST
@permission_required("orders.hold_order", raise_exception=True)
def order_release_view(request: HttpRequest, number: int) -> HttpResponse:
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
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
    order = _posted_order(request, number)
    try:
        reason = _posted_reason(request, DELETE_REASON_LENGTH)
        order_soft_delete(order_id=order.pk, actor=request.user, reason=reason)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(order)
    messages.success(request, f"{order} was deleted. A superadmin can restore it from the Deleted tab.")
    return redirect("orders:list")


@require_POST
@permission_required("orders.restore_order", raise_exception=True)
def order_restore_view(request: HttpRequest, number: int) -> HttpResponse:
    order = _posted_order(request, number)
    return _run(
        request, order, lambda: order_restore(order_id=order.pk, actor=request.user), "{order} was restored."
    )


# Deliveries -----------------------------------------------------------------------------------------


@permission_required("orders.deliver_order", raise_exception=True)
def deliveries(request: HttpRequest) -> HttpResponse:
    """A delivery agent's run: their shipped orders, each marked delivered or failed in one tap."""
    if request.method == "POST":
        number = bounds.parse_id(request.POST.get("number"))
        if number is None:
            messages.error(request, "Choose the order to mark, by its number.")
            return redirect("orders:deliveries")
        order = _posted_order(request, number)
        outcome = request.POST.get("outcome")
        stage = {"delivered": Stage.DELIVERED, "failed": Stage.DELIVERY_FAILED}.get(outcome)
        if stage is None:
            messages.error(request, "Choose delivered or failed.")
        else:
            try:
                order = order_transition(
                    order_id=order.pk,
                    to=builtin_status(stage),
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                )
            except OrderError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{order} marked {order.status.label}.")
        return redirect("orders:deliveries")
    orders = selectors.orders_visible_to(request.user).filter(stage=Stage.SHIPPED)
    if request.user.has_perm("orders.view_all_orders"):
        orders = orders.filter(assigned_agent=request.user) if request.GET.get("mine") else orders
    return render(
        request,
        "orders/deliveries.html",
        {"orders": orders.select_related("status").order_by("created_at")[:200]},
    )
