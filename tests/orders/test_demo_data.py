"""The demo data tells the truth: load_demo_orders makes its orders of the records the services write
(payments, allocations, picklists, packing, shipments, returns, refunds), so every role can do its job
on them after `make run`. The loader runs for real here: every service commits and the after-commit
receivers (stock allocation, refunds) run as they do under `make run`."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from fulfilment.models import PackingRecord, Picklist, PicklistLine, ReturnRequest, Shipment, StockItem
from fulfilment.services import ready_to_pick
from orders.models import Order, OrderEvent, OrderHold, OrderLine, Warehouse
from orders.money.models import Expense, Payment, Refund, Remittance
from orders.money.selectors import money_figures
from orders.money.services.payments import payment_record
from orders.services.transitions import builtin_status, order_cancel
from orders.workflow import Stage

pytestmark = pytest.mark.django_db(transaction=True)

HAND_MADE = Order.objects.exclude(source="csv")


def load(count: int) -> str:
    call_command("load_demo_users", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_orders", count=count, stdout=out)
    return out.getvalue()


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_the_demo_orders_are_made_of_the_records_the_services_write():
    output = load(260)
    assert "demo orders created: 260 (206 through the services one by one, 54 as imported history)" in output
    assert set(HAND_MADE.values_list("stage", flat=True)) == set(Stage.values)

    # Money: amount_paid is the sum of the payment records (reversals included) on every order.
    for order in Order.objects.all():
        assert order.amount_paid == money_figures(order.pk)["paid"], order
    assert not Order.objects.filter(amount_paid__gt=0, payments__isnull=True).exists()
    prepaid_fulfilled = Order.objects.filter(
        payment_method__in=["card", "channel", "transfer"],
        stage__in=[Stage.PICKING, Stage.PICKED, Stage.PACKED, Stage.SHIPPED, Stage.DELIVERED],
    )
    assert prepaid_fulfilled.exists()
    assert not prepaid_fulfilled.filter(amount_paid__lt=F("total")).exists()
    cancelled_paid = Order.objects.filter(stage=Stage.CANCELLED, amount_paid__gt=0)
    assert cancelled_paid.exists()
    for order in cancelled_paid:
        assert money_figures(order.pk)["refunded"] == order.amount_paid, order
    assert Refund.objects.filter(executed_at__isnull=False).exists()
    assert Refund.objects.filter(executed_at__isnull=True).exists()
    assert Payment.objects.filter(state=Payment.State.FAILED).exists()
    agent = user("agent")
    assert Payment.objects.filter(collected_by=agent, method__in=["cash", "pos"]).exists()
    assert Expense.objects.filter(paid_by=agent).exists() and Expense.objects.filter(paid_by=None).exists()
    assert Remittance.objects.filter(agent=agent, amount__gt=0).exists()

    # Stock in every warehouse, some of it short: backordered lines and orders ready to pick.
    for warehouse in Warehouse.objects.all():
        assert StockItem.objects.filter(warehouse=warehouse, on_hand__gt=0).exists(), warehouse
        assert ready_to_pick(warehouse).exists(), warehouse
    assert OrderLine.objects.filter(
        order__stage=Stage.PROCESSING, quantity_allocated__lt=F("quantity") - F("quantity_cancelled")
    ).exists()
    assert not StockItem.objects.filter(allocated__gt=F("on_hand")).exists()

    # Every order is where its records say it is.
    open_picklists = PicklistLine.objects.filter(picklist__state=Picklist.State.OPEN)
    assert (
        not Order.objects.filter(stage=Stage.PICKING).exclude(pk__in=open_picklists.values("order")).exists()
    )
    for order in Order.objects.filter(stage__in=[Stage.PICKED, Stage.PACKED]):
        assert not order.lines.filter(quantity_picked__lt=F("quantity")).exists(), order
    for order in Order.objects.filter(stage=Stage.PACKED):
        assert PackingRecord.objects.filter(order=order).exists(), order
        assert not order.lines.filter(quantity_packed__lt=F("quantity")).exists(), order
    for order in HAND_MADE.filter(stage__in=[Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED]):
        assert Shipment.objects.filter(order=order).exclude(tracking_number="").exists(), order
        assert not order.lines.filter(quantity_shipped__lt=F("quantity")).exists(), order
        assert order.tracking_numbers, order
    for order in HAND_MADE.filter(stage=Stage.DELIVERED):
        assert OrderEvent.objects.filter(order=order, type="status.changed", params__new="Delivered").exists()
    for order in Order.objects.filter(stage=Stage.RETURNED):
        assert ReturnRequest.objects.filter(order=order, state=ReturnRequest.State.RECEIVED).exists(), order
        assert Refund.objects.filter(order=order, kind=Refund.Kind.RETURN).exists(), order
    assert ReturnRequest.objects.filter(state=ReturnRequest.State.REQUESTED).exists()
    for order in Order.objects.filter(stage=Stage.ON_HOLD):
        holds = OrderHold.objects.filter(order=order, released_at__isnull=True)
        assert holds.exists() and all(str(hold).strip() for hold in holds), order
    assert OrderHold.objects.filter(reason="manual").exclude(detail="").exists()
    assert HAND_MADE.filter(stage=Stage.SHIPPED, assigned_agent=agent).exists()

    # Running it again (make run twice) keeps everything and adds nothing.
    counts = [model.objects.count() for model in (Order, OrderEvent, Payment, Shipment, StockItem, Picklist)]
    assert "none created" in load(260)
    assert [
        model.objects.count() for model in (Order, OrderEvent, Payment, Shipment, StockItem, Picklist)
    ] == counts


def test_a_seeded_unpaid_order_takes_a_payment_and_a_cancelled_paid_one_is_refunded():
    load(60)
    csr = user("csr")
    unpaid = HAND_MADE.filter(stage=Stage.AWAITING_PAYMENT, amount_paid=0).first()
    assert unpaid is not None and unpaid.balance_due == unpaid.total
    payment_record(order_id=unpaid.pk, amount=unpaid.total, method=unpaid.payment_method, actor=csr)
    unpaid.refresh_from_db()
    assert unpaid.stage == Stage.PROCESSING and unpaid.amount_paid == unpaid.total

    paid = HAND_MADE.filter(stage=Stage.PROCESSING, amount_paid__gt=0).first()
    assert paid is not None
    order_cancel(order_id=paid.pk, actor=csr, reason="customer changed their mind")
    assert Refund.objects.get(order=paid).amount == paid.amount_paid


def test_a_warehouse_user_picks_packs_and_ships_a_demo_order_and_the_agent_has_deliveries(client):
    load(60)
    warehouse = Warehouse.objects.get(is_default=True)
    order = ready_to_pick(warehouse).first()
    assert order is not None
    client.force_login(user("warehouse"))

    page = client.get(reverse("fulfilment:picklists"))
    assert order.display_number in page.content.decode()
    response = client.post(reverse("fulfilment:picklists"), {"order": [order.pk]})
    picklist = Picklist.objects.get(lines__order=order, state=Picklist.State.OPEN)
    assert response["Location"] == reverse("fulfilment:picklist", kwargs={"pk": picklist.pk})
    for line in picklist.lines.select_related("product"):
        for _unit in range(line.quantity):
            client.post(response["Location"], {"action": "scan", "code": line.product.barcode})
    client.post(response["Location"], {"action": "complete"})
    order.refresh_from_db()
    assert order.stage == Stage.PICKED

    pack = reverse("fulfilment:pack", kwargs={"number": order.number})
    for line in order.lines.select_related("product"):
        for _unit in range(line.quantity):
            client.post(pack, {"code": line.product.barcode})
    client.post(pack, {"action": "complete", "packages": "1", "weight_grams": "900"})
    order.refresh_from_db()
    assert order.stage == Stage.PACKED

    ship = {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}
    ship |= {f"line_{line.pk}": line.quantity for line in order.lines.all()}
    client.post(reverse("fulfilment:ship", kwargs={"number": order.number}), ship)
    order.refresh_from_db()
    assert order.status == builtin_status(Stage.SHIPPED)
    assert Shipment.objects.get(order=order).tracking_number == "1Z999AA10123456784"

    client.force_login(user("agent"))
    deliveries = client.get(reverse("orders:deliveries")).content.decode()
    assigned = Order.objects.filter(stage=Stage.SHIPPED, assigned_agent__username="agent")
    assert assigned.exists()
    assert all(delivery.display_number in deliveries for delivery in assigned)
