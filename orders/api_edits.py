"""The JSON API's assignment and line changes of one order, as the order page's assignment form and
line menu: assign the CSR and delivery agent, cancel a line, replace a line's product until it is
picked. Each checks the page view's permission (403), finds the order through what the token's user
may see (404) and calls the same service; refusals keep the page's sentence (409)."""

from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Router
from pydantic import Field, StringConstraints

from config.api import auth
from config.api.problems import invalid
from orders import bounds, selectors
from orders.api import WRITE_ERRORS, visible_order
from orders.api_schemas import NO_NUL, OrderOut, Strict
from orders.api_serialise import order_out
from orders.models import Order, OrderLine
from orders.selectors import assignable_agents, assignable_csrs
from orders.services.edit import order_assign
from orders.services.lines import order_line_cancel, order_line_replace

router = Router(tags=["order actions"], auth=auth.write)
ANSWERS = {200: OrderOut, **WRITE_ERRORS}
Username = Annotated[str, NO_NUL, StringConstraints(max_length=150)]


class AssignIn(Strict):
    """Each field left out stays as it is; null unassigns."""

    csr: Username | None = Field(None, description="The CSR's username, or null to unassign.")
    agent: Username | None = Field(None, description="The delivery agent's username, or null to unassign.")


class LineCancelIn(Strict):
    reason: Annotated[str, NO_NUL, StringConstraints(max_length=500)] = ""


class LineReplaceIn(Strict):
    sku: Annotated[str, NO_NUL, StringConstraints(min_length=1, max_length=100)] = Field(
        description="The SKU of the active product that takes the line's place."
    )
    quantity: Annotated[int, Field(ge=1, le=bounds.QUANTITY_MAX)] | None = Field(
        None, description="Left out: the line's quantity."
    )


def _answer(request: HttpRequest, order: Order) -> OrderOut:
    return order_out(selectors.order_for(request.user, order.number))


@router.post("/orders/{number}/assign", response=ANSWERS, summary="Assign an order's CSR and delivery agent")
def assign_order(request: HttpRequest, number: str, payload: AssignIn):
    """The people the order page's pickers offer: active CSRs (or managers), active delivery agents."""
    auth.require(request, "orders.assign_order", "Your role does not assign orders.")
    order = visible_order(request, number)
    people, errors = {}, []
    for field, choices, what in (
        ("csr", assignable_csrs(), "CSR"),
        ("agent", assignable_agents(), "delivery agent"),
    ):
        if field not in payload.model_fields_set:
            continue
        username = getattr(payload, field)
        person = choices.filter(username=username).first() if username is not None else None
        if username is not None and person is None:
            errors.append((field, f"No {what} who can be assigned is called {username!r}."))
        people[field] = person
    if errors:
        raise invalid(*errors)
    order_assign(order_id=order.pk, actor=request.user, **people)
    return _answer(request, order)


def _line(request: HttpRequest, number: str, line_id: int) -> tuple[Order, OrderLine]:
    auth.require(request, "orders.edit_prices", "Your role does not change order lines.")
    order = visible_order(request, number)
    line = OrderLine.objects.filter(pk=line_id, order=order).first() if 1 <= line_id < 2**63 else None
    if line is None:
        raise Http404(f"No line {line_id} on {order}.")
    return order, line


@router.post("/orders/{number}/lines/{line_id}/cancel", response=ANSWERS, summary="Cancel an order line")
def cancel_line(request: HttpRequest, number: str, line_id: int, payload: LineCancelIn):
    """Until the line is picked; its stock is released and the totals fall."""
    order, line = _line(request, number, line_id)
    order_line_cancel(line_id=line.pk, actor=request.user, reason=payload.reason)
    return _answer(request, order)


@router.post(
    "/orders/{number}/lines/{line_id}/replace", response=ANSWERS, summary="Replace an order line's product"
)
def replace_line(request: HttpRequest, number: str, line_id: int, payload: LineReplaceIn):
    """Until the line is picked: the line is cancelled and a line of the new product, at its price,
    takes its place (same position and warehouse)."""
    order, line = _line(request, number, line_id)
    order_line_replace(line_id=line.pk, sku=payload.sku, quantity=payload.quantity, actor=request.user)
    return _answer(request, order)
