"""WooCommerce adapter fixtures: payloads written from the REST API v3 documentation, a limiter that
records what the client asked of it, and a fake shop over real HTTP."""

import time
from pathlib import Path

import pytest

from channels.marketplaces.base import Access
from channels.marketplaces.values import loads
from channels.marketplaces.woocommerce.client import WooCommerceClient
from tests.channels.fakes.woocommerce import FakeWooCommerce

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict:
    return loads(raw(name))


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


@pytest.fixture
def limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
def shop():
    with FakeWooCommerce(consumer_key="ck_live_packline", consumer_secret="cs_live_packline") as fake:
        yield fake


@pytest.fixture
def connect(shop, limiter):
    """A client for the fake shop; keyword arguments go to WooCommerceClient (timeouts, attempts)."""
    clients = []

    def make(credentials: dict | None = None, **options) -> WooCommerceClient:
        options.setdefault("backoff", 0.01)
        access = Access(shop_url=shop.url, api_base_url="", credentials=credentials or shop.credentials)
        client = WooCommerceClient(access, limiter, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
