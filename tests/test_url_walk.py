"""Every URL of the URL map, as every role, with odd values in its query parameters and form fields:
the answer is never a 500, and a refused request (a 4xx, a form shown again with its errors, or an
error message alone) writes nothing.

The fields come from the pages themselves: every HTML form (and htmx hx-get / hx-post target) of every
page, plus the list filters' and the views' own parameter names. A request sends a page's form as the
page fills it, with one to three fields swapped for odd values, so that it gets past the other fields'
checks. Path converters are filled with existing objects (tests/access.py says which), and once per
URL with a number no column can hold. Hypothesis draws the odd values; derandomize keeps CI repeatable.
URL_WALK_EXAMPLES=20 makes a deeper local run (CI runs 2).
"""

import logging
import os
import re
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.messages import constants as message_levels
from django.db import connection, transaction
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from fulfilment.returns_forms import ReturnFilter
from orders.filters import OrderFilter
from tests.access import MATRIX
from tests.test_access_matrix import objects as objects_fixture  # noqa: F401 - the objects URLs point at

pytestmark = pytest.mark.django_db
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "packline-hypothesis"))

# Anonymous, then from the role that may do least to the one that may do most: what the first ones
# change (an order cancelled, one deleted) then takes less away from what the later ones can reach.
ANONYMOUS = "anonymous"
WALK_ROLES = (ANONYMOUS, "viewer", "agent", "warehouse", "csr", "manager", "superadmin")
EXAMPLES = int(os.environ.get("URL_WALK_EXAMPLES", "2"))  # per URL, role and method
HUGE = "99999999999999999999"

ODD_VALUES = [
    "", " ", "0", "-1", "-0", "1.5", "2147483647", "2147483648", "-2147483649", "32768", "9223372036854775808",
    HUGE, "1e999999", "-1e999999", "1e-7", "0.001", "9999999999.99", "10000000000", "-9999999999.99",
    "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf",
    "0001-01-01", "9999-12-31", "10000-01-01", "2024-02-30", "0000-00-00", "1970-01-01T00:00:00",
    "9999-12-31T23:59:59.999999+14:00", "NaN|1", "Infinity|1", "sNaN|1", "1e999999|1", f"{HUGE}|{HUGE}",
    "0001-01-01T00:00:00+14:00|1", "9999-12-31T23:59:59-12:00|1", "2025-01-01|1", "|", "a|b",
    "\x00", "a\x00b", "x" * 10_000, "9" * 10_000, "²", "٣",
    "ünïcødé 🚚 ✓", "\u202eevil", "日本語", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd",
    "true", "false", "None", "null", "[]", "{}", "[1, 2]", '{"a": 1}',
]  # fmt: skip
ODD = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.builds(lambda n: "w" * n, st.integers(0, 12_000)),
)

# Query parameters the views read that no page's form shows (htmx sends some, links carry others).
KNOWN_QUERY = {
    "tab", "sort", "after", "before", "q", "warehouse", "short", "customer_q", "product_q", "state", "mine",
    "order", "rma", "start", "end", "o", "p", "e", "all", "_changelist_filters", "challenge_code",
}  # fmt: skip
KNOWN_QUERY |= set(OrderFilter.base_filters) | set(ReturnFilter.base_filters)
# Form fields the views read straight from request.POST.
KNOWN_POST = {
    "action", "reason", "line", "sku", "warehouse", "text", "number", "outcome", "code", "picked", "packages",
    "weight_grams", "select_all", "query", "order", "tab", "confirmed", "status", "batch", "count", "amount",
    "method", "delivery_fee",
}  # fmt: skip


def deep_defaults(name: str, existing: dict) -> dict[str, str]:
    """Values that get a request past the checks a page's own form leaves to the person (a customer
    chosen, a product on the line), so that the odd value is what meets the service."""
    order = existing["order"]
    if name in ("orders:new", "orders:totals"):
        line = order.lines.first()
        return {
            "customer": str(order.customer_id), "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
            "lines-0-sku": line.sku, "lines-0-quantity": "1", "shipping_method": "Standard",
            "payment_method": "cash", "delivery_fee": "0", "amount_paid": "0", "priority": "0",
        }  # fmt: skip
    if name == "orders:deliveries":
        return {"number": str(order.number), "outcome": "delivered"}
    if name == "orders:line_action":
        return {"line": str(order.lines.first().pk), "action": "replace", "sku": order.lines.first().sku}
    return {}


# Finding the fields -----------------------------------------------------------------------------------


@dataclass
class FormSeen:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values, the one sent first
    targets: set[str] = field(default_factory=set)  # htmx URLs its fields are sent to


class FormFinder(HTMLParser):
    """A page's forms with their fields and the values they offer, htmx targets, and the query
    parameters of its links (the list's sort headers and page cursors, say)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[FormSeen] = []
        self.loose: list[tuple[str, str, str]] = []  # (method, url, field) of htmx inputs outside forms
        self.links: list[str] = []
        self.current: FormSeen | None = None
        self.select: str | None = None

    def _offer(self, name: str, value: str, first: bool = False) -> None:
        values = self.current.fields.setdefault(name, [])
        if value in values:
            values.remove(value)
        if first:
            values.insert(0, value)
        else:
            values.append(value)

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        hx = [(method, attrs[f"hx-{method}"]) for method in ("get", "post") if f"hx-{method}" in attrs]
        if tag == "a" and "?" in attrs.get("href", ""):
            self.links.append(attrs["href"])
        if tag == "form":
            self.current = FormSeen(attrs.get("method", "get").lower(), attrs.get("action", ""))
            self.current.targets |= {url for _, url in hx}
            self.forms.append(self.current)
            return
        if self.current is not None:
            self.current.targets |= {url for _, url in hx}
        name = attrs.get("name")
        if tag in ("input", "textarea", "select", "button") and name:
            self.loose += [(method, url, name) for method, url in hx]
            self.select = name if tag == "select" else None
            if self.current is None or tag == "select":
                return
            value = attrs.get("value", "on" if attrs.get("type") in ("checkbox", "radio") else "")
            if attrs.get("type", "").lower() in ("checkbox", "radio") and "checked" not in attrs:
                self._offer(name, "", first=name not in self.current.fields)  # a box left empty sends nothing
                self._offer(name, value)
            else:
                self._offer(name, value, first="checked" in attrs)
        elif tag == "option" and self.select and self.current is not None:
            self._offer(self.select, attrs.get("value", ""), first="selected" in attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


@dataclass
class Fields:
    """What is sent to one URL, by method: each field's values as its pages offer them."""

    get: dict[str, list[str]] = field(default_factory=dict)
    post: dict[str, list[str]] = field(default_factory=dict)


def _url_name(url: str, page: str) -> str | None:
    try:
        return resolve(urlsplit(url).path or urlsplit(page).path).view_name
    except Resolver404:
        return None


def _add(bucket: dict[str, list[str]], name: str, value: str) -> None:
    values = bucket.setdefault(name, [])
    if value not in values and len(values) < 20:
        values.append(value)


def learn(fields: dict[str, Fields], page: str, html: str) -> None:
    finder = FormFinder()
    finder.feed(html)
    for form in finder.forms:
        for target in {form.action or page, *form.targets}:
            name = _url_name(target, page)
            if name is not None:
                seen = fields.setdefault(name, Fields())
                bucket = seen.post if form.method == "post" or target in form.targets else seen.get
                for key, values in form.fields.items():
                    for value in values if key != "csrfmiddlewaretoken" else ():
                        _add(bucket, key, value)
    for method, url, key in finder.loose:
        name = _url_name(url, page)
        if name is not None:
            _add(getattr(fields.setdefault(name, Fields()), method), key, "")
    for link in finder.links:
        name = _url_name(link, page)
        if name is not None:
            for key, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
                _add(fields.setdefault(name, Fields()).get, key, value)


# The URL map ------------------------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when it has no name
    pattern: str


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list[Route]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += routes(pattern, text, inner)
        elif isinstance(pattern, URLPattern):
            found.append(Route(f"{namespace}{pattern.name}" if pattern.name else text, text))
    return found


def _admin_object(name: str, acting) -> str:
    """An existing row's id for a Django admin URL (admin:<app>_<model>_<view>): never the acting
    user's own, whom the walk must not edit out of its role."""
    match = re.match(r"admin:(\w+?)_(\w+)_(change|delete|history)$", name)
    try:
        model = apps.get_model(match.group(1), match.group(2)) if match else None
    except LookupError:
        model = None
    if model is None:
        return "1"
    rows = model._default_manager.order_by("pk")
    if model is get_user_model() and acting is not None:
        rows = rows.exclude(pk=acting.pk)
    first = rows.first()
    return str(first.pk) if first else "1"


def paths(route: Route, existing: dict, acting) -> list[str]:
    """The URLs to try for a route: with existing objects, then with a number no column holds."""
    row = next((row for row in MATRIX if row.url_name == route.name), None)
    if row is not None:
        kwargs = row.kwargs(existing)
        odd = {key: HUGE if isinstance(value, int) else value for key, value in kwargs.items()}
        return [reverse(route.name, kwargs=kwargs)] + ([reverse(route.name, kwargs=odd)] if kwargs else [])
    if route.name.startswith("admin:"):
        from django.contrib.contenttypes.models import ContentType

        from orders.models import Order

        needed = [match.group("name") for match in CONVERTER.finditer(route.pattern)]
        values = {
            "object_id": _admin_object(route.name, acting),
            "id": str(existing["agent"].pk),
            "content_type_id": str(ContentType.objects.get_for_model(Order).pk),
        }
        if route.name == "admin:view_on_site":
            values["object_id"] = str(existing["order"].pk)
        try:
            url = reverse(route.name, kwargs={name: values[name] for name in needed})
            odd = reverse(route.name, kwargs=dict.fromkeys(needed, HUGE)) if needed else None
        except (KeyError, NoReverseMatch):
            return []
        return [url] + ([odd] if odd else [])
    # Unnamed routes: the admin's redirect to an object's change page, its app index and catch-all.
    text = CONVERTER.sub(str(existing["order"].pk), route.pattern).replace("^", "").replace("$", "")
    text = re.sub(r"\(\?P<app_label>[^)]*\)", "orders", text)
    return ["/" + re.sub(r"\(\?P<url>\.\*\)", "no/such/page/", text)]


# What a request wrote ---------------------------------------------------------------------------------

COUNTED = [
    "orders.Order", "orders.OrderLine", "orders.OrderEvent", "orders.OrderHold", "orders.Payment",
    "orders.Expense", "orders.Refund", "orders.Remittance", "orders.Customer", "orders.Product",
    "orders.Status", "orders.HoldRule", "orders.BulkJob", "orders.BulkJobResult", "orders.Channel",
    "orders.Warehouse", "accounts.User", "sales_channels.OrderImport", "sales_channels.ImportMapping",
    "fulfilment.StockItem", "fulfilment.StockMovement", "fulfilment.Picklist", "fulfilment.PackingRecord",
    "fulfilment.ReturnRequest", "fulfilment.Shipment",
]  # fmt: skip


def footprint() -> dict[str, int]:
    """Rows of every table a request could write, and the sums that change when rows are edited."""
    parts = [f"(SELECT count(*) FROM {apps.get_model(label)._meta.db_table})" for label in COUNTED]
    parts += [
        "(SELECT coalesce(sum(version), 0) FROM orders_order)",
        "(SELECT coalesce(sum(on_hand), 0) FROM fulfilment_stockitem)",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        return dict(zip([*COUNTED, "order versions", "stock on hand"], cursor.fetchone(), strict=True))


def refused(response) -> bool:
    """A 4xx, a form shown again with its errors, or an error message without a success."""
    if 400 <= response.status_code < 500:
        return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    levels = {message.level for message in queued}
    if message_levels.ERROR in levels and message_levels.SUCCESS not in levels:
        return True
    if response.status_code == 200 and response.wsgi_request.method == "POST" and response.context:
        form = response.context.get("form")
        return bool(getattr(form, "is_bound", False) and form.errors)
    return False


def reads_no_input(response) -> bool:
    """The answer comes before any field is read: a method the URL does not take, a role the URL
    refuses (permissions are checked in dispatch, before a view reads its input), or a login page."""
    location = response.get("Location", "")
    return response.status_code in (403, 405) or (response.status_code == 302 and "login/" in location)


# The walk ---------------------------------------------------------------------------------------------

# Odd values of the shape of a value a page offers: a number, a date, a "value|id" page cursor.
ODD_NUMBERS = [
    "-1", "0", "-0", "1.5", "0.001", "1e-7", "2147483648", "32768", "9223372036854775808", HUGE, "1e999999",
    "-1e999999", "NaN", "sNaN", "Infinity", "-Infinity", "9999999999.99", "10000000000", "²", " 1 ",
]  # fmt: skip
ODD_DATES = [
    "0001-01-01", "9999-12-31", "10000-01-01", "2024-02-30", "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59.999999+14:00", "2025-01-01T00:00:00",
]  # fmt: skip
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def shaped(value: str):
    """Odd values shaped like `value`."""
    if "|" in value:
        left, right = value.rsplit("|", 1)
        return st.one_of(
            st.sampled_from(ODD_NUMBERS + ODD_DATES).map(lambda odd: f"{odd}|{right}"),
            st.sampled_from(ODD_NUMBERS).map(lambda odd: f"{left}|{odd}"),
        )
    if NUMBER.match(value):
        return st.sampled_from(ODD_NUMBERS)
    if DATE.match(value):
        return st.sampled_from(ODD_DATES)
    return st.nothing()


@dataclass
class Case:
    role: str
    method: str
    url: str
    seen: dict[str, list[str]]  # each field's values as the pages offer them
    known: set[str]  # parameters the views read that no page shows
    name: str = ""  # the same from run to run, where the URL holds ids that are not

    @property
    def seed(self) -> int:
        return zlib.crc32(f"{self.role} {self.method} {self.name}".encode())

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} as {self.role}"

    def page_request(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.seen.items() if values}

    def odd_value(self, name: str):
        shapes = [shaped(value) for value in self.seen.get(name, ())]
        return st.one_of(ODD, *shapes, *shapes)  # values of the field's own shape half the time

    def requests(self):
        """The page's form with values it offers, and one or two fields odd (or, now and then, all)."""
        base = st.fixed_dictionaries(
            {name: st.sampled_from(values) for name, values in self.seen.items() if values}
        )
        names = sorted(self.seen.keys() | self.known)
        one_or_two = st.lists(
            st.sampled_from(names).flatmap(lambda name: st.tuples(st.just(name), self.odd_value(name))),
            min_size=1,
            max_size=2,
        ).map(dict)
        every = st.fixed_dictionaries({name: self.odd_value(name) for name in names})
        return st.tuples(base, st.one_of(one_or_two, one_or_two, one_or_two, every)).map(
            lambda parts: parts[0] | parts[1]
        )


def _shown(data: dict) -> str:
    return repr({key: value if len(value) <= 40 else f"{value[:20]}…({len(value):,} chars)" for key, value in data.items()})  # fmt: skip


def send(client, case: Case, data: dict[str, str]):
    """One request; fails on a 500, or on a refusal that wrote something."""
    before = footprint()
    with transaction.atomic():
        response = getattr(client, case.method)(case.url, data=data)
        if getattr(response, "streaming", False):
            try:  # the test client closes a streamed response once its content is read to the end
                b"".join(response.streaming_content)
            except Exception as error:  # noqa: BLE001 - a failure while streaming is a 500 too
                response.status_code, response.exc_info = 500, (type(error), error, error.__traceback__)
        if response.status_code >= 500:
            transaction.set_rollback(True)  # a failed statement must not poison the walk's transaction
            error = response.exc_info[1] if getattr(response, "exc_info", None) else None
            raise AssertionError(f"{case} with {_shown(data)} answered {response.status_code}: {error!r}")
    if refused(response):
        after = footprint()
        changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
        assert not changed, (
            f"{case} with {_shown(data)} was refused ({response.status_code}) but wrote {changed}"
        )
    return response


def walk(client, case: Case, examples: int) -> None:
    @seed(case.seed)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=case.requests())
    def check(data):
        send(client, case, data)

    check()


def _first_line(failure: BaseException) -> str:
    if isinstance(failure, BaseExceptionGroup):
        return " | ".join(_first_line(inner) for inner in failure.exceptions)
    return (str(failure) or repr(failure)).splitlines()[0][:400]


@pytest.fixture
def quiet(settings, tmp_path):
    """Thousands of 4xx answers are expected and not logged; a 500 is reported by the test. Files
    (exports, uploads) go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # eBay's account deletion endpoint set up as in production, so odd input meets its checks rather
    # than its deliberate 503 "not configured"; eBay's host refuses at once, never the real one.
    settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = "walk-client", "walk-secret"
    settings.EBAY_DELETION_VERIFICATION_TOKEN = "walk-verification-token-0123456789abcdef"
    settings.EBAY_DELETION_ENDPOINT_URL = "https://packline.example/channels/ebay/account-deletion/"
    settings.EBAY_API_BASE_URL = "http://127.0.0.1:9"
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]  # axes: failed sign-ins
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    yield
    for log, level in zip(loggers, levels, strict=True):
        log.setLevel(level)


def sign_in(client, users: dict, role: str):
    client.logout()
    user = users.get(role)
    if user is not None:
        client.force_login(user)
    return user


def test_no_url_answers_500_to_odd_input_and_refusals_write_nothing(client, users, objects_fixture, quiet):  # noqa: F811
    existing = objects_fixture
    client.raise_request_exception = False
    started = time.monotonic()
    all_routes = routes()
    fields: dict[str, Fields] = {}
    # Learn the forms of the pages: the superadmin sees every form, an agent its own money forms, and
    # anonymous the sign-in form.
    for role in (ANONYMOUS, "superadmin", "agent"):
        sign_in(client, users, role)
        for route in all_routes:
            for url in paths(route, existing, users.get(role))[:1]:
                response = client.get(url)
                if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    learn(fields, url, response.content.decode(errors="replace"))
    failures, cases, requests = [], 0, 0
    for role in WALK_ROLES:
        user = sign_in(client, users, role)
        for route in all_routes:
            seen = fields.get(route.name, Fields())
            for index, url in enumerate(paths(route, existing, user)):
                for method in ("get", "post"):
                    offered = dict(seen.get if method == "get" else seen.post)
                    if method == "post":
                        offered |= {
                            key: [value] for key, value in deep_defaults(route.name, existing).items()
                        }
                    known = KNOWN_QUERY if method == "get" else KNOWN_POST
                    case = Case(role, method, url, offered, known, name=f"{route.name} {index}")
                    cases += 1
                    try:
                        # First as the page would send it: an answer that reads no input ends the case.
                        requests += 1
                        if not reads_no_input(send(client, case, case.page_request())):
                            examples = EXAMPLES if index == 0 else 1
                            walk(client, case, examples)
                            requests += examples
                    except Exception as failure:  # noqa: BLE001 - every failing URL goes in the report
                        failures.append(_first_line(failure))
                    if user is not None and "_auth_user_id" not in client.session:  # signed out
                        client.force_login(user)
    elapsed = time.monotonic() - started
    print(
        f"\nURL walk: {len(all_routes)} URLs x {len(WALK_ROLES)} roles: {cases} cases, "
        f"about {requests} requests in {elapsed:.0f} s"
    )
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures)
