"""The order page: lines, holds, money, panels of other apps, the timeline and the actions offered."""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET

from orders import selectors, workflow
from orders.actors import Actor
from orders.errors import OrderError
from orders.models import Order, Status
from orders.panels import ENTRY_ACTIONS, panels_for
from orders.services.edit import (
    editable_fields,
)
from orders.services.transitions import allowed_statuses
from orders.tables import render_lines
from orders.timeline import render_timeline
from orders.views.access import view_required
from orders.workflow import Stage, check_transition


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
