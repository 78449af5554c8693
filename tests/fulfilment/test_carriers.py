"""Carriers as a managed list (issue 19): seeded with the common ones, kept by managers, chosen when
shipping, and every tracking number a link to the carrier's page. Free-text carriers keep working."""

import pytest
from django.urls import reverse

from channels.tracking.services import tracking_url as channel_tracking_url
from fulfilment.carriers import COMMON_CARRIERS, tracking_url
from fulfilment.errors import FulfilmentError
from fulfilment.models import Carrier, Shipment
from fulfilment.services import shipment_create
from fulfilment.services.carriers import carrier_create, carrier_update
from tests.fulfilment.test_pick_pack_ship import picker, place, stocked  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_common_carriers_are_there_from_the_start():
    assert set(Carrier.objects.values_list("code", flat=True)) >= {code for _, code, _ in COMMON_CARRIERS}
    assert tracking_url("UPS", "1Z 999") == "https://www.ups.com/track?tracknum=1Z%20999"
    assert tracking_url("ups", "1Z999") == tracking_url("UPS", "1Z999")  # by code or any case
    assert tracking_url("Own fleet", "42") == ""  # no tracking page
    assert tracking_url("Bob's vans", "42") == ""  # not a managed carrier
    assert tracking_url("UPS", "") == ""


def test_a_manager_adds_a_carrier_whose_numbers_link_and_are_sent_to_shops(users):
    carrier_create(
        name="Acme Couriers",
        code="acme",
        tracking_url_template="https://acme.example/t/{tracking}",
        actor=users["manager"],
    )
    assert tracking_url("Acme Couriers", "A/1") == "https://acme.example/t/A%2F1"
    # The channel tracking push follows the managed list (and still knows its built-in pages).
    assert channel_tracking_url("Acme Couriers", "A1") == "https://acme.example/t/A1"
    assert channel_tracking_url("DHL", "123") == "https://www.dhl.com/en/express/tracking.html?AWB=123"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "code": "x"}, "needs a name and a code"),
        ({"name": "X", "code": "x", "tracking_url_template": "https://x.example/"}, "with {tracking}"),
        ({"name": "X", "code": "x", "tracking_url_template": "http://x.example/{tracking}"}, "https://"),
        ({"name": "dhl", "code": "dhl-2"}, "exists already"),
        ({"name": "DHL 2", "code": "dhl"}, "exists already"),
    ],
)
def test_a_bad_carrier_is_refused_and_nothing_is_written(users, fields, message):
    before = Carrier.objects.count()
    with pytest.raises(FulfilmentError, match=message):
        carrier_create(actor=users["manager"], **fields)
    assert Carrier.objects.count() == before


def test_the_warehouse_may_not_manage_carriers(users, client):
    with pytest.raises(FulfilmentError, match="may not manage carriers"):
        carrier_create(name="X", code="x", actor=users["warehouse"])
    client.force_login(users["warehouse"])
    assert client.get(reverse("fulfilment:carriers")).status_code == 403


def test_the_manager_page_adds_and_edits_carriers(users, client):
    client.force_login(users["manager"])
    page = client.get(reverse("fulfilment:carriers")).content.decode()
    assert 'data-testid="carrier-dhl"' in page
    response = client.post(
        reverse("fulfilment:carriers"),
        {
            "new-name": "Acme",
            "new-code": "acme",
            "new-tracking_url_template": "https://acme.example/{tracking}",
            "new-active": "on",
        },
    )
    assert response.status_code == 302
    acme = Carrier.objects.get(code="acme")
    # A bad template: the page says why, the carrier is unchanged.
    url = reverse("fulfilment:carrier_edit", kwargs={"pk": acme.pk})
    response = client.post(
        url, {"name": "Acme", "code": "acme", "tracking_url_template": "https://acme.example/"}
    )
    assert (
        response.status_code == 200 and "with {tracking} where the number goes" in response.content.decode()
    )
    acme.refresh_from_db()
    assert acme.tracking_url_template == "https://acme.example/{tracking}" and acme.active
    # Not offered any more.
    client.post(url, {"name": "Acme", "code": "acme", "tracking_url_template": ""})
    acme.refresh_from_db()
    assert (acme.tracking_url_template, acme.active) == ("", False)
    carrier_update(carrier_id=acme.pk, name="Acme", code="acme", active=True, actor=users["manager"])


def test_the_ship_form_offers_the_active_carriers_and_refuses_others(place, picker, client):  # noqa: F811
    Carrier.objects.filter(code="gls").update(active=False)
    order = place((stocked("MUG-01"), 1))
    client.force_login(picker)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "<option>DPD</option>" in page and "<option>GLS</option>" not in page

    response = client.post(
        reverse("fulfilment:ship", kwargs={"number": order.number}), {"carrier": "Bob's vans"}, follow=True
    )
    assert "Choose one of the carriers in the list" in response.content.decode()
    assert not Shipment.objects.filter(order=order).exists()

    line = order.lines.get()
    client.post(
        reverse("fulfilment:ship", kwargs={"number": order.number}),
        {"carrier": "DPD", "tracking_number": "0999", f"line_{line.pk}": "1"},
    )
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'href="https://tracking.dpd.de/status/en_US/parcel/0999"' in page


def test_a_free_text_carrier_still_ships_and_shows_its_number_without_a_link(place, picker, client):  # noqa: F811
    order = place((stocked("MUG-01"), 1))
    shipment_create(order_id=order.pk, carrier="Bob's vans", tracking_number="B-7", actor=picker)
    client.force_login(picker)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Bob&#x27;s vans" in page and "B-7" in page
    assert 'data-testid="tracking-link"' not in page
