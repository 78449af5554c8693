"""A manager sees the failing-connection banner on the orders page (issue 17), at phone and laptop
widths, and follows it to the connection, whose page says why it is failing."""

import re

import pytest
from playwright.sync_api import expect

from tests.channels.test_failing_banner import failing_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_sees_a_failing_connection_on_the_orders_page_and_follows_it(page, login, make_user, width):
    page.set_viewport_size(WIDTHS[width])
    shop = failing_shop(name="Acme Store with a rather long name for a small screen")
    login(make_user("manager"))

    page.goto("/orders/")
    banner = page.get_by_test_id("failing-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("is failing: never synced, and syncing failed in the last hour")
    # Nothing of the page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    banner.get_by_role("link", name=shop.name).click()
    page.wait_for_url(re.compile(rf"/channels/{shop.pk}/$"))
    expect(page.get_by_test_id("connection-failing")).to_contain_text("Failing: never synced")
    expect(page.get_by_test_id("health-lag")).to_have_text(re.compile("No successful sync yet"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []


def test_a_customer_service_agent_sees_no_banner(page, login, make_user):
    failing_shop()
    login(make_user("csr"))

    page.goto("/orders/")
    expect(page.get_by_test_id("side-nav")).to_be_visible()
    expect(page.get_by_test_id("failing-banner")).to_have_count(0)
