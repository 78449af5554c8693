"""The ship-by settings pages: rules (list, add, edit, delete) and a warehouse's calendar; only managers;
bad input gives a clear error and writes nothing."""

from datetime import date, time

import pytest
from django.urls import reverse

from orders.models import Channel, ShipByRule, Warehouse

pytestmark = pytest.mark.django_db


def test_a_manager_adds_edits_and_deletes_a_rule(client, users):
    client.force_login(users["manager"])
    shop = Channel.objects.create(code="shop", name="Shop", kind="shopify")
    response = client.post(
        reverse("orders:ship_by_rule_create"),
        {
            "channel": shop.pk,
            "shipping_method": " Express ",
            "cutoff": "14:30",
            "extra_days": "1",
            "warehouse": "",
        },
    )
    assert response.status_code == 302
    rule = ShipByRule.objects.get()
    assert (rule.channel, rule.shipping_method, rule.cutoff, rule.extra_days) == (
        shop,
        "Express",
        time(14, 30),
        1,
    )
    page = client.get(reverse("orders:ship_by_list")).content.decode()
    assert "Shop" in page and "14:30" in page and "Express" in page

    client.post(
        reverse("orders:ship_by_rule_edit", args=[rule.pk]),
        {"channel": "", "shipping_method": "", "cutoff": "09:00", "extra_days": "0", "warehouse": ""},
    )
    rule.refresh_from_db()
    assert rule.channel is None and rule.cutoff == time(9, 0)

    assert (
        "Orders keep the deadlines"
        in client.get(reverse("orders:ship_by_rule_delete", args=[rule.pk])).content.decode()
    )
    assert client.post(reverse("orders:ship_by_rule_delete", args=[rule.pk])).status_code == 302
    assert not ShipByRule.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cutoff": "25:00", "extra_days": "0"}, "Enter a valid time."),
        ({"cutoff": "", "extra_days": "0"}, "This field is required."),
        ({"cutoff": "14:00", "extra_days": "31"}, "less than or equal to 30"),
        ({"cutoff": "14:00", "extra_days": "-1"}, "greater than or equal to 0"),
        ({"cutoff": "14:00", "extra_days": "0", "shipping_method": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_error(client, users, data, message):
    client.force_login(users["manager"])
    response = client.post(reverse("orders:ship_by_rule_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ShipByRule.objects.exists()


def test_a_second_rule_for_the_same_scope_is_refused(client, users):
    client.force_login(users["manager"])
    ShipByRule.objects.create(cutoff=time(14, 0), shipping_method="Express")
    response = client.post(
        reverse("orders:ship_by_rule_create"),
        {"shipping_method": "EXPRESS", "cutoff": "10:00", "extra_days": "0"},
    )
    assert response.status_code == 200
    assert "A rule for this channel and shipping method exists already" in response.content.decode()
    assert ShipByRule.objects.count() == 1


def test_a_manager_sets_a_warehouses_calendar(client, users):
    client.force_login(users["manager"])
    warehouse = Warehouse.objects.get(is_default=True)
    url = reverse("orders:warehouse_calendar", args=[warehouse.pk])
    assert 'name="working_weekdays"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "working_weekdays": ["5", "0", "1"],
            "holidays": "2026-12-25\n\n 2026-12-24 \n2026-12-25",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 302
    warehouse.refresh_from_db()
    assert warehouse.working_weekdays == [0, 1, 5]
    assert warehouse.holidays == [date(2026, 12, 24), date(2026, 12, 25)]
    assert warehouse.time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo" in client.get(reverse("orders:ship_by_list")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"working_weekdays": ["0"], "time_zone": "Mars/Olympus"}, "is not a time zone name"),
        ({"working_weekdays": ["0"], "time_zone": "../etc/passwd"}, "is not a time zone name"),
        ({"working_weekdays": [], "time_zone": ""}, "Choose at least one working day."),
        ({"working_weekdays": ["7"], "time_zone": ""}, "Select a valid choice"),
        (
            {"working_weekdays": ["0"], "holidays": "2026-12-25\nchristmas", "time_zone": ""},
            "Not a date as 2026-12-25: christmas",
        ),
        ({"working_weekdays": ["0"], "holidays": "2026-02-30", "time_zone": ""}, "Not a date"),
    ],
)
def test_a_bad_calendar_is_refused_and_nothing_is_written(client, users, data, message):
    client.force_login(users["manager"])
    warehouse = Warehouse.objects.get(is_default=True)
    before = (warehouse.working_weekdays, warehouse.holidays, warehouse.time_zone)
    response = client.post(reverse("orders:warehouse_calendar", args=[warehouse.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    warehouse.refresh_from_db()
    assert (warehouse.working_weekdays, warehouse.holidays, warehouse.time_zone) == before


@pytest.mark.parametrize("role", ["csr", "warehouse", "viewer", "agent"])
def test_other_roles_may_not_change_ship_by_settings(client, users, make_user, role):
    client.force_login(users[role] if role in users else make_user(role))
    assert (
        client.post(reverse("orders:ship_by_rule_create"), {"cutoff": "14:00", "extra_days": "0"}).status_code
        == 403
    )
    assert not ShipByRule.objects.exists()


def test_the_settings_are_in_the_managers_navigation(client, users):
    client.force_login(users["manager"])
    assert reverse("orders:ship_by_list") in client.get(reverse("orders:list")).content.decode()
    client.force_login(users["csr"])
    assert reverse("orders:ship_by_list") not in client.get(reverse("orders:list")).content.decode()
