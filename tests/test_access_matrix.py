"""Walk the access matrix: every URL, every role, anonymous; and check no URL is left out."""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.access import ANONYMOUS, MATRIX, ROLES, UNCOVERED_NAMESPACES
from tests.factories import make_order


@pytest.fixture
def objects(roles_synced, make_user):
    """Objects the URLs with arguments point at; later issues add theirs here."""
    from channels.csv.models import OrderImport
    from fulfilment.models import Carrier, Picklist, StockItem
    from fulfilment.services import order_allocate
    from orders.actors import Actor
    from orders.jobs.models import BulkJob
    from orders.models import HoldRule, ShipByRule, Warehouse
    from orders.services.edit import order_soft_delete
    from orders.services.transitions import builtin_status
    from orders.workflow import Stage

    deleted = make_order()
    order = make_order()
    warehouse = Warehouse.objects.get(is_default=True)
    stock = StockItem.objects.create(warehouse=warehouse, product=order.lines.first().product, on_hand=5)
    order_soft_delete(order_id=deleted.pk, actor=Actor.system(), reason="test")
    # Money and returns (issue 7).
    from fulfilment.services import shipment_create
    from fulfilment.services.returns import return_create
    from orders.money.services.expenses import expense_record
    from orders.money.services.payments import payment_record
    from orders.money.services.refunds import refund_record
    from orders.money.services.remittance import remittance_mark

    system = Actor.system("tests")
    agent = make_user("agent")
    payment = payment_record(
        order_id=order.pk, amount="1.00", method="cash", collected_by=agent, actor=system
    )
    expense = expense_record(
        order_id=order.pk, category="delivery", amount="0.50", paid_by=agent, actor=system
    )
    refund = refund_record(order_id=order.pk, amount="0.20", reason="goodwill", actor=system)
    remittance = remittance_mark(agent=agent, amount="0.25", currency=order.currency, actor=system)
    shipped = make_order()
    StockItem.objects.create(warehouse=warehouse, product=shipped.lines.first().product, on_hand=5)
    order_allocate(order_id=shipped.pk)
    shipment_create(order_id=shipped.pk, carrier="DHL", actor=system)
    shippable = make_order()  # processing, its stock allocated: the API's ship answers 201
    StockItem.objects.create(warehouse=warehouse, product=shippable.lines.first().product, on_hand=5)
    order_allocate(order_id=shippable.pk)
    # Connected shops (issue "Sales channels I"). The shop's address refuses connections at once, so
    # "Test connection" and a retried poll fail fast without reaching the network.
    from channels.connections.models import SyncRun
    from channels.intake.models import Delivery
    from channels.tracking.models import TrackingPush
    from tests.channels.factories import ConnectionFactory, DeliveryFactory, SyncRunFactory

    connection = ConnectionFactory(shop_url="http://127.0.0.1:9", api_base_url="http://127.0.0.1:9")
    shop_order = make_order(
        channel=connection.channel, channel_order_id="5001047", channel_order_number="#1047"
    )
    StockItem.objects.create(warehouse=warehouse, product=shop_order.lines.first().product, on_hand=5)
    order_allocate(order_id=shop_order.pk)
    shop_shipment = shipment_create(
        order_id=shop_order.pk, carrier="DHL", tracking_number="JD1", actor=system
    )
    push = TrackingPush.objects.get(shipment=shop_shipment)  # written by the shipment (the outbox)
    TrackingPush.objects.filter(pk=push.pk).update(
        state=TrackingPush.State.FAILED, last_error="401 Unauthorized"
    )
    rma = return_create(
        order_id=shipped.pk,
        quantities={shipped.lines.first().pk: 1},
        reason="damaged",
        actor=make_user("csr"),
    )
    from accounts.services import api_token_create

    # Outbound webhooks (issue 18): a subscription with one message in its log.
    from orders.webhooks.models import WebhookMessage
    from orders.webhooks.services import webhook_subscription_create

    subscription, _ = webhook_subscription_create(
        url="http://127.0.0.1:9/hooks", events=["order.created"], actor=None
    )
    webhook_message = WebhookMessage.objects.create(
        subscription=subscription, event_type="webhook.test", payload={"type": "webhook.test"}
    )
    from accounts.models import UserSession

    token_owner = make_user("manager")
    from django_otp_webauthn.models import WebAuthnCredential

    return {
        "passkey": WebAuthnCredential.objects.create(
            user=token_owner, name="Work laptop", credential_id=b"matrix-passkey", public_key=b"-"
        ),
        "api_token": api_token_create(user=token_owner, name="ERP", scopes="read")[0],
        "user_session": UserSession.objects.create(
            user=token_owner, session_key="matrix-session", last_seen_at=timezone.now()
        ),
        "shop_order": shop_order,
        "shippable": shippable,
        "webhook": subscription,
        "webhook_message": webhook_message,
        "connection": connection,
        "delivery": DeliveryFactory(
            connection=connection, state=Delivery.State.FAILED, topic="orders/create", body="not json"
        ),
        "sync_run": SyncRunFactory(connection=connection, state=SyncRun.State.DONE),
        "push": push,
        "payment": payment,
        "expense": expense,
        "refund": refund,
        "agent": agent,
        "remittance": remittance,
        "return": rma,
        "order": order,
        "stock": stock,
        "picklist": Picklist.objects.create(warehouse=warehouse, created_by=make_user("warehouse")),
        "carrier": Carrier.objects.get(code="dhl"),
        "job": BulkJob.objects.create(
            action="export_csv", selection={"ids": [order.pk]}, created_by=make_user("manager")
        ),
        "deleted": deleted,
        "picking": builtin_status(Stage.PICKING),
        "rule": HoldRule.objects.create(name="Big", field="total_over", value="1000", reason="check"),
        "ship_by_rule": ShipByRule.objects.create(cutoff="14:00"),
        "warehouse": warehouse,
        "import": OrderImport.objects.create(
            created_by=make_user("csr"),
            original_name="orders.csv",
            file="imports/missing.csv",
            encoding="utf-8",
            delimiter=",",
            headers=["Order reference", "SKU", "Quantity"],
            mapping={"sku": 1, "quantity": 2},
            group_by=0,
        ),
    }


def test_each_url_answers_each_role_as_the_matrix_says(client, make_user, objects):
    """Every row of the matrix, as every role and anonymous. Each request runs in a savepoint rolled
    back afterwards, so every row and role meets the same objects (a POST that deletes or changes one
    does not change what the next sees), and the objects are built once for the whole matrix. Every
    wrong answer is reported, by row."""
    users = {who: make_user(who) for who in ROLES}
    tokens = {who: _token(user) for who, user in users.items()}
    wrong = []
    for row in MATRIX:
        for who in (*ROLES, ANONYMOUS):
            with transaction.atomic():
                client.logout()
                if who != ANONYMOUS:
                    client.force_login(users[who])
                url = reverse(row.url_name, kwargs=row.kwargs(objects))
                if row.auth == "token":
                    response = _api_call(client, row, url, objects, tokens.get(who))
                else:
                    response = getattr(client, row.method)(url, data=row.data(objects))
                if response.status_code != row.expect[who]:
                    wrong.append(
                        f"{row.id()}: as {who} answered {response.status_code}, expected {row.expect[who]}"
                    )
                elif who == ANONYMOUS and response.status_code == 302 and not _to_login(row, response):
                    wrong.append(
                        f"{row.id()}: as anonymous redirected to {response['Location']}, not to the login"
                    )
                transaction.set_rollback(True)
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)


def _token(user) -> str:
    from accounts.services import api_token_create

    return api_token_create(user=user, name="matrix", scopes="read,write")[1]


def _api_call(client, row, url: str, objects: dict, token: str | None):
    """A JSON API call with the role's bearer token (none for anonymous) and no session."""
    client.logout()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if row.method == "get":
        return client.get(url, row.data(objects), headers=headers)
    return getattr(client, row.method)(
        url, row.data(objects), content_type="application/json", headers=headers
    )


def _to_login(row, response) -> bool:
    return row.url_name == "accounts:login" or "/login/" in response["Location"]


def _named_urls(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in UNCOVERED_NAMESPACES:
                continue
            names |= _named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_url_is_in_the_access_matrix():
    covered = {row.url_name for row in MATRIX}
    missing = sorted(_named_urls(get_resolver()) - covered)
    assert not missing, f"add these URLs to tests/access.py: {missing}"


def test_the_matrix_names_every_role_and_anonymous_for_each_row():
    for row in MATRIX:
        assert set(row.expect) == {*ROLES, ANONYMOUS}, row.id()
