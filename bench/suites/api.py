"""The JSON API v1 against issue 18's budgets, each beside the HTML page doing the same in the same run.

Reading, in-process through Django's test Client (the whole middleware stack, no network; DEBUG off),
with 1,000,000 orders in the benchmark database, as the orders suite measures the pages. The API is
requested as an integrator does, with its token and no browser session; the pages with a signed-in
manager's session:
- api_list_p95_ms: GET /api/v1/orders?limit=50, round robin over the first page and filtered pages
  (stage, channel, updated_since an hour and a day back); the order list page with the same filters
  beside it (list_page_p95_ms), and each API URL's own p95 as context.
- api_get_p95_ms: GET /api/v1/orders/{number} of the orders suite's detail order (50 lines); the order
  detail page beside it.

Creating, over real HTTP to gunicorn started as the Procfile's `web` line (bench/processes.py) against
the benchmark database, by one client, one request at a time:
- api_create_per_s: POST /api/v1/orders, 3 lines, with hold checks, hold rules and allocation (every
  tenth order has no shipping method and is held); the order form's POST beside it (form_create_per_s,
  the POST answered by its redirect, not following it).
- api_create_batch_per_s: POST /api/v1/orders/batch, batches of 50 such orders.
The token's rate limit is raised for the server (API_RATE_LIMIT_PER_MINUTE): it is still counted per
request. The orders created are moved to a benchmark channel and removed at the end (bench/cleanup.py).

Options: --requests N (timed reads per URL, default 200), --warmup N (default 10), --creates N (orders
created one at a time per side, default 300), --batches N (batches of 50, default 20), --port N.
"""

import argparse
import secrets
import statistics
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from bench.harness import Report, percentile, summary
from bench.processes import deployed, isolated_broker, start_web, stop
from bench.suites.orders import DETAIL_LINES, bench_users, detail_order, prepare_database

CHANNEL = "bench-api"  # the suite's orders end in it and are removed again
BATCH_SIZE = 50
WARMUP_CREATES = 3  # requests per way of creating before the timed ones


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench api", add_help=False)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    return parser.parse_known_args(argv)[0]


def _reads(
    client: Client, urls: list[str], opts, headers: dict
) -> tuple[list[float], dict[str, list[float]]]:
    """Wall times in ms of GETs of `urls` round robin, after a warm-up round: all together, and per
    URL. Each answer must be 200."""
    for _ in range(opts.warmup):
        for url in urls:
            response = client.get(url, secure=True, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}; the benchmark needs 200")
    per_url: dict[str, list[float]] = {url: [] for url in urls}
    for _ in range(opts.requests):
        for url in urls:
            started = time.perf_counter()
            client.get(url, secure=True, headers=headers)
            per_url[url].append((time.perf_counter() - started) * 1000)
    return [sample for samples in per_url.values() for sample in samples], per_url


def _add_pair(
    report: Report, key: str, api: list[float], page: list[float], *, budget: str, note: str
) -> None:
    api_stats, page_stats = summary(api), summary(page)
    report.add(f"api_{key}_p95_ms", api_stats["p95"], "ms", budget, note)
    report.add(f"api_{key}_p50_ms", api_stats["p50"], "ms", "", "median")
    report.add(f"{key}_page_p95_ms", page_stats["p95"], "ms", "", f"the HTML page, same run; {note}")
    report.add(f"{key}_page_p50_ms", page_stats["p50"], "ms", "", "median")


def _line_skus(stamp: str) -> list[str]:
    """Three products of the suite's own, with stock enough for every order in the default warehouse."""
    from fulfilment.models import StockItem
    from orders.models import Warehouse
    from tests.factories import ProductFactory

    warehouse = Warehouse.objects.get(is_default=True)
    skus = []
    for index in range(3):
        product = ProductFactory(sku=f"BENCH-API-{stamp}-{index}")
        StockItem.objects.update_or_create(
            warehouse=warehouse, product=product, defaults={"on_hand": 1_000_000}
        )
        skus.append(product.sku)
    return skus


def _api_order(customer_id: int, skus: list[str], reference: str, held: bool) -> dict:
    return {
        "customer_id": customer_id,
        "lines": [{"sku": sku, "quantity": 1 + index} for index, sku in enumerate(skus)],
        "shipping_address": {
            "name": "Ada Lovelace", "line1": "12 Harbour Road", "city": "Leeds", "postcode": "LS1 4AP",
            "country": "GB",
        },
        "shipping_method": "" if held else "Standard",
        "payment_method": "cash",
        "po_number": "PO-BENCH",
        "customer_reference": reference,
    }  # fmt: skip


def _form_order(customer_id: int, skus: list[str], reference: str, held: bool, csrf: str) -> dict:
    post = {
        "csrfmiddlewaretoken": csrf, "customer": str(customer_id), "ship_name": "Ada Lovelace",
        "ship_line1": "12 Harbour Road", "ship_city": "Leeds", "ship_postcode": "LS1 4AP", "ship_country": "GB",
        "shipping_method": "" if held else "Standard", "payment_method": "cash", "delivery_fee": "0.00",
        "amount_paid": "0.00", "po_number": "PO-BENCH", "customer_reference": reference, "priority": "0",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
    }  # fmt: skip
    for index, sku in enumerate(skus):
        post[f"lines-{index}-sku"] = sku
        post[f"lines-{index}-quantity"] = str(1 + index)
    return post


def _create_rate(post, count: int, expected: int) -> tuple[float, list[float]]:
    """(requests per second, wall times in ms) of `count` sequential posts, each answering `expected`."""
    samples = []
    started = time.perf_counter()
    for index in range(count):
        began = time.perf_counter()
        response = post(index)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != expected:
            raise SystemExit(f"request {index} answered {response.status_code}: {response.text[:500]}")
    return count / (time.perf_counter() - started), samples


def _creating(report: Report, opts, manager, token: str, stamp: str) -> None:
    from fulfilment.models import Allocation
    from orders.models import Customer, Order, OrderLine
    from orders.workflow import Stage

    skus = _line_skus(stamp)
    # Each order its own customer: a second order of the same customer and total within the duplicate
    # window is held as a suspected duplicate (orders/holds.py), so shared customers would hold most of
    # the later phases' orders, not the tenth the suite asks for.
    needed = 2 * (WARMUP_CREATES + opts.creates) + (WARMUP_CREATES + opts.batches) * BATCH_SIZE
    pool = list(
        Customer.objects.filter(requires_po_number=False)
        .order_by("-pk")
        .values_list("pk", flat=True)[:needed]
    )
    if len(pool) < needed:
        raise SystemExit(f"bench api needs {needed:,} customers and the database has {len(pool):,}")
    customers = iter(pool)
    reference = f"BENCH-API-{stamp}"
    session = Client()
    session.force_login(manager)  # a session row in the benchmark database, which the server reads
    from accounts.testing import client_second_factor_pass  # managers sign in with a second factor

    client_second_factor_pass(session, manager)
    csrf = secrets.token_hex(16)  # Django accepts an unmasked 32-character secret in form and cookie
    cookies = {settings.SESSION_COOKIE_NAME: session.cookies[settings.SESSION_COOKIE_NAME].value}
    cookies[settings.CSRF_COOKIE_NAME] = csrf
    env = {**deployed(isolated_broker()), "API_RATE_LIMIT_PER_MINUTE": "1000000"}
    base = f"http://127.0.0.1:{opts.port}"
    web = start_web(env, opts.port)
    try:
        # The integrator's client and the browser's: cookies the form's answers set (the session, CSRF)
        # stay in the browser's jar and never ride along on the API's requests.
        with (
            httpx.Client(base_url=base, timeout=60, follow_redirects=False) as http,
            httpx.Client(base_url=base, timeout=60, follow_redirects=False, cookies=cookies) as browser,
        ):
            bearer = {"Authorization": f"Bearer {token}"}
            form_url = reverse("orders:new")

            def api_post(index: int):
                body = _api_order(next(customers), skus, reference, index % 10 == 9)
                return http.post("/api/v1/orders", json=body, headers=bearer)

            def form_post(index: int):
                body = _form_order(next(customers), skus, reference, index % 10 == 9, csrf)
                return browser.post(form_url, data=body, headers={"Referer": base + form_url})

            def batch_post(index: int):
                orders = [
                    _api_order(next(customers), skus, reference, n % 10 == 9) for n in range(BATCH_SIZE)
                ]
                return http.post("/api/v1/orders/batch", json={"orders": orders}, headers=bearer)

            for post, expected in ((api_post, 201), (form_post, 302), (batch_post, 200)):
                _create_rate(post, WARMUP_CREATES, expected)  # warm both gunicorn workers' imports and caches
            api_rate, api_ms = _create_rate(api_post, opts.creates, 201)
            form_rate, form_ms = _create_rate(form_post, opts.creates, 302)
            batch_rate, batch_ms = _create_rate(batch_post, opts.batches, 200)
    finally:
        stop(web)
    made = Order.objects.filter(customer_reference=reference)
    held = made.filter(stage=Stage.ON_HOLD).count()
    allocated = Allocation.objects.filter(line__order__in=made).values("line__order").distinct().count()
    lines = OrderLine.objects.filter(order__in=made).count()
    note = (
        f"{opts.creates} orders × 3 lines, one client, sequential, gunicorn as the Procfile; "
        f"p50 {statistics.median(api_ms):.1f} ms, p95 {percentile(api_ms, 0.95):.1f} ms"
    )
    report.add("api_create_per_s", api_rate, "orders/s", ">= 100", note)
    report.add(
        "form_create_per_s", form_rate, "orders/s", "",
        f"the order form's POST (302), same run; p50 {statistics.median(form_ms):.1f} ms",
    )  # fmt: skip
    report.add(
        "api_create_batch_per_s", batch_rate * BATCH_SIZE, "orders/s", "",
        f"{opts.batches} batches of {BATCH_SIZE} orders × 3 lines to /api/v1/orders/batch, one client; "
        f"p50 {statistics.median(batch_ms):.0f} ms per batch",
    )  # fmt: skip
    report.add(
        "api_create_orders", made.count(), "orders", "",
        f"all three ways with warm-up; {held:,} held, {allocated:,} with stock allocated, {lines:,} lines",
    )  # fmt: skip
    _clean_up(reference, skus)


def _clean_up(reference: str, skus: list[str]) -> None:
    from bench.cleanup import bench_channel, delete_orders
    from orders.models import Order, Product

    Order.objects.filter(customer_reference=reference).update(channel=bench_channel(CHANNEL))
    delete_orders([CHANNEL])
    Product.objects.filter(sku__in=skus).update(active=False)


def run(report: Report, argv: list[str]) -> None:
    from accounts.services import api_token_create
    from orders.models import Channel, Order
    from orders.workflow import Stage

    opts = options(argv)
    total, _generated = prepare_database(opts.orders, seed=1_000_000)
    report.add("api_orders_in_db", total, "orders", note=f"database {connection.settings_dict['NAME']}")
    manager, _admin = bench_users()
    order, _entries = detail_order(manager)
    stamp = str(int(time.time()))
    _token, token = api_token_create(
        user=manager, name=f"bench api {stamp}", scopes="read,write", expires_days=1
    )
    bearer = {"Authorization": f"Bearer {token}"}
    shopify = Channel.objects.get(code="shopify")
    # updated_since counted back from the newest change, so that the pages are full ones
    newest = Order.objects.live().aggregate(newest=Max("updated_at"))["newest"] or timezone.now()
    since = {"updated_1h": newest - timedelta(hours=1), "updated_1d": newest - timedelta(days=1)}
    named_urls = {
        "first": "/api/v1/orders?limit=50",
        "stage": f"/api/v1/orders?limit=50&stage={Stage.PROCESSING}",
        "channel": "/api/v1/orders?limit=50&channel=shopify",
        **{
            name: f"/api/v1/orders?{httpx.QueryParams({'limit': 50, 'updated_since': at.isoformat()})}"
            for name, at in since.items()
        },
    }
    api_urls = list(named_urls.values())
    list_url = reverse("orders:list")
    page_urls = [list_url, f"{list_url}?tab={Stage.PROCESSING}", f"{list_url}?channel={shopify.pk}"]
    overrides = {"DEBUG": False, "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
    with override_settings(**overrides, API_RATE_LIMIT_PER_MINUTE=10**9):
        client = Client()
        client.force_login(manager)
        from accounts.testing import client_second_factor_pass  # managers sign in with a second factor

        client_second_factor_pass(client, manager)
        # An integrator sends its token and no browser session: the API's reads go through a client
        # of their own, without the session cookie that would have the middleware load the session,
        # the user and the second factor on every request.
        api_client = Client()
        api, api_each = _reads(api_client, api_urls, opts, bearer)
        page, _page_each = _reads(client, page_urls, opts, {})
        _add_pair(
            report, "list", api, page, budget="<= 30",
            note=f"{opts.requests} requests each of {len(api_urls)} API URLs (first page, stage, channel, "
            f"updated_since 1 h and 1 day) and {len(page_urls)} page URLs, {total:,} orders",
        )  # fmt: skip
        for name, url in named_urls.items():
            report.add(f"api_list_{name}_p95_ms", percentile(api_each[url], 0.95), "ms", "", url[:100])
        api, _ = _reads(api_client, [f"/api/v1/orders/{order.display_number}"], opts, bearer)
        page, _ = _reads(client, [reverse("orders:detail", kwargs={"number": order.number})], opts, {})
        _add_pair(
            report, "get", api, page, budget="<= 20", note=f"{order.display_number}, {DETAIL_LINES} lines"
        )
    _creating(report, opts, manager, token, stamp)
