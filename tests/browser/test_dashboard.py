"""The dashboard in a real browser at a phone's 390 by 844 and a laptop's 1440 by 900, per role: the
page never scrolls sideways, every visible link is on screen, the charts draw without a console error
(Chart.js under the CSP nonce), and clicking a tile lands on the list showing the tile's count."""

import pytest

from tests.browser.test_layout import LAPTOP, OFF_SCREEN, PHONE, sign_in
from tests.dashboard.test_dashboard import varied_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user("manager", username="b-manager"),
        "csr": make_user("csr", username="b-csr"),
        "other_csr": make_user("csr", username="b-csr-2"),
        "warehouse": make_user("warehouse", username="b-warehouse"),
        "agent": make_user("agent", username="b-agent"),
        "other_agent": make_user("agent", username="b-agent-2"),
    }


@pytest.mark.parametrize("role", ["manager", "csr", "warehouse", "agent"])
def test_the_dashboard_fits_and_its_tiles_lead_to_their_lists(browser, live_server, people, role):
    varied_orders(people)
    for viewport in (PHONE, LAPTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(10_000)
        errors: list[str] = []
        page = sign_in(context, people[role])
        page.on(
            "console", lambda message, errors=errors: message.type == "error" and errors.append(message.text)
        )
        page.goto("/")
        if role in ("manager", "csr"):
            page.wait_for_selector("#chart-activity[data-drawn]")
        assert page.evaluate(OFF_SCREEN) == [], (role, viewport)
        tiles = page.locator("[data-testid=tile][href^='/orders/?']")
        assert tiles.count() >= 2
        tile = tiles.first
        shown = tile.get_attribute("data-count")
        tile.click()
        page.wait_for_url("**/orders/?**")
        count = page.get_by_test_id("result-count").inner_text()
        assert count.split()[0].replace(",", "") == shown, (role, viewport, count, shown)
        assert errors == [], errors
        context.close()
