"""One registry of timeline event types (issue 14): every type the orders app writes is registered
with its wording, recording an unregistered type fails, an unknown type in old data still shows, and
apps add their own types the way they add panels."""

import os
import re
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from orders import events
from orders.actors import Actor
from orders.events import EventRows, EventType, UnregisteredEventType
from orders.inputs import LineInput
from orders.models import OrderEvent
from orders.services.lines import order_line_cancel
from orders.timeline import order_timeline, render_timeline
from orders.wording import e
from tests.event_wording import constants_of, shown_on_the_timeline, types_registered_by, with_markup
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db

# Each type orders/events.py registers, with parameters as its services write them, and its sentence.
ORDER_EVENTS = {
    "order.created": (
        {"source": "csv", "detail": "file a.csv, row 2", "status": "Processing"},
        "Created from csv (file a.csv, row 2) as Processing.",
    ),
    "order.edited": (
        {"changes": [{"field": "Gift message", "old": "", "new": "Happy birthday"}]},
        '<div>Gift message: <span class="text-decoration-line-through text-secondary">—</span> → '
        "Happy birthday</div>",
    ),
    "status.changed": (
        {"old": "Processing", "new": "Cancelled", "old_stage": "processing", "new_stage": "cancelled",
         "reason": "customer asked"},
        "Status <strong>Processing</strong> → <strong>Cancelled</strong>: customer asked",
    ),
    "hold.placed": ({"reasons": ["Manual: check the address", "Duplicate"]},
                    "Put on hold: Manual: check the address; Duplicate"),
    "hold.released": ({"reasons": ["Manual"]}, "Hold released (Manual)"),
    "order.assigned": ({"role": "CSR", "old": "", "new": "Cora"}, "CSR: nobody → Cora"),
    "note.added": ({"text": "first\n\nsecond\nline"},
                   '<span class="text-body"><p>first</p>\n\n<p>second<br>line</p></span>'),
    "order.deleted": ({"reason": "duplicate"}, "Deleted: duplicate"),
    "order.restored": ({}, "Restored"),
    "line.cancelled": ({"sku": "A-1", "quantity": 2, "reason": "out of stock"}, "Line A-1 cancelled: out of stock"),
    "line.replaced": ({"old": "A-1", "new": "B-2", "quantity": 2}, "Line A-1 replaced by B-2 (2)"),
    "line.moved": ({"sku": "A-1", "old": "Main", "new": "North"}, "Line A-1 moved from Main to North"),
    "personal_data.erased": ({"reason": "at eBay's request"},
                             "Buyer's personal data erased at eBay&#x27;s request"),
}  # fmt: skip


@pytest.fixture
def registry():
    """Types a test registers are gone afterwards."""
    saved = dict(events._registered), dict(events._describe_by_code)
    yield
    for live, kept in zip((events._registered, events._describe_by_code), saved, strict=True):
        live.clear()
        live.update(kept)


def test_every_order_event_type_is_registered_with_a_label_and_worded_on_the_timeline():
    assert types_registered_by("orders.events") == set(ORDER_EVENTS) == constants_of(EventType)
    assert all(event.label for event in events.registered_events())
    shown = shown_on_the_timeline({type: params for type, (params, _) in ORDER_EVENTS.items()})
    assert shown == {type: wording for type, (_, wording) in ORDER_EVENTS.items()}


def test_every_value_in_an_order_event_is_escaped_on_the_timeline():
    shown = shown_on_the_timeline({type: with_markup(params) for type, (params, _) in ORDER_EVENTS.items()})
    for type, wording in shown.items():
        assert "<b " not in wording, type


def test_every_app_registers_its_event_types_when_django_starts():
    """The order page of a web process words fulfilment's and money's events even though no
    fulfilment or money service ran in it: the apps register in ready()."""
    script = (
        "import django; django.setup(); from orders.events import registered_events; "
        "print(' '.join(event.code for event in registered_events()))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    output = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"order.created", "payment.recorded", "shipment.created", "stock.allocation"} <= set(output)
    assert set(output) == {event.code for event in events.registered_events()}


# Recording ---------------------------------------------------------------------------------------


def test_recording_an_unregistered_type_raises_in_both_forms_and_writes_nothing():
    order = make_order()
    actor = Actor.system("tests")
    before = OrderEvent.objects.count()
    with pytest.raises(
        UnregisteredEventType, match=re.escape("'shipment.sent' is not a registered event type")
    ):
        events.record(order, actor, "shipment.sent", carrier="DHL")
    with pytest.raises(UnregisteredEventType):
        events.record_many([order], actor, "shipment.sent")
    rows = EventRows(actor)
    with pytest.raises(UnregisteredEventType):
        rows.lines([order.pk], "shipment.sent", {})
    with pytest.raises(UnregisteredEventType):
        rows.line(order.pk, "shipment.sent", {})
    assert OrderEvent.objects.count() == before


def test_a_service_recording_an_unregistered_type_fails_and_changes_nothing(monkeypatch, users):
    product = ProductFactory(sku="MUG-1")
    order = make_order(lines=[LineInput(sku=product.sku, quantity=2)])
    line = order.lines.get()
    monkeypatch.setattr(EventType, "LINE_CANCELLED", "line.canceled")  # a typo in a service
    with pytest.raises(UnregisteredEventType):
        order_line_cancel(line_id=line.pk, actor=users["manager"], reason="out of stock")
    line.refresh_from_db()
    assert line.quantity_cancelled == 0
    assert not order.events.filter(type__startswith="line.").exists()


def test_an_unknown_type_in_old_data_still_shows_what_happened():
    order = make_order()
    OrderEvent.objects.create(order=order, type="legacy.thing", params={"x": "<b>"})  # bypasses the services
    html = render_timeline(order_timeline(order), "timeline")
    assert 'data-event="legacy.thing"' in html
    assert "<div>legacy.thing {&#x27;x&#x27;: &#x27;&lt;b&gt;&#x27;}</div>" in html


# Registering -------------------------------------------------------------------------------------


def test_an_app_registers_a_type_and_the_timeline_words_it(registry):
    def gift_wrapped(p: dict) -> str:
        return f"Gift-wrapped in {e(p['paper'])}"

    code = events.register("giftwrap.done", "Gift-wrapped", gift_wrapped)
    assert code == "giftwrap.done"
    assert shown_on_the_timeline({code: {"paper": "gold & <red>"}}) == {
        code: "Gift-wrapped in gold &amp; &lt;red&gt;"
    }


def test_registering_the_same_wording_twice_is_harmless_but_a_second_wording_is_refused(registry):
    def wording(p: dict) -> str:
        return "one"

    def other_wording(p: dict) -> str:
        return "two"

    events.register("giftwrap.done", "Gift-wrapped", wording)
    events.register("giftwrap.done", "Gift-wrapped", wording)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        events.register("giftwrap.done", "Gift-wrapped", other_wording)
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        events.register(EventType.CREATED, "Created", wording)


@pytest.mark.parametrize("code", ["Gift wrapped", "giftwrap", "giftwrap.", "gift." + "x" * 40])
def test_a_type_code_is_dotted_lower_case_words_that_fit_the_column(registry, code):
    with pytest.raises(ImproperlyConfigured):
        events.register(code, "Gift-wrapped", lambda p: "")
