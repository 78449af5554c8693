"""TikTok Shop adapter fixtures: orders written from TikTok Shop's 202309 documentation, a limiter that
records what the client asked of it, and a FakeTikTokShop with clients pointed at it."""

import copy
import time
from pathlib import Path

import pytest

from channels.marketplaces.values import loads

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict:
    """A fixture as the client reads an answer: fractions as exact Decimals."""
    return loads(raw(name))


def shop_order(name: str = "order_uk_awaiting_shipment.json", **changes) -> dict:
    order = copy.deepcopy(payload(name))
    order.update(changes)
    return order


class RecordingLimiter:
    """The shared limiter's behaviour in one process: pause() holds every later wait() back."""

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
    from tests.channels.fakes.tiktok import FakeTikTokShop

    with FakeTikTokShop(shop_name="Packline Homeware UK") as fake:
        yield fake


@pytest.fixture
def renewed() -> list[dict]:
    """What the client handed to on_credentials_renewed, in order."""
    return []


@pytest.fixture
def connect(shop, limiter, renewed):
    """A client of the fake shop; keyword arguments go to TikTokShopClient, `credentials` override the
    fake's. Short timeouts and back-off, so failures cost milliseconds."""
    from channels.marketplaces.tiktok.client import TikTokShopClient

    clients = []

    def make(credentials: dict | None = None, **options) -> TikTokShopClient:
        options = {"read_timeout": 2.0, "connect_timeout": 1.0, "backoff": 0.01, **options}
        client = TikTokShopClient(
            shop.access(**(credentials or {})), limiter, on_credentials_renewed=renewed.append, **options
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
