"""Returns (RMA, seeds 002 and 004): a return asks for some or all shipped units back; receiving it
restocks or writes off per line, records the refund of what came back, and the order becomes
returned only when every shipped unit is back (a partial return leaves it shipped or delivered)."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.models import Allocation, ReturnLine, ReturnRequest, StockItem, StockMovement
from fulfilment.services import shipment_create
from fulfilment.services.returns import (
    return_close,
    return_create,
    return_receive,
    return_scan,
    return_slip_print,
)
from orders.actors import Actor
from orders.inputs import LineInput
from orders.models import Order, OrderEvent, Warehouse
from orders.money.models import Refund
from orders.money.selectors import PaymentStatus, order_breakdown
from orders.money.services.payments import payment_record
from orders.services.transitions import builtin_status, order_transition, order_transition_many
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")


def main_warehouse() -> Warehouse:
    return Warehouse.objects.get(is_default=True)


def on_hand(product) -> int:
    return StockItem.objects.get(warehouse=main_warehouse(), product=product).on_hand


def stage_of(order) -> str:
    return Order.objects.get(pk=order.pk).stage


@pytest.fixture
def warehouse_user(make_user):
    return make_user("warehouse", username="wes-warehouse")


@pytest.fixture
def csr(make_user):
    return make_user("csr", username="cora-csr")


@pytest.fixture
def products():
    """A mug and a tea tin, 10.00 + 20% tax each, ten of each on the shelf."""
    made = {}
    for sku, barcode in (("MUG-01", "5012345000011"), ("TEA-01", "5012345000028")):
        made[sku] = ProductFactory(
            sku=sku, barcode=barcode, price=Decimal("10.00"), tax_rate=Decimal("20.00")
        )
        StockItem.objects.create(warehouse=main_warehouse(), product=made[sku], on_hand=10)
    return made


@pytest.fixture
def shipped(products, csr, warehouse_user, django_capture_on_commit_callbacks):
    """shipped(MUG-01=2, TEA-01=1, paid=True, delivered=True): a card order paid in full (or a cash
    order shipped unpaid), shipped in one go, then delivered."""

    def make(*, paid: bool = True, delivered: bool = True, delivery_fee: str = "5.00", **quantities):
        lines = [LineInput(sku=sku.replace("_", "-"), quantity=units) for sku, units in quantities.items()]
        with django_capture_on_commit_callbacks(execute=True):
            order = make_order(
                lines=lines, payment_method="card" if paid else "cash", delivery_fee=Decimal(delivery_fee)
            )
        if paid:
            payment_record(order_id=order.pk, amount=order.total, method="card", actor=csr)
        shipment_create(order_id=order.pk, carrier="DHL", actor=warehouse_user)
        if delivered:
            order_transition(
                order_id=order.pk, to=builtin_status(Stage.DELIVERED), actor=Actor.system("tests")
            )
        assert stage_of(order) == (Stage.DELIVERED if delivered else Stage.SHIPPED)
        return Order.objects.get(pk=order.pk)

    return make


def line_of(order, sku: str):
    return order.lines.get(sku=sku)


def ask_back(order, csr, reason: str = "damaged", **quantities) -> ReturnRequest:
    return return_create(
        order_id=order.pk,
        quantities={line_of(order, sku.replace("_", "-")).pk: units for sku, units in quantities.items()},
        reason=reason,
        actor=csr,
    )


def receive(rma: ReturnRequest, actor, disposition: str = "restock", **quantities) -> ReturnRequest:
    lines = {line.order_line.sku: line.pk for line in rma.lines.select_related("order_line")}
    wanted = {lines[sku.replace("_", "-")]: units for sku, units in quantities.items()}
    return return_receive(
        return_id=rma.pk, quantities=wanted, dispositions=dict.fromkeys(wanted, disposition), actor=actor
    )


# Creating ------------------------------------------------------------------------------------------


def test_a_return_for_some_shipped_units_gets_its_own_rma_number(shipped, csr):
    order = shipped(MUG_01=2, TEA_01=1)

    rma = ask_back(order, csr, reason="not_wanted", MUG_01=1)

    assert rma.number == f"RMA-{1000 + rma.pk}"
    assert ReturnRequest.pk_from_number(rma.number.lower()) == rma.pk
    assert (rma.state, rma.reason, rma.warehouse, rma.created_by) == (
        "requested",
        "not_wanted",
        main_warehouse(),
        csr,
    )
    assert list(rma.lines.values_list("order_line__sku", "quantity")) == [("MUG-01", 1)]
    event = OrderEvent.objects.get(order=order, type="return.created")
    assert event.params == {"number": rma.number, "reason": "No longer wanted", "lines": ["1 × MUG-01"]}


def test_a_return_asks_for_no_more_than_shipped_less_returned_or_already_expected(shipped, csr):
    order = shipped(MUG_01=2, TEA_01=1)
    ask_back(order, csr, MUG_01=1)

    with pytest.raises(FulfilmentError, match="MUG-01: return between 1 and 1, not 2"):
        ask_back(order, csr, MUG_01=2)
    with pytest.raises(FulfilmentError, match="Enter how many units"):
        ask_back(order, csr, MUG_01=0)
    with pytest.raises(FulfilmentError, match="Choose why"):
        ask_back(order, csr, reason="bored", TEA_01=1)
    assert ReturnRequest.objects.filter(order=order).count() == 1


def test_only_shipped_or_delivered_orders_are_returned(products, csr):
    order = make_order(lines=[LineInput(sku="MUG-01", quantity=1)])
    assert order.stage == Stage.PROCESSING

    with pytest.raises(FulfilmentError, match="only shipped or delivered orders can be returned"):
        return_create(order_id=order.pk, quantities={order.lines.get().pk: 1}, reason="damaged", actor=csr)


def test_the_warehouse_receives_returns_and_csrs_create_them(shipped, csr, warehouse_user):
    order = shipped(MUG_01=1)
    with pytest.raises(FulfilmentError, match="may not create returns"):
        ask_back(order, warehouse_user, MUG_01=1)
    rma = ask_back(order, csr, MUG_01=1)
    with pytest.raises(FulfilmentError, match="may not receive returns"):
        receive(rma, csr, MUG_01=1)


# Receiving -----------------------------------------------------------------------------------------


def test_a_partial_return_is_restocked_refunded_and_the_order_stays_delivered(
    shipped, csr, warehouse_user, products
):
    order = shipped(MUG_01=2, TEA_01=1)  # 36.00 + 5.00 delivery, paid by card
    mug = products["MUG-01"]
    assert on_hand(mug) == 8
    rma = ask_back(order, csr, MUG_01=1)

    receive(rma, warehouse_user, MUG_01=1)

    assert on_hand(mug) == 9
    movement = StockMovement.objects.get(kind=StockMovement.Kind.RETURN)
    assert (movement.quantity, movement.order_id, movement.user, movement.stock_item.product) == (
        1, order.pk, warehouse_user, mug,
    )  # fmt: skip
    assert line_of(order, "MUG-01").quantity_returned == 1
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.amount, refund.return_number) == (
        Refund.Kind.RETURN,
        Decimal("12.00"),
        rma.number,
    )
    assert refund.lines == [
        {"line": line_of(order, "MUG-01").pk, "sku": "MUG-01", "quantity": 1, "amount": "12.00"}
    ]
    assert stage_of(order) == Stage.DELIVERED
    rma.refresh_from_db()
    assert (rma.state, rma.received_by) == (ReturnRequest.State.RECEIVED, warehouse_user)
    assert order_breakdown(Order.objects.get(pk=order.pk)).status == PaymentStatus.PARTIALLY_REFUNDED


def test_written_off_units_are_booked_in_and_out_and_leave_stock_alone(
    shipped, csr, warehouse_user, products
):
    order = shipped(MUG_01=2)
    rma = ask_back(order, csr, MUG_01=2)

    receive(rma, warehouse_user, disposition="write_off", MUG_01=2)

    assert on_hand(products["MUG-01"]) == 8
    assert sorted(StockMovement.objects.filter(order=order).values_list("kind", "quantity")) == [
        ("return", 2), ("shipment", -2), ("write_off", -2),
    ]  # fmt: skip
    assert rma.lines.get().disposition == ReturnLine.Disposition.WRITE_OFF
    # Written off or not, the customer gets their money back and the order is returned.
    assert Refund.objects.get(order=order).amount == Decimal("24.00")
    assert stage_of(order) == Stage.RETURNED


def test_the_order_is_returned_only_when_every_shipped_unit_is_back(shipped, csr, warehouse_user):
    order = shipped(MUG_01=2, TEA_01=1, delivered=False)
    first = ask_back(order, csr, MUG_01=2)
    receive(first, warehouse_user, MUG_01=1)
    assert stage_of(order) == Stage.SHIPPED
    first.refresh_from_db()
    assert first.state == ReturnRequest.State.REQUESTED  # one mug still expected

    receive(first, warehouse_user, MUG_01=1)
    assert stage_of(order) == Stage.SHIPPED  # the tea is still with the customer
    second = ask_back(order, csr, reason="wrong_item", TEA_01=1)
    receive(second, warehouse_user, disposition="write_off", TEA_01=1)

    assert stage_of(order) == Stage.RETURNED
    move = OrderEvent.objects.filter(order=order, type="status.changed").latest("pk")
    assert (move.params["new_stage"], move.actor) == (Stage.RETURNED, warehouse_user)
    assert move.params["reason"] == f"{second}: everything shipped came back"
    # Each unit refunded once; the delivery fee is not part of a return.
    assert list(Refund.objects.filter(order=order).order_by("pk").values_list("amount", flat=True)) == [
        Decimal("12.00"), Decimal("12.00"), Decimal("12.00"),
    ]  # fmt: skip
    figures = order_breakdown(Order.objects.get(pk=order.pk))
    assert (figures.paid, figures.refunded, figures.balance_due) == (
        Decimal("41.00"),
        Decimal("36.00"),
        Decimal("0"),
    )


def test_an_unpaid_cash_order_coming_back_refunds_nothing(shipped, csr, warehouse_user):
    order = shipped(MUG_01=1, paid=False, delivered=False)
    rma = ask_back(order, csr, reason="refused", MUG_01=1)

    receive(rma, warehouse_user, MUG_01=1)

    assert stage_of(order) == Stage.RETURNED
    assert not Refund.objects.filter(order=order).exists()
    assert order_breakdown(Order.objects.get(pk=order.pk)).balance_due == Decimal("0.00")


def test_restocked_units_go_to_the_oldest_backordered_order(
    shipped, csr, warehouse_user, products, django_capture_on_commit_callbacks
):
    order = shipped(MUG_01=2)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_order(lines=[LineInput(sku="MUG-01", quantity=9)])
    assert waiting.lines.get().quantity_allocated == 8
    rma = ask_back(order, csr, MUG_01=1)

    receive(rma, warehouse_user, MUG_01=1)

    assert Allocation.objects.filter(line__order=waiting).get().quantity == 9


def test_scanning_counts_units_and_refuses_what_is_not_on_the_return(shipped, csr, warehouse_user, products):
    order = shipped(MUG_01=2, TEA_01=1)
    rma = ask_back(order, csr, MUG_01=2)

    return_scan(return_id=rma.pk, code="5012345000011", actor=warehouse_user)
    line = return_scan(return_id=rma.pk, code="mug-01", actor=warehouse_user)
    assert line.quantity_counted == 2
    with pytest.raises(WrongItem, match="already counted"):
        return_scan(return_id=rma.pk, code="5012345000011", actor=warehouse_user)
    with pytest.raises(WrongItem, match="TEA-01 is not on"):
        return_scan(return_id=rma.pk, code="5012345000028", actor=warehouse_user)

    return_receive(return_id=rma.pk, actor=warehouse_user)  # books what was counted

    assert on_hand(products["MUG-01"]) == 10
    assert rma.lines.get().quantity_received == 2


def test_nothing_counted_nothing_received(shipped, csr, warehouse_user):
    rma = ask_back(shipped(MUG_01=1), csr, MUG_01=1)
    with pytest.raises(FulfilmentError, match="Scan or count"):
        return_receive(return_id=rma.pk, actor=warehouse_user)
    with pytest.raises(FulfilmentError, match="receive between 1 and 1, not 2"):
        receive(rma, warehouse_user, MUG_01=2)


def test_a_closed_return_receives_nothing_more(shipped, csr, warehouse_user):
    rma = ask_back(shipped(MUG_01=1), csr, MUG_01=1)
    return_close(return_id=rma.pk, actor=csr, reason="customer kept it")

    with pytest.raises(FulfilmentError, match="is closed"):
        receive(rma, warehouse_user, MUG_01=1)


def test_a_mass_return_refunds_the_shipped_lines(shipped, make_user, django_capture_on_commit_callbacks):
    order = shipped(MUG_01=2, TEA_01=1)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition_many(
            order_ids=[order.pk], to=builtin_status(Stage.RETURNED), actor=Actor.job(make_user("manager"), 3)
        )

    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.amount, refund.reason) == (
        Refund.Kind.RETURN,
        Decimal("36.00"),
        "order returned",
    )


# Slip and pages -----------------------------------------------------------------------------------


def test_the_return_slip_is_a_pdf_with_the_rma_number(shipped, csr):
    order = shipped(MUG_01=1)
    rma = ask_back(order, csr, MUG_01=1)

    pdf = return_slip_print(request=rma, actor=csr)

    assert pdf.startswith(b"%PDF")
    assert OrderEvent.objects.get(order=order, type="document.printed").params == {
        "document": f"Return slip {rma.number}"
    }
    if PDFTOTEXT:
        text = subprocess.run(
            [PDFTOTEXT, "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert rma.number in text and "MUG-01" in text and str(order) in text


def test_the_return_slip_opens_in_the_browser(client, shipped, csr):
    rma = ask_back(shipped(MUG_01=1), csr, MUG_01=1)
    client.force_login(csr)
    response = client.get(f"/fulfilment/returns/{rma.pk}/slip/")
    assert response["Content-Disposition"] == f'inline; filename="{rma.number}-return-slip.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_returns_list_filters_by_status_reason_warehouse_and_date(client, shipped, csr, warehouse_user):
    damaged = ask_back(shipped(MUG_01=1), csr, reason="damaged", MUG_01=1)
    unwanted = ask_back(shipped(TEA_01=1), csr, reason="not_wanted", TEA_01=1)
    receive(unwanted, warehouse_user, TEA_01=1)
    client.force_login(warehouse_user)

    def listed(**query) -> list[str]:
        return [rma.number for rma in client.get(reverse("fulfilment:returns"), query).context["returns"]]

    assert listed() == [unwanted.number, damaged.number]
    assert listed(status="requested") == [damaged.number]
    assert listed(reason="not_wanted") == [unwanted.number]
    assert listed(warehouse=main_warehouse().pk) == [unwanted.number, damaged.number]
    assert listed(created_after="2000-01-01", created_before="2000-01-02") == []


def test_scanning_the_rma_number_opens_its_receiving_screen(client, shipped, csr, warehouse_user):
    rma = ask_back(shipped(MUG_01=1), csr, MUG_01=1)
    client.force_login(warehouse_user)

    found = client.get(reverse("fulfilment:returns_receiving"), {"rma": rma.number.lower()})
    missing = client.get(reverse("fulfilment:returns_receiving"), {"rma": "RMA-999999"}, follow=True)

    assert found["Location"] == reverse("fulfilment:return_receive", kwargs={"pk": rma.pk})
    assert "No return RMA-999999." in [str(m) for m in missing.context["messages"]]


def test_the_receiving_screen_counts_scans_and_books_the_return(
    client, shipped, csr, warehouse_user, products
):
    order = shipped(MUG_01=1)
    rma = ask_back(order, csr, MUG_01=1)
    client.force_login(warehouse_user)
    url = reverse("fulfilment:return_receive", kwargs={"pk": rma.pk})

    scan = client.post(url, {"action": "scan", "code": "5012345000011"}, headers={"HX-Request": "true"})
    line = rma.lines.get()
    booked = client.post(
        url,
        {
            "action": "receive",
            f"qty_{line.pk}": "1",
            f"disposition_{line.pk}": "restock",
            "warehouse": main_warehouse().pk,
        },
        follow=True,
    )

    assert 'data-testid="scan-ok"' in scan.content.decode()
    assert f"{rma} received. {order} is Returned." in [str(m) for m in booked.context["messages"]]
    assert on_hand(products["MUG-01"]) == 10
