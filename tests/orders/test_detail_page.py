"""The order page: its timeline and lines built in Python (escaped, worded like before), and a fixed
number of queries however many lines and timeline entries the order has (SPEC 7's detail budget)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.inputs import LineInput
from orders.services.edit import order_note_add
from orders.timeline import TimelineEntry, describe, render_timeline
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def detail(client, order):
    response = client.get(reverse("orders:detail", kwargs={"number": order.number}))
    assert response.status_code == 200
    return response.content.decode()


def test_what_people_type_is_escaped_on_the_timeline(client, users):
    order = make_order()
    order_note_add(order_id=order.pk, actor=users["csr"], text='<script>alert("x")</script>\nsecond line')
    client.force_login(users["manager"])
    html = detail(client, order)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in html
    assert '<script>alert("x")' not in html


def test_a_sku_with_markup_is_escaped_in_the_lines_table(client, users):
    product = ProductFactory(sku="<b>SKU</b>", name="Mug & <i>Saucer</i>")
    order = make_order(lines=[LineInput(sku=product.sku, quantity=2)])
    client.force_login(users["manager"])
    html = detail(client, order)
    assert 'data-testid="line-&lt;b&gt;SKU&lt;/b&gt;"' in html
    assert "Mug &amp; &lt;i&gt;Saucer&lt;/i&gt;" in html
    assert "<b>SKU</b>" not in html


def test_the_orders_attributes_are_listed_by_name_and_escaped(client, users):
    order = make_order(attributes={"gift_wrap": "yes", "<b>slot</b>": "<script>x()</script>\nSaturday"})
    client.force_login(users["manager"])
    html = detail(client, order)
    card = html.split('data-testid="order-attributes"', 1)[1].split("</dl>", 1)[0]
    assert "Attributes" in card
    names = [name.split("</dt>", 1)[0] for name in card.split("<dt")[1:]]
    assert [name.split(">", 1)[1] for name in names] == ["&lt;b&gt;slot&lt;/b&gt;", "gift_wrap"]
    assert "&lt;script&gt;x()&lt;/script&gt;<br>Saturday</dd>" in card
    assert "<script>x()" not in html


def test_an_order_without_attributes_shows_no_attributes_list(client, users):
    order = make_order()
    client.force_login(users["manager"])
    assert 'data-testid="order-attributes"' not in detail(client, order)


def test_lines_show_amounts_tax_rate_and_stock_state(client, users):
    product = ProductFactory(sku="TEA-1", price=Decimal("1234.50"), tax_rate=Decimal("7.25"))
    order = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
    line = order.lines.get()
    client.force_login(users["manager"])
    html = detail(client, order)
    assert '<td class="text-end">1,234.50</td>' in html
    assert "(7.25%)" in html
    assert f'<tr class="line-{line.stock_state}" data-testid="line-TEA-1">' in html


@pytest.mark.parametrize(
    ("type", "params", "wording"),
    [
        (
            "payment.recorded",
            {"amount": "12.50", "currency": "EUR", "method": "cash", "reference": "R-1", "collected_by": "Ana"},
            "Payment of 12.50 EUR recorded (cash, ref R-1), collected by Ana",
        ),
        ("payment.recorded", {"amount": "5.00", "currency": "EUR", "method": "card"}, "Payment of 5.00 EUR recorded (card)"),
        (
            "refund.recorded",
            {"amount": "3.00", "currency": "GBP", "kind": "Return", "return_number": "RMA-7", "reason": "damaged"},
            "Refund of 3.00 GBP recorded (return RMA-7): damaged",
        ),
        ("order.packed", {"packages": 1, "weight_grams": 900}, "Packed in 1 package, 900 g"),
        ("order.packed", {"packages": 2, "weight_grams": 1800}, "Packed in 2 packages, 1800 g"),
        ("line.cancelled", {"sku": "A-1", "reason": ""}, "Line A-1 cancelled"),
        ("return.created", {"number": "RMA-1", "reason": "wrong size", "lines": ["A-1 × 1", "B-2 × 2"]},
         "Return RMA-1 created (wrong size): A-1 × 1, B-2 × 2"),
        ("hold.released", {"reasons": []}, "Hold released"),
        ("order.created", {"source": "csv", "detail": "file a.csv, row 2", "status": "Processing"},
         "Created from csv (file a.csv, row 2) as Processing."),
        ("mystery.event", {"x": 1}, "mystery.event {&#x27;x&#x27;: 1}"),
        ("import.figures_differ", {"differences": [{"figure": "total", "file": "101.99", "computed": "99.99"}]},
         "The file's total 101.99 differs from the computed 99.99."),
        ("import.figures_differ", {"differences": [{"figure": "tax", "file": "<b>1</b>", "computed": "2.00"},
                                                   {"figure": "discount", "file": "5.00", "computed": "0.00"}]},
         "The file's tax &lt;b&gt;1&lt;/b&gt; differs from the computed 2.00. "
         "The file's discount 5.00 differs from the computed 0.00."),
    ],
)  # fmt: skip
def test_each_event_type_is_worded_as_a_sentence(type, params, wording):
    assert describe(type, params) == wording


def test_an_empty_timeline_says_so():
    assert "Nothing yet." in render_timeline([], "timeline")


def test_timeline_times_are_shown_in_the_local_time_zone(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    entry = TimelineEntry(
        at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC), type="order.restored", actor="Ana", params={},
        is_status_change=False,
    )  # fmt: skip
    assert "02 Jul 2026 00:30" in render_timeline([entry], "timeline")


def test_the_order_page_makes_as_many_queries_for_fifty_lines_as_for_one(client, users):
    small = make_order()
    products = ProductFactory.create_batch(50)
    large = make_order(lines=[LineInput(sku=product.sku, quantity=1) for product in products])
    order_note_add(order_id=small.pk, actor=users["csr"], text="one note")
    for index in range(40):
        order_note_add(order_id=large.pk, actor=users["csr"], text=f"note {index}")
    client.force_login(users["manager"])
    detail(client, small)  # the session and the permission caches are warm for both

    def queries(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            detail(client, order)
        return len(captured)

    assert queries(large) == queries(small)


def test_a_page_view_does_not_carry_the_history_context_into_its_queries(client, users):
    """pghistory names who made a database-level change; a GET changes nothing, so its SELECTs are not
    prefixed with set_config() (the cost was a fifth of the order page)."""
    order = make_order()
    client.force_login(users["manager"])
    with CaptureQueriesContext(connection) as captured:
        detail(client, order)
    assert not [query for query in captured if "pghistory.context" in query["sql"]]


def test_the_assignment_pickers_offer_csrs_and_agents_with_the_current_ones_selected(
    client, users, make_user
):
    agent = make_user("agent", username="second-agent", first_name="Zed", last_name="Agent")
    order = make_order(assigned_csr=users["csr"], assigned_agent=agent)
    client.force_login(users["manager"])
    html = detail(client, order)
    csr_picker = html.split('name="assigned_csr"', 1)[1].split("</select>", 1)[0]
    agent_picker = html.split('name="assigned_agent"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{users["csr"].pk}" selected>' in csr_picker
    assert f'<option value="{users["manager"].pk}">' in csr_picker
    assert f'value="{users["agent"].pk}"' not in csr_picker
    assert f'<option value="{agent.pk}" selected>' in agent_picker
    assert f'<option value="{users["agent"].pk}">' in agent_picker
    assert f'value="{users["csr"].pk}"' not in agent_picker


def record_queries(client, order) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        detail(client, order)
    return [query["sql"] for query in captured]


def test_money_and_fulfilment_records_are_read_only_when_the_order_has_them(client, users):
    from orders.money.services.payments import payment_record

    order = make_order()
    client.force_login(users["manager"])
    before = record_queries(client, order)
    assert not [sql for sql in before if sql.startswith('SELECT "orders_payment"."id"')]
    assert not [sql for sql in before if sql.startswith('SELECT "fulfilment_shipment"."id"')]
    payment_record(
        order_id=order.pk, amount="5.00", method="transfer", reference="BANK-77", actor=users["csr"]
    )
    after = record_queries(client, order)
    assert [sql for sql in after if sql.startswith('SELECT "orders_payment"."id"')]
    assert "ref BANK-77" in detail(client, order)


def test_a_note_keeps_its_paragraphs_and_line_breaks():
    wording = describe("note.added", {"text": "Call first.\r\nGate code 12\n\n\nLeave at <door>"})
    assert wording == (
        '<span class="text-body"><p>Call first.<br>Gate code 12</p>\n\n<p>Leave at &lt;door&gt;</p></span>'
    )


def test_a_superadmin_opens_a_deleted_order_by_number_and_others_get_404(client, users):
    from orders.services.edit import order_soft_delete

    order = make_order()
    order_soft_delete(order_id=order.pk, actor=users["manager"], reason="duplicate")
    client.force_login(users["superadmin"])
    assert "Deleted" in detail(client, order)
    client.force_login(users["manager"])
    assert client.get(reverse("orders:detail", kwargs={"number": order.number})).status_code == 404
