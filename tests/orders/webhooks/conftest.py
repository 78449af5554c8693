import pytest

from tests.orders.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()
