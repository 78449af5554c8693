"""The replica router's decisions in-process (config/replicas): what may read from a replica, inside
a transaction, per request and thread, and the WAL positions it compares. tests/test_replicas.py runs
the same against a real primary and hot standby."""

import os
import threading
import time

import pytest
from django.db import transaction

from config.replicas import health, pins, replica_reads, state
from config.replicas.router import ReplicaRouter
from orders.models import Order


def test_without_replicas_there_is_no_router_and_no_middleware(settings):
    from django.core.exceptions import MiddlewareNotUsed

    from config.replicas.middleware import ReplicaMiddleware

    if os.environ.get("DATABASE_REPLICA_URLS"):
        pytest.skip("this run was given DATABASE_REPLICA_URLS")
    assert settings.DATABASE_REPLICA_URLS == []
    assert settings.DATABASE_ROUTERS == []
    assert set(settings.DATABASES) == {"default"}
    with pytest.raises(MiddlewareNotUsed):
        ReplicaMiddleware(lambda request: None)


def test_reads_go_to_the_primary_unless_marked_replica_safe(monkeypatch):
    router = ReplicaRouter()
    monkeypatch.setattr("config.replicas.router.choose_replica", lambda: "replica_0")
    assert router.db_for_read(Order) == "default"
    with replica_reads():
        assert router.db_for_read(Order) == "replica_0"
        # Sign-in, sessions and tokens are always read from the primary.
        from accounts.models import User

        assert router.db_for_read(User) == "default"
    assert router.db_for_write(Order) == "default"
    assert router.allow_migrate("replica_0", "orders") is False
    assert router.allow_migrate("default", "orders") is True


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_goes_to_the_primary(monkeypatch):
    router = ReplicaRouter()
    monkeypatch.setattr("config.replicas.router.choose_replica", lambda: "replica_0")
    with replica_reads():
        assert router.db_for_read(Order) == "replica_0"
        with transaction.atomic():
            assert router.db_for_read(Order) == "default"


def test_replica_reads_as_a_decorator_marks_only_its_own_call_in_each_thread():
    seen = []
    started, release = threading.Event(), threading.Event()

    @replica_reads()
    def view(wait: bool):
        if wait:
            started.set()
            release.wait(5)
        seen.append(state.replica_safe())

    worker = threading.Thread(target=view, args=(True,))
    worker.start()
    started.wait(5)
    view(False)
    release.set()
    worker.join(5)
    assert seen == [True, True]
    assert state.replica_safe() is False


def test_lsns_compare_as_wal_positions_and_pins_expire():
    assert health.lsn_number("0/FFFFFFFF") < health.lsn_number("1/0") < health.lsn_number("1/10")
    live = pins.Pin(lsn=health.lsn_number("2/A0"), until=round(time.time() + 60, 3))
    assert pins.Pin.from_text(live.as_text()) == live
    assert pins.Pin.from_text(pins.Pin(lsn=1, until=time.time() - 1).as_text()) is None
    assert pins.Pin.from_text("forged") is None


def test_the_primarys_insert_position_just_past_a_page_header_counts_as_the_page_boundary():
    segment, block = 16 * 1024 * 1024, 8192
    assert health.record_end(3 * segment + 40, segment, block) == 3 * segment  # a segment's first page
    assert health.record_end(3 * segment + 5 * block + 24, segment, block) == 3 * segment + 5 * block
    # A record may end 40 bytes into a page that does not start a segment: left as it is.
    assert health.record_end(3 * segment + 5 * block + 40, segment, block) == 3 * segment + 5 * block + 40
    assert health.record_end(3 * segment + 123_456, segment, block) == 3 * segment + 123_456


def test_a_request_reads_from_one_replica_and_requests_take_turns(monkeypatch):
    from config.replicas import router

    lsn = {"replica_0": 500, "replica_1": 900}
    states = {"replica_0": health.OK, "replica_1": health.OK}
    monkeypatch.setattr(health, "replica_aliases", lambda: ["replica_0", "replica_1"])

    def known(alias, **kwargs):
        return health.Health(alias, states[alias], 0.0, lsn[alias], time.monotonic())

    monkeypatch.setattr(health, "health", known)
    monkeypatch.setattr(health, "check", known)

    def request_state(pin=None):
        request_pin = pins.RequestPin(request=None)
        request_pin._known, request_pin._pin = True, pin
        request_pin.connected = {"replica_0", "replica_1"}  # no connection attempts here
        return request_pin

    chosen = []
    for _ in range(2):
        token = state.set_request_pin(request_state())
        try:
            first = router.choose_replica()
            assert all(router.choose_replica() == first for _ in range(3))  # the same, all request long
            chosen.append(first)
        finally:
            state.reset_request_pin(token)
    assert sorted(chosen) == ["replica_0", "replica_1"]

    # Pinned after a write at 700: only the replica that has replayed past it, or the primary.
    token = state.set_request_pin(request_state(pins.Pin(lsn=700, until=time.time() + 60)))
    try:
        assert router.choose_replica() == "replica_1"
    finally:
        state.reset_request_pin(token)
    token = state.set_request_pin(request_state(pins.Pin(lsn=1000, until=time.time() + 60)))
    try:
        assert router.choose_replica() is None
    finally:
        state.reset_request_pin(token)
    states["replica_1"] = health.LAGGING
    states["replica_0"] = health.DOWN
    assert router.choose_replica() is None
