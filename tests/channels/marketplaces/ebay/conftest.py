"""eBay adapter fixtures: payloads written from eBay's Sell Fulfillment and OAuth documentation, a
limiter that records what the client asked of it, a clock the tests can move, and a fake eBay over
real HTTP with a client pointed at it."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels.marketplaces.ebay.client import EbayClient
from channels.marketplaces.values import loads
from tests.channels.fakes.ebay import FakeEbay

FIXTURES = Path(__file__).parent / "fixtures"
CLIENT_ID = "Packline-Packline-PRD-3f1a2b9c4-7d1e6a02"
CLIENT_SECRET = "PRD-f1a2b9c47d1e-6a02-4c1b-9e8f-1a2b"
REFRESH_TOKEN = "v^1.1#i^1#I^3#f^0#p^3#r^1#t^Ul4xMF8yOjlCRkE4MzNGQjBGN0Q1NTVEQkE4RUFGRjI4NDgxRUY3"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict:
    return loads(raw(name))


def ebay_order(order_id: str, modified: datetime, created: datetime | None = None, **changes) -> dict:
    """The documented order (fixtures/order_paid_gb.json) as eBay stores it, renumbered and redated."""
    order = json.loads(raw("order_paid_gb.json"))
    order.update(
        orderId=order_id,
        legacyOrderId=order_id,
        lastModifiedDate=stamp(modified),
        creationDate=stamp(created or modified),
        **changes,
    )
    return order


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RecordingLimiter:
    """In memory, for one test: records every wait and pause; wait() sleeps out a pause for real."""

    def __init__(self) -> None:
        self.waits = 0
        self.pauses: list[float] = []
        self._until = 0.0

    def wait(self) -> None:
        self.waits += 1
        delay = self._until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self._until = max(self._until, time.monotonic() + seconds)


class Clock:
    """The time the client judges token expiry by; a test moves it on instead of waiting."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ebay():
    with FakeEbay(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN) as fake:
        yield fake


@pytest.fixture
def renewed() -> list[dict]:
    """What the client handed to on_credentials_renewed, in order."""
    return []


@pytest.fixture
def connect(ebay, limiter, clock, renewed):
    """A client of the fake eBay; credentials add to (or replace) the fake's, keyword arguments go to
    EbayClient. Short back-off and timeouts so failures cost milliseconds."""
    clients = []

    def make(credentials: dict | None = None, **options) -> EbayClient:
        options = {"backoff": 0.01, "read_timeout": 2.0, "connect_timeout": 1.0, "now": clock, **options}
        client = EbayClient(
            ebay.access(**(credentials or {})), limiter, on_credentials_renewed=renewed.append, **options
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
