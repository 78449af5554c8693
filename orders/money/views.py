"""Money pages: the order's money panel and its forms, and the delivery agents' remittance pages.

Over 400 lines because it is every money form's view (payments, failures, reversals, expenses,
refunds, payouts, remittance), each short; they share the order lookup and the panel's context.

Each view checks the permission, finds the order through order_for (404 for orders the user may not
see: an agent reaches only their own), calls a money service and says what happened.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from orders.errors import OrderError
from orders.models import Order
from orders.money import selectors as money_selectors
from orders.money.forms import (
    ExpenseForm,
    PaymentFailureForm,
    PaymentForm,
    PeriodForm,
    RefundExecuteForm,
    RefundForm,
    RemittanceForm,
    ReverseForm,
    agents_for_money_forms,
)
from orders.money.models import Expense, Payment, Refund, Remittance
from orders.money.services.expenses import expense_record, expense_reverse
from orders.money.services.payments import payment_failure_record, payment_record, payment_reverse
from orders.money.services.refunds import refund_execute, refund_record, refund_reverse
from orders.money.services.remittance import remittance_mark, remittance_reverse
from orders.selectors import order_for
from orders.workflow import FINAL, Stage


def any_permission_required(*permissions: str):
    """Like permission_required, but one of the permissions is enough (agents record their own
    collections with record_collection, CSRs any payment with record_payment)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(request.user.has_perm(permission) for permission in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _money(amount, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _form_problem(form) -> str:
    return "; ".join(
        f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


def _reloaded(order: Order) -> Order:
    return Order.objects.select_related("status").get(pk=order.pk)


# The order page's panel ----------------------------------------------------------------------------


def money_permissions(order: Order, user) -> dict[str, bool]:
    """What this user may do with the order's money now (the services check again on submit)."""
    open_order = not order.is_deleted
    own = order.assigned_agent_id is not None and order.assigned_agent_id == user.pk
    any_payment = user.has_perm("orders.record_payment")
    any_expense = user.has_perm("orders.record_expense")
    refunds = user.has_perm("orders.record_refund")
    return {
        "payment": open_order
        and order.stage not in FINAL
        and (any_payment or (own and user.has_perm("orders.record_collection"))),
        "collector_only": not any_payment,
        "failure": open_order and any_payment and order.stage == Stage.AWAITING_PAYMENT,
        "reverse_payment": open_order and any_payment,
        "expense": open_order and (any_expense or (own and user.has_perm("orders.record_delivery_expense"))),
        "payer_only": not any_expense,
        "reverse_expense": open_order and any_expense,
        "refund": open_order and refunds,
    }


def money_panel(order: Order, user):
    """The financial breakdown and the payment, expense and refund records, with their forms."""
    can = money_permissions(order, user)
    payment_form = (
        PaymentForm(
            collector_only=can["collector_only"],
            initial={"amount": order.balance_due or None, "method": order.payment_method},
        )
        if can["payment"]
        else None
    )
    expense_form = ExpenseForm(payer_only=can["payer_only"]) if can["expense"] else None
    # Both forms offer the same delivery agents: read them once.
    agent_choice = (payment_form and "collected_by" in payment_form.fields) or (
        expense_form and "paid_by" in expense_form.fields
    )
    breakdown, records = money_selectors.order_money(order)
    return (
        "orders/money/_panel.html",
        {
            "agents": list(agents_for_money_forms()) if agent_choice else [],
            "breakdown": breakdown,
            "records": records,
            "can": can,
            "payment_form": payment_form,
            "failure_form": PaymentFailureForm() if can["failure"] else None,
            "expense_form": expense_form,
            "refund_form": RefundForm() if can["refund"] else None,
        },
    )


def cancellation_refund_notice(request: HttpRequest, order: Order) -> None:
    """After a cancellation: say which refund was recorded (seed 004), if anything was paid."""
    refund = (
        Refund.objects.filter(order=order, kind=Refund.Kind.CANCELLATION, reverses__isnull=True)
        .order_by("-pk")
        .first()
    )
    if refund is not None:
        messages.info(
            request,
            f"Refund of {_money(refund.amount, refund.currency)} recorded for {order}; "
            f"mark it executed once it is paid out.",
        )


# Payments -------------------------------------------------------------------------------------------


@require_POST
@any_permission_required("orders.record_payment", "orders.record_collection")
def payment_record_view(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    form = PaymentForm(request.POST, collector_only=not request.user.has_perm("orders.record_payment"))
    if not form.is_valid():
        messages.error(request, f"The payment was not recorded: {_form_problem(form)}")
        return redirect(order)
    data = form.cleaned_data
    try:
        payment = payment_record(
            order_id=order.pk, amount=data["amount"], method=data["method"], reference=data["reference"],
            collected_by=data.get("collected_by"), actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(order)
    after = _reloaded(order)
    message = f"Payment of {_money(payment.amount, payment.currency)} recorded on {after}."
    if after.status_id != order.status_id:
        message += f" {after} is now {after.status.label}."
    messages.success(request, message)
    return redirect(order)


@require_POST
@any_permission_required("orders.record_payment")
def payment_failure_view(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    form = PaymentFailureForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The failure was not recorded: {_form_problem(form)}")
        return redirect(order)
    data = form.cleaned_data
    try:
        payment_failure_record(
            order_id=order.pk, amount=data["amount"], reason=data["reason"], reference=data["reference"],
            actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
        return redirect(order)
    after = _reloaded(order)
    message = f"Payment failure recorded on {after}."
    if after.status_id != order.status_id:
        message += f" {after} is now {after.status.label}."
    messages.warning(request, message)
    return redirect(order)


def _reverse(request: HttpRequest, order: Order, service, what: str, **ids) -> HttpResponse:
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Say why the {what} is reversed.")
        return redirect(order)
    try:
        reversal = service(actor=request.user, reason=form.cleaned_data["reason"], **ids)
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The {what} of {_money(-reversal.amount, reversal.currency)} was reversed on {order}."
        )
    return redirect(order)


@require_POST
@any_permission_required("orders.record_payment")
def payment_reverse_view(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    order = order_for(request.user, number)
    payment = get_object_or_404(Payment, pk=pk, order=order)
    return _reverse(request, order, payment_reverse, "payment", payment_id=payment.pk)


# Expenses -------------------------------------------------------------------------------------------


@require_POST
@any_permission_required("orders.record_expense", "orders.record_delivery_expense")
def expense_record_view(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    form = ExpenseForm(request.POST, payer_only=not request.user.has_perm("orders.record_expense"))
    if not form.is_valid():
        messages.error(request, f"The expense was not recorded: {_form_problem(form)}")
        return redirect(order)
    data = form.cleaned_data
    try:
        expense = expense_record(
            order_id=order.pk, category=data["category"], amount=data["amount"], paid_by=data.get("paid_by"),
            note=data["note"], actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Expense of {_money(expense.amount, expense.currency)} recorded on {order}."
        )
    return redirect(order)


@require_POST
@any_permission_required("orders.record_expense")
def expense_reverse_view(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    order = order_for(request.user, number)
    expense = get_object_or_404(Expense, pk=pk, order=order)
    return _reverse(request, order, expense_reverse, "expense", expense_id=expense.pk)


# Refunds --------------------------------------------------------------------------------------------


@require_POST
@any_permission_required("orders.record_refund")
def refund_record_view(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The refund was not recorded: {_form_problem(form)}")
        return redirect(order)
    data = form.cleaned_data
    try:
        refund = refund_record(
            order_id=order.pk, amount=data["amount"], reason=data["reason"], method=data["method"],
            actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Refund of {_money(refund.amount, refund.currency)} recorded on {order}.")
    return redirect(order)


@require_POST
@any_permission_required("orders.record_refund")
def refund_execute_view(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    order = order_for(request.user, number)
    refund = get_object_or_404(Refund, pk=pk, order=order)
    form = RefundExecuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the reference of the payout.")
        return redirect(order)
    try:
        refund = refund_execute(
            refund_id=refund.pk, reference=form.cleaned_data["reference"], actor=request.user
        )
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Refund of {_money(refund.amount, refund.currency)} marked paid out ({refund.reference}).",
        )
    return redirect(order)


@require_POST
@any_permission_required("orders.record_refund")
def refund_reverse_view(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    order = order_for(request.user, number)
    refund = get_object_or_404(Refund, pk=pk, order=order)
    return _reverse(request, order, refund_reverse, "refund", refund_id=refund.pk)


# Remittance -----------------------------------------------------------------------------------------


@require_GET
@any_permission_required("orders.view_remittance")
def remittance_list(request: HttpRequest) -> HttpResponse:
    """Managers: every delivery agent and what they owe. An agent goes straight to their own page."""
    if not request.user.has_perm("orders.view_all_orders"):
        return redirect("orders:remittance", agent_id=request.user.pk)
    agents = list(money_selectors.remittance_agents_visible_to(request.user))
    figures = money_selectors.remittance_figures([agent.pk for agent in agents])
    rows = [
        {"agent": agent, "figures": [figures[agent.pk][c] for c in sorted(figures.get(agent.pk, {}))]}
        for agent in agents
    ]
    return render(request, "orders/money/remittances.html", {"rows": rows})


@require_GET
@any_permission_required("orders.view_remittance")
def remittance_detail(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = money_selectors.remittance_agent_for(request.user, agent_id)
    period_form = PeriodForm(request.GET or None)
    start, end = period_form.period()
    statement = money_selectors.agent_remittance(agent, start=start, end=end)
    period = {row.currency: row for row in statement.period}
    can_mark = request.user.has_perm("orders.mark_remitted")
    forms = (
        [
            (
                row,
                RemittanceForm(
                    initial={
                        "amount": row.owed if row.owed > 0 else None, "currency": row.currency,
                        "period_start": start, "period_end": end,
                    }
                ),
            )
            for row in statement.overall
        ]
        if can_mark
        else []
    )  # fmt: skip
    return render(
        request,
        "orders/money/remittance.html",
        {
            "agent": agent,
            "statement": statement,
            "period_form": PeriodForm(initial={"start": start, "end": end}),
            "period_by_currency": period,
            "remit_forms": forms,
            "can_mark": can_mark,
        },
    )


@require_POST
@any_permission_required("orders.mark_remitted")
def remittance_mark_view(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = money_selectors.remittance_agent_for(request.user, agent_id)
    form = RemittanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was marked remitted: {_form_problem(form)}")
        return redirect("orders:remittance", agent_id=agent.pk)
    data = form.cleaned_data
    try:
        remittance = remittance_mark(
            agent=agent, amount=data["amount"], currency=data["currency"].upper(), period_start=data["period_start"],
            period_end=data["period_end"], note=data["note"], actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{_money(remittance.amount, remittance.currency)} from {agent} marked remitted."
        )
    return redirect("orders:remittance", agent_id=agent.pk)


@require_POST
@any_permission_required("orders.mark_remitted")
def remittance_reverse_view(request: HttpRequest, agent_id: int, pk: int) -> HttpResponse:
    agent = money_selectors.remittance_agent_for(request.user, agent_id)
    remittance = get_object_or_404(Remittance, pk=pk, agent=agent)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the remittance is reversed.")
        return redirect("orders:remittance", agent_id=agent.pk)
    try:
        remittance_reverse(
            remittance_id=remittance.pk, reason=form.cleaned_data["reason"], actor=request.user
        )
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The remittance of {_money(remittance.amount, remittance.currency)} was reversed."
        )
    return redirect("orders:remittance", agent_id=agent.pk)
