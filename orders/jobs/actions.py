"""The orders app's mass actions (seed 004): registered in OrdersConfig.ready()."""

import csv
import logging

from django import forms
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum

from orders import bounds
from orders.errors import OrderError
from orders.jobs.models import BulkJobResult
from orders.jobs.registry import BulkAction, Outcomes, register
from orders.jobs.runner import job_output_path
from orders.models import Order, OrderHold, OrderLine, Status
from orders.resources import OrderResource, export_queryset
from orders.selectors import assignable_agents, assignable_csrs
from orders.services.bulk import order_assign_many
from orders.services.edit import order_restore, order_soft_delete
from orders.services.transitions import builtin_status, order_release, order_transition_many
from orders.workflow import FINAL, HOLDABLE, TRANSITIONS, Stage

logger = logging.getLogger(__name__)
SKIPPED, FAILED = BulkJobResult.State.SKIPPED, BulkJobResult.State.FAILED


def _skipped(refused: dict[int, str]) -> Outcomes:
    return {pk: (SKIPPED, reason) for pk, reason in refused.items()}


def each(order_ids: list[int], service) -> Outcomes:
    """Run a single-order service per order, each in its own savepoint: one refusal or crash does not
    undo the others."""
    outcomes: Outcomes = {}
    for order_id in order_ids:
        try:
            with transaction.atomic():
                message = service(order_id)
        except OrderError as refusal:
            outcomes[order_id] = (SKIPPED, str(refusal))
        except Exception as error:
            logger.exception("mass action failed on order %s", order_id)
            outcomes[order_id] = (FAILED, f"{type(error).__name__}: {error}")
        else:
            if message:
                outcomes[order_id] = (SKIPPED, message)
    return outcomes


# Parameter forms -------------------------------------------------------------------------------------


class ReasonParams(forms.Form):
    reason = forms.CharField(max_length=bounds.max_length(OrderHold, "detail"))


class DeleteParams(forms.Form):
    reason = forms.CharField(max_length=bounds.max_length(Order, "delete_reason"))


class StatusParams(forms.Form):
    status = forms.ModelChoiceField(queryset=Status.objects.all())
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, tab: str = "all", **kwargs):
        super().__init__(*args, **kwargs)
        if tab in Stage.values:
            stages = set(TRANSITIONS[Stage(tab)]) | ({tab} if tab not in FINAL else set())
            self.fields["status"].queryset = Status.objects.filter(stage__in=stages)

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status and status.stage == Stage.ON_HOLD and not data.get("reason"):
            self.add_error("reason", "Say why the orders are held.")
        return data


class CsrParams(forms.Form):
    person = forms.ModelChoiceField(
        queryset=assignable_csrs(), required=False, label="CSR", empty_label="Nobody"
    )


class AgentParams(forms.Form):
    person = forms.ModelChoiceField(
        queryset=assignable_agents(), required=False, label="Agent", empty_label="Nobody"
    )


def params_of(form: forms.Form) -> dict:
    """JSON-safe parameters of a valid form (model choices by primary key)."""
    return {name: getattr(value, "pk", value) for name, value in form.cleaned_data.items()}


# Actions ---------------------------------------------------------------------------------------------


def apply_status(ids, actor, params) -> Outcomes:
    status = Status.objects.get(pk=params["status"])
    return _skipped(
        order_transition_many(order_ids=ids, to=status, actor=actor, reason=params.get("reason", ""))
    )


def apply_hold(ids, actor, params) -> Outcomes:
    to = builtin_status(Stage.ON_HOLD)
    return _skipped(order_transition_many(order_ids=ids, to=to, actor=actor, reason=params["reason"]))


def apply_cancel(ids, actor, params) -> Outcomes:
    to = builtin_status(Stage.CANCELLED)
    return _skipped(order_transition_many(order_ids=ids, to=to, actor=actor, reason=params["reason"]))


def apply_return(ids, actor, params) -> Outcomes:
    to = builtin_status(Stage.RETURNED)
    return _skipped(order_transition_many(order_ids=ids, to=to, actor=actor, reason=params.get("reason", "")))


def _person(params, role):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=params.get("person") or 0).first()


def apply_assign_csr(ids, actor, params) -> Outcomes:
    return _skipped(order_assign_many(order_ids=ids, actor=actor, role="csr", person=_person(params, "csr")))


def apply_assign_agent(ids, actor, params) -> Outcomes:
    return _skipped(
        order_assign_many(order_ids=ids, actor=actor, role="agent", person=_person(params, "agent"))
    )


def apply_release(ids, actor, params) -> Outcomes:
    def release(order_id):
        order = order_release(order_id=order_id, actor=actor)
        if order.stage == Stage.ON_HOLD:
            reasons = "; ".join(str(hold) for hold in order.holds.filter(released_at__isnull=True))
            return f"{order} is still on hold: {reasons}"
        return None

    return each(ids, release)


def apply_soft_delete(ids, actor, params) -> Outcomes:
    return each(ids, lambda pk: order_soft_delete(order_id=pk, actor=actor, reason=params["reason"]) and None)


def apply_restore(ids, actor, params) -> Outcomes:
    return each(ids, lambda pk: order_restore(order_id=pk, actor=actor) and None)


def produce_csv(job, orders, actor):
    path, relative = job_output_path(job, ".csv")
    resource = OrderResource()
    with path.open("w", newline="", encoding="utf-8") as output:
        writer = csv.writer(output)
        writer.writerow(resource.headers())
        for order in export_queryset(orders):
            writer.writerow(resource.row(order))
    return relative, {}


def produce_xlsx(job, orders, actor):
    from openpyxl import Workbook

    path, relative = job_output_path(job, ".xlsx")
    resource = OrderResource()
    workbook = Workbook(write_only=True)  # rows stream to disk, the workbook is never whole in memory
    sheet = workbook.create_sheet("Orders")
    sheet.append(resource.headers())
    for order in export_queryset(orders):
        sheet.append(
            [
                value if isinstance(value, int | float | str) or value is None else str(value)
                for value in resource.row(order)
            ]
        )
    workbook.save(path)
    return relative, {}


HOLDABLE_TABS = frozenset(HOLDABLE)
CANCELLABLE_TABS = frozenset(
    stage for stage, targets in TRANSITIONS.items() if Stage.CANCELLED in targets
) | {"on_hold"}
OPEN_TABS = frozenset(stage.value for stage in Stage if stage not in FINAL) | {"all"}


def _holding_stock(orders) -> str:
    count = orders.filter(
        Exists(OrderLine.objects.filter(order=OuterRef("pk"), quantity_allocated__gt=0))
    ).count()
    if not count:
        return ""
    return f"{count} of them hold reserved stock: it is released, to the oldest backordered orders first."


def _paid(orders) -> str:
    """ "2 of them have payments (44.00 USD)": what was paid, per currency."""
    rows = list(
        orders.filter(amount_paid__gt=0)
        .values("currency")
        .annotate(count=Count("pk"), paid=Sum("amount_paid"))
        .order_by("currency")
    )
    if not rows:
        return ""
    count = sum(row["count"] for row in rows)
    amounts = ", ".join(f"{row['paid']:,.2f} {row['currency']}".strip() for row in rows)
    return f"{count} of them {'has a payment' if count == 1 else 'have payments'} ({amounts})"


def cancel_consequences(orders) -> list[str]:
    paid = _paid(orders)
    return [
        sentence
        for sentence in (
            _holding_stock(orders),
            f"{paid}: what was paid and not yet refunded is recorded as a refund due to the customer."
            if paid
            else "",
        )
        if sentence
    ]


def return_consequences(orders) -> list[str]:
    paid = _paid(orders)
    return (
        [f"{paid}: what was paid for lines no return has refunded is recorded as a refund due."]
        if paid
        else []
    )


def delete_consequences(orders) -> list[str]:
    return [
        sentence
        for sentence in (
            _holding_stock(orders),
            "They leave every list, count and report; their payments stay as recorded. A superadmin can "
            "restore them from the Deleted tab.",
        )
        if sentence
    ]


def register_order_actions() -> None:
    register(
        BulkAction(
            "update_status",
            "Update status",
            "orders.change_order",
            tabs=OPEN_TABS,
            form=StatusParams,
            apply=apply_status,
        )
    )
    register(
        BulkAction("assign_csr", "Assign CSR", "orders.assign_order", form=CsrParams, apply=apply_assign_csr)
    )
    register(
        BulkAction(
            "assign_agent",
            "Assign delivery agent",
            "orders.assign_order",
            form=AgentParams,
            apply=apply_assign_agent,
        )
    )
    register(
        BulkAction(
            "hold",
            "Hold",
            "orders.hold_order",
            tabs=HOLDABLE_TABS | {"all"},
            form=ReasonParams,
            apply=apply_hold,
        )
    )
    register(
        BulkAction(
            "release", "Release", "orders.hold_order", tabs=frozenset({"on_hold", "all"}), apply=apply_release
        )
    )
    register(
        BulkAction(
            "cancel",
            "Cancel",
            "orders.cancel_order",
            tabs=CANCELLABLE_TABS | {"all"},
            destructive=True,
            form=ReasonParams,
            apply=apply_cancel,
            consequences=cancel_consequences,
        )
    )
    register(
        BulkAction(
            "return",
            "Mark returned",
            "orders.return_order",
            tabs=frozenset({"shipped", "delivered", "delivery_failed", "all"}),
            destructive=True,
            apply=apply_return,
            consequences=return_consequences,
        )
    )
    register(
        BulkAction(
            "soft_delete",
            "Delete",
            "orders.delete_order",
            destructive=True,
            form=DeleteParams,
            apply=apply_soft_delete,
            consequences=delete_consequences,
        )
    )
    register(
        BulkAction(
            "restore", "Restore", "orders.restore_order", tabs=frozenset({"deleted"}), apply=apply_restore
        )
    )
    register(BulkAction("export_csv", "Export CSV", "orders.export_order", tabs=None, produce=produce_csv))
    register(BulkAction("export_xlsx", "Export XLSX", "orders.export_order", tabs=None, produce=produce_xlsx))
