"""Shopify adapter fixtures: payloads from fixtures/, a limiter that records what it was asked, and a
FakeShopify with a client pointed at it."""

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from channels.marketplaces.shopify.client import ShopifyClient

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "shpat_test_0123456789abcdef"


def payload(name: str) -> dict:
    """A fixture as the framework reads a delivery: fractions as exact Decimals."""
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


class RecordingLimiter:
    """The shared limiter's behaviour in one process: pause() holds every later wait() back."""

    def __init__(self):
        self.pauses: list[float] = []
        self.waits = 0
        self._until = 0.0

    def wait(self) -> None:
        self.waits += 1
        delay = self._until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self._until = max(self._until, time.monotonic() + seconds)


@pytest.fixture
def limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
def shop():
    from tests.channels.fakes.shopify import FakeShopify

    with FakeShopify(token=TOKEN, shop_name="Atelier Lindqvist") as fake:
        yield fake


@pytest.fixture
def make_client(shop, limiter):
    """A client of the fake shop; short timeouts and back-off so failures cost milliseconds."""
    clients = []

    def make(**options) -> ShopifyClient:
        options = {"read_timeout": 2.0, "connect_timeout": 1.0, "backoff": 0.01, **options}
        client = ShopifyClient(shop.access(token=options.pop("token", None)), limiter, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
