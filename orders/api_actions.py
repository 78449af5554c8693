"""The JSON API's actions on one order, as the order page's buttons: change status, hold, release,
cancel, add a note. Each checks the permission its page view checks, finds the order through what the
token's user may see (404 otherwise), and calls the same service; refusals keep the page's sentence."""

from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Header, Router
from ninja.errors import HttpError
from pydantic import StringConstraints

from config.api import auth
from config.api.problems import Problem
from orders import selectors
from orders.api import WRITE_ERRORS, visible_order
from orders.api import router as orders_router
from orders.api_schemas import NO_NUL, LineChangeIn, OrderChangesIn, OrderOut, Strict
from orders.api_serialise import order_out
from orders.errors import StaleEdit, TransitionRefused
from orders.inputs import LineInput
from orders.models import Order, Status
from orders.panels import ENTRY_ACTIONS
from orders.services.edit import order_note_add, order_update
from orders.services.transitions import order_cancel, order_hold, order_release, order_transition
from orders.views.actions import TRANSITION_PERMISSIONS

router = Router(tags=["order actions"], auth=auth.write)
ANSWERS = {200: OrderOut, **WRITE_ERRORS}
Reason = Annotated[str, NO_NUL, StringConstraints(max_length=500)]


class StatusChangeIn(Strict):
    status: Annotated[str, NO_NUL, StringConstraints(max_length=40)]
    reason: Reason = ""


class ReasonIn(Strict):
    reason: Reason


class NoteIn(Strict):
    text: Annotated[str, NO_NUL, StringConstraints(max_length=5000)]


def _answer(request: HttpRequest, number: int) -> OrderOut:
    return order_out(selectors.order_for(request.user, number))


@router.post("/orders/{number}/status", response=ANSWERS, summary="Change an order's status")
def change_status(request: HttpRequest, number: str, payload: StatusChangeIn):
    """`status` is a status code (GET an order for its current one). The workflow table decides."""
    if not any(request.user.has_perm(permission) for permission in TRANSITION_PERMISSIONS):
        raise PermissionDenied("Your role changes no order's status.")
    order = visible_order(request, number)
    target = Status.objects.filter(code=payload.status).first()
    if target is None:
        raise TransitionRefused(f"There is no status {payload.status!r}.")
    if target.stage != order.stage and target.stage in ENTRY_ACTIONS:
        raise TransitionRefused(
            f"{order} becomes {target.label} by its own action: {ENTRY_ACTIONS[target.stage]}."
        )
    order_transition(order_id=order.pk, to=target, actor=request.user, reason=payload.reason)
    return _answer(request, order.number)


@router.post("/orders/{number}/hold", response=ANSWERS, summary="Put an order on hold")
def hold(request: HttpRequest, number: str, payload: ReasonIn):
    auth.require(request, "orders.hold_order", "Your role does not hold orders.")
    order = visible_order(request, number)
    order_hold(order_id=order.pk, actor=request.user, reason=payload.reason)
    return _answer(request, order.number)


@router.post("/orders/{number}/release", response=ANSWERS, summary="Release an order's holds")
def release(request: HttpRequest, number: str):
    """The checks run again: the order may stay on hold with the reasons they still find."""
    auth.require(request, "orders.hold_order", "Your role does not release orders.")
    order = visible_order(request, number)
    order_release(order_id=order.pk, actor=request.user)
    return _answer(request, order.number)


@router.post("/orders/{number}/cancel", response=ANSWERS, summary="Cancel an order")
def cancel(request: HttpRequest, number: str, payload: ReasonIn):
    auth.require(request, "orders.cancel_order", "Your role does not cancel orders.")
    order = visible_order(request, number)
    order_cancel(order_id=order.pk, actor=request.user, reason=payload.reason)
    return _answer(request, order.number)


@router.post("/orders/{number}/notes", response=ANSWERS, summary="Add a note to an order's timeline")
def add_note(request: HttpRequest, number: str, payload: NoteIn):
    auth.require(request, "orders.note_order", "Your role does not add notes.")
    order = visible_order(request, number)
    order_note_add(order_id=order.pk, actor=request.user, text=payload.text)
    return _answer(request, order.number)


def _lines_in(order: Order, lines: list[LineChangeIn] | None) -> list[LineInput]:
    """The lines as the edit page's formset gives them to order_update: a line left as it was carries its
    price and discount (the page fills them in), a new SKU the product's price. null is no lines."""
    current = {}
    for line in order.lines.all():
        current.setdefault(line.sku, line)
    given = []
    for line in lines or []:
        was = current.get(line.sku.strip())
        unit_price = line.unit_price if line.unit_price is not None else (was.unit_price if was else None)
        discount = line.discount if line.discount is not None else (was.discount if was else Decimal("0"))
        given.append(
            LineInput(sku=line.sku.strip(), quantity=line.quantity, unit_price=unit_price, discount=discount)
        )
    return given


def _version_in(if_match: str | None) -> int:
    """The version an If-Match names: "3", W/"3" or 3. Without one, 428: a change without knowing what
    it changes would overwrite someone else's."""
    if if_match is None:
        raise HttpError(428, "Send If-Match with the order's ETag (GET the order first) to change it.")
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit() or len(raw) > 9:
        raise StaleEdit(f"If-Match {if_match[:40]!r} is not a version of this order; GET it again.")
    return int(raw)


# On the orders router: Django resolves a path to one router's view, which must hold GET and PATCH alike.
@orders_router.patch(
    "/orders/{number}",
    auth=auth.write,
    response={**ANSWERS, 412: Problem, 428: Problem},
    summary="Change an order's fields",
)
def update_order(
    request: HttpRequest,
    number: str,
    payload: OrderChangesIn,
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match"),
):
    """Optimistic concurrency: If-Match must carry the order's current ETag, or the answer is 412
    and nothing changes. The edit page's rules decide which fields this user may change now."""
    auth.require(request, "orders.change_order", "Your role does not edit orders.")
    order = visible_order(request, number)
    version = _version_in(if_match)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("tags") is not None:
        changes["tags"] = sorted({tag.strip() for tag in changes["tags"] if tag.strip()})
    lines = _lines_in(order, payload.lines) if "lines" in changes else None
    changes = {name: value for name, value in changes.items() if value is not None and name != "lines"}
    order_update(
        order_id=order.pk, expected_version=version, changes=changes, lines=lines, actor=request.user
    )
    answer = _answer(request, order.number)
    response["ETag"] = f'"{answer.version}"'
    return answer
