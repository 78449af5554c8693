"""A manager's ship-by journey at a phone's 390x844 and a laptop's 1440x900: open the Late tab, see the
late order highlighted (a "Late" badge, not colour alone), sort by ship-by, save the view and find it as
a tab; the page never scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_layout import LAPTOP, OFF_SCREEN, PHONE, sign_in
from tests.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390x844", "1440x900"])
def test_a_manager_works_the_late_tab_and_saves_it_as_a_view(browser, live_server, users, size):
    now = timezone.now()
    older = make_order(ship_by=now - timedelta(days=2))
    newer = make_order(ship_by=now - timedelta(hours=1))
    on_time = make_order(ship_by=now + timedelta(days=3))
    context = browser.new_context(base_url=live_server.url, viewport=size)
    context.set_default_timeout(10_000)
    try:
        page = sign_in(context, users["manager"])
        page.goto("/orders/")
        page.locator("[data-tab=late]").click()
        page.wait_for_url("**/orders/?tab=late")
        rows = page.locator("[data-testid=order-table] tbody tr")
        expect(rows).to_have_count(2)
        late_row = page.locator("tr.order-late", has_text=str(newer.number))
        expect(page.locator("tr.order-late")).to_have_count(2)
        expect(late_row.first.get_by_test_id("row-late")).to_have_text("Late")
        expect(page.get_by_text(str(on_time.number), exact=True)).to_have_count(0)
        assert page.evaluate(OFF_SCREEN) == []

        page.locator("thead a", has_text="Ship by").click()  # descending first, as every header
        page.wait_for_url("**sort=-ship_by**")
        first = rows.first.locator("a.fw-semibold")
        expect(first).to_contain_text(str(newer.number))
        page.locator("thead a", has_text="Ship by").click()
        page.wait_for_url("**sort=ship_by**")
        expect(first).to_contain_text(str(older.number))

        page.get_by_test_id("views-button").click()
        page.fill("#view-name", "Overdue")
        page.get_by_test_id("view-save").click()
        tab = page.get_by_test_id("saved-view-tab")
        expect(tab).to_have_text("Overdue")
        expect(tab).to_have_class("nav-link text-nowrap active")
        expect(page.locator("tr.order-late")).to_have_count(2)
        assert page.evaluate(OFF_SCREEN) == []

        page.goto("/orders/")  # the view stays a tab; it opens the saved filter and sort
        page.get_by_test_id("saved-view-tab").click()
        page.wait_for_url("**view=**")
        expect(rows).to_have_count(2)
        expect(first).to_contain_text(str(older.number))
    finally:
        context.close()
