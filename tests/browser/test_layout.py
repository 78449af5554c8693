"""Every role's main pages at a phone's 390 by 844 (and the narrowest phone, 360) and a laptop's 1440
by 900: the page never scrolls sideways and every visible button, link and field of the page is on
screen (inside a box that scrolls on its own, such as a wide table, it counts when that box is on
screen). One browser context per role, the pages visited in a loop, so the matrix stays a few seconds
per role."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.navigation import NAVIGATION
from accounts.roles import ROLE_LABELS, ROLE_PERMISSIONS
from fulfilment.models import BinLocation, StockItem
from fulfilment.services.picking import picklist_create
from orders.inputs import LineInput
from orders.models import Order, Warehouse
from orders.services.transitions import builtin_status
from tests.conftest import sign_in_through_the_pages
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROWEST = {"width": 360, "height": 740}  # the smallest phone the issue names
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
PASSWORD = "secret-pass-123"

# What is off screen, as a list of readable lines; empty when the page fits. An element inside a box
# that scrolls sideways on its own (a wide table's .table-responsive, the status tabs) is judged by that
# box: the user scrolls the box, not the page.
OFF_SCREEN = """() => {
  const width = window.innerWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
  }
  const scroller = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === "auto" || overflow === "scroll") return node;
    }
    return null;
  };
  const controls = document.querySelectorAll(
    "#main a[href], #main button, #main input:not([type=hidden]), #main select, #main textarea, " +
    ".topbar a[href], .topbar button"
  );
  for (const element of controls) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    if (element.closest(".offcanvas:not(.show), .dropdown-menu:not(.show), .collapse:not(.show)")) continue;
    const judged = (scroller(element) || element).getBoundingClientRect();
    if (judged.left < -1 || judged.right > width + 1) {
      const name = (element.innerText || element.value || element.getAttribute("aria-label") ||
                    element.name || element.tagName).trim().slice(0, 40);
      problems.push(`${element.tagName.toLowerCase()} "${name}" spans ${Math.round(judged.left)}..` +
                    `${Math.round(judged.right)}px`);
    }
  }
  return problems;
}"""


def sign_in(context, user):
    page = context.new_page()
    sign_in_through_the_pages(page, user, PASSWORD)  # the code step too, for a manager (tests/conftest.py)
    return page


def shelved(sku: str):
    warehouse = Warehouse.objects.get(is_default=True)
    product = ProductFactory(sku=sku, name="A rather long product name for a narrow screen, in blue")
    bin = BinLocation.objects.create(warehouse=warehouse, code=f"BIN-{sku}")
    StockItem.objects.create(warehouse=warehouse, product=product, on_hand=50, bin=bin)
    return product


def long_named_customer():
    return CustomerFactory(
        name="Maximilian Alexander Featherstonehaugh-Worthington",
        email="maximilian.featherstonehaugh-worthington@example-company-with-a-long-domain.co.uk",
    )


@pytest.fixture
def orders_on_every_page(users):
    """An order at each step the main pages show: ready to pick, on a picklist, shipped to the agent."""
    product = shelved("LAYOUT-MUG-0001")
    line = [LineInput(sku=product.sku, quantity=2)]
    ready = make_order(lines=line, customer=long_named_customer(), assigned_csr=users["csr"])
    picking = make_order(lines=line, customer=long_named_customer())
    picklist, _ = picklist_create(order_ids=[picking.pk], actor=users["warehouse"])
    shipped = make_order(lines=line, customer=long_named_customer(), assigned_agent=users["agent"])
    Order.objects.filter(pk=shipped.pk).update(status=builtin_status("shipped"))
    return {"ready": ready, "picklist": picklist, "shipped": shipped}


def main_pages(role: str, orders: dict) -> list[str]:
    """The role's menu (the Django admin aside) and the pages one click further that a day needs."""
    held = ROLE_PERMISSIONS[role]

    def may(permission: str) -> bool:
        return role == "superadmin" or permission in held

    urls = [
        item.url for item in NAVIGATION if may(item.permission) and not item.url_name.startswith("admin:")
    ]
    if may("orders.view_order"):
        order = orders["shipped" if role == "agent" else "ready"]
        urls.append(reverse("orders:detail", kwargs={"number": order.number}))
    if may("orders.change_order"):
        urls.append(reverse("orders:edit", kwargs={"number": orders["ready"].number}))
    if may("fulfilment.pick_order"):
        urls.append(reverse("fulfilment:picklist", kwargs={"pk": orders["picklist"].pk}))
    urls.append("/no-such-page/")
    return urls


@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_every_main_page_fits_a_phone_and_a_laptop(browser, live_server, users, orders_on_every_page, role):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = sign_in(context, users[role])
        errors: list[str] = []
        # The browser reports the 404 of the unknown page (and of nothing else) as a console error.
        page.on("console", lambda m: m.type == "error" and "404" not in m.text and errors.append(m.text))
        urls = main_pages(role, orders_on_every_page)
        assert len(urls) >= 3
        problems = []
        for size in (NARROWEST, PHONE, LAPTOP):
            page.set_viewport_size(size)
            for url in urls:
                page.goto(url)
                problems += [f"{size['width']}px {url}: {problem}" for problem in page.evaluate(OFF_SCREEN)]
        assert not problems, "\n".join(problems)
        assert errors == []
    finally:
        context.close()


def in_view(page, locator) -> bool:
    """The element is visible and wholly inside the window, left to right."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_on_a_phone_the_menu_is_a_button_and_the_agent_reaches_failed_the_reason_and_log_out(
    browser, live_server, users, orders_on_every_page
):
    shipped = orders_on_every_page["shipped"]
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = sign_in(context, users["agent"])
        # The menu is folded away: the page has the whole width, and one tap opens it.
        side_nav = page.get_by_test_id("side-nav")
        expect(side_nav).to_be_hidden()
        assert page.locator("#main").bounding_box()["width"] >= PHONE["width"] - 1
        page.get_by_test_id("menu-button").click()
        page.wait_for_selector("#sidebar.show:not(.showing)")  # slid in
        expect(side_nav).to_be_visible()
        deliveries = side_nav.get_by_role("link", name="Deliveries")
        assert in_view(page, deliveries)
        deliveries.click()
        page.wait_for_url("**/orders/deliveries/")
        expect(side_nav).to_be_hidden()

        card = page.get_by_test_id(f"delivery-{shipped.number}")
        reason = card.get_by_label("Failure reason")
        failed = card.get_by_role("button", name="Failed")
        log_out = page.get_by_role("button", name="Log out")
        assert in_view(page, reason) and in_view(page, failed) and in_view(page, log_out)
        reason.fill("Nobody home, neighbour away")
        failed.click()
        expect(page.get_by_test_id("toast")).to_contain_text("marked")
        shipped.refresh_from_db()
        assert shipped.stage == "delivery_failed"

        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/accounts/login/")
    finally:
        context.close()


def test_on_a_laptop_the_menu_stays_beside_the_page(browser, live_server, users):
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    try:
        page = sign_in(context, users["manager"])
        expect(page.get_by_test_id("side-nav")).to_be_visible()
        expect(page.get_by_test_id("menu-button")).to_be_hidden()
        nav_box = page.get_by_test_id("side-nav").bounding_box()
        assert nav_box["x"] + nav_box["width"] <= page.locator("#main").bounding_box()["x"] + 1
    finally:
        context.close()


def test_the_bulk_bar_stays_in_reach_while_selected_rows_scroll_by(browser, live_server, users):
    product = shelved("LAYOUT-TEA-0001")
    for _ in range(30):
        make_order(lines=[LineInput(sku=product.sku, quantity=1)], customer=long_named_customer())
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = sign_in(context, users["manager"])
        page.goto("/orders/")
        submit = page.get_by_test_id("bulk-submit")
        page.locator(".row-select").first.check()
        expect(submit).to_be_enabled()
        page.locator(".row-select").last.scroll_into_view_if_needed()
        page.mouse.wheel(0, 5000)
        page.wait_for_function("() => window.scrollY > 1000")
        box = submit.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
        assert in_view(page, submit)
        expect(page.get_by_test_id("selection-count")).to_have_text("1 selected")
        # With nothing chosen the bar scrolls away with the list as before.
        # (unticked by script: Playwright's uncheck() would first scroll the row back into view)
        page.locator(".row-select").first.evaluate(
            "box => { box.checked = false; box.dispatchEvent(new Event('change', {bubbles: true})); }"
        )
        expect(submit).to_be_disabled()
        assert submit.bounding_box()["y"] < 0
    finally:
        context.close()


def test_a_user_chooses_the_lists_columns_and_finds_them_again(
    browser, live_server, users, orders_on_every_page
):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = sign_in(context, users["csr"])
        page.goto("/orders/?tab=processing")
        table_headers = page.get_by_test_id("order-table").locator("thead th")
        expect(table_headers).to_have_count(
            11
        )  # the checkbox, the order and nine columns (Ship by among them)
        page.get_by_test_id("columns-button").click()
        form = page.get_by_test_id("columns-form")
        for label in ("Date", "Ship by", "Channel", "Customer", "Payment", "CSR", "Agent"):
            form.get_by_label(f"Show the {label} column").uncheck()
        assert in_view(page, page.get_by_test_id("columns-save"))
        page.get_by_test_id("columns-save").click()
        page.wait_for_url("**/orders/?tab=processing")
        expect(table_headers).to_have_text(["", "Order", "Status", "Total"])
        assert page.evaluate(OFF_SCREEN) == []
        # Remembered on the user (not in the browser): a later visit shows the same columns.
        users["csr"].refresh_from_db()
        assert users["csr"].list_preferences["order_columns"] == ["status", "total"]
        page.goto("/orders/")
        expect(table_headers).to_have_text(["", "Order", "Status", "Total"])
    finally:
        context.close()


def test_the_order_list_answers_the_keyboard(browser, live_server, users, orders_on_every_page):
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    try:
        page = sign_in(context, users["manager"])
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto("/orders/")
        rows = page.get_by_test_id("order-table").locator("tbody tr")
        expect(rows).to_have_count(3)
        # "/" goes to the search; keys typed there are the search's, not shortcuts.
        page.keyboard.press("/")
        search = page.locator("#id_q")
        expect(search).to_be_focused()
        page.keyboard.type("jx")
        expect(search).to_have_value("jx")
        expect(page.locator("tr.row-current")).to_have_count(0)
        search.fill("")
        search.blur()
        # j / k move, x selects the row under the keyboard, o opens it.
        page.keyboard.press("j")
        page.keyboard.press("j")
        expect(rows.nth(1)).to_have_class(re.compile(r"\brow-current\b"))
        page.keyboard.press("x")
        expect(rows.nth(1).locator(".row-select")).to_be_checked()
        expect(page.get_by_test_id("selection-count")).to_have_text("1 selected")
        page.keyboard.press("k")
        expect(rows.nth(0)).to_have_class(re.compile(r"\brow-current\b"))
        expect(rows.nth(1)).not_to_have_class(re.compile(r"\brow-current\b"))
        # ? lists the keys.
        page.evaluate(
            "() => document.getElementById('keys-help').addEventListener("
            "'shown.bs.modal', () => { window.keysShown = true; }, {once: true})"
        )
        page.keyboard.press("?")
        page.wait_for_function("() => window.keysShown === true")  # faded in: Escape is heard from here
        expect(page.get_by_test_id("keys-help")).to_be_visible()
        expect(page.get_by_test_id("keys-help")).to_contain_text("Open the order")
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("keys-help")).to_be_hidden()
        number = rows.nth(0).locator("a").first.get_attribute("href")
        page.keyboard.press("o")
        page.wait_for_url(f"**{number}")
        assert errors == []
    finally:
        context.close()


def test_on_a_phone_the_filters_fold_behind_a_button_unless_one_is_in_use(browser, live_server, users):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = sign_in(context, users["manager"])
        page.goto("/orders/")
        status = page.get_by_label("Status", exact=True)
        expect(page.get_by_label("Search")).to_be_visible()
        expect(status).to_be_hidden()
        page.get_by_test_id("filters-button").click()
        expect(status).to_be_visible()
        page.goto("/orders/?payment_method=cash")
        expect(page.get_by_label("Payment", exact=True)).to_be_visible()
        page.set_viewport_size(LAPTOP)
        page.goto("/orders/")
        expect(page.get_by_test_id("filters-button")).to_be_hidden()
        expect(status).to_be_visible()
    finally:
        context.close()
