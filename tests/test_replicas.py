"""Read replicas (config/replicas) against a real streaming replica: a primary and its hot standby in a
temporary folder (tests/replica_pair.py), and Packline served by gunicorn on them, as it would run with
DATABASE_URL and DATABASE_REPLICA_URLS. What a reader sees tells which server answered: a change made
on the primary while the standby's replay is paused is visible only on the primary."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_otp.oath import TOTP, hotp

from tests import replica_pair

BASE_DIR = Path(__file__).resolve().parent.parent

SEED = """
import json, django
django.setup()
from django.core.management import call_command
from accounts.services import api_token_create
from fulfilment.carriers import carriers_seed
from fulfilment.models import Carrier
from orders.reference_data import ensure_reference_data
# As tests/conftest.py's reference_data: a transactional test before the dump may have flushed them.
ensure_reference_data()
carriers_seed(Carrier)
call_command("sync_roles", verbosity=0)
from tests.factories import UserFactory, make_order
users = {name: UserFactory(role="manager", username=name) for name in ("reader", "writer")}
for user in users.values():
    user.set_password("replica-pass-1")
    user.save()
tokens = {name: api_token_create(user=user, name="replicas", scopes="read,write")[1] for name, user in users.items()}
# Managers sign in with a second factor: an authenticator each, whose codes the browsers compute.
from accounts.testing import authenticator_for
authenticators = {name: authenticator_for(user).key for name, user in users.items()}
orders = [str(make_order().number) for _ in range(4)]
print(json.dumps({"tokens": tokens, "authenticators": authenticators, "orders": orders}))
"""


# Against a real primary and hot standby ---------------------------------------------------------

# pytest-django creates the test database (which the primary is restored from) only for a run that
# selects a test marked so; the tests themselves talk to the pair, not to it.
needs_test_database = pytest.mark.django_db


@pytest.fixture(scope="module")
def pair(django_db_setup):
    reason = replica_pair.missing_reason()
    if reason:
        pytest.skip(f"needs PostgreSQL's server binaries: {reason}")
    servers = replica_pair.Pair(dict(connection.settings_dict))
    try:
        started = time.monotonic()
        servers.start()
        print(f"\nprimary and standby ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
        yield servers
    finally:
        servers.stop()


def _environment(pair, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "0",
        "DATABASE_URL": pair.primary.url,
        "DATABASE_REPLICA_URLS": pair.standby.url,
        "REPLICA_CHECK_SECONDS": "0.2",
        "REPLICA_PIN_SECONDS": "600",
        "DATABASE_REPLICA_MAX_LAG_SECONDS": "600",
    }
    env.pop("PACKLINE_WORKER_DATABASE_NAME", None)
    return {**env, **extra}


class Site:
    """Packline served by gunicorn on the pair."""

    def __init__(self, pair, **settings):
        self.port = replica_pair.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=_environment(pair, **settings),
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited"
            try:
                httpx.get(f"{self.base}/healthz", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not answer in time")

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def browser(self, username: str, authenticator: str) -> httpx.Client:
        """A browser signed in through the pages: the password, then the code step."""
        client = httpx.Client(base_url=self.base, timeout=30)
        client.get("/accounts/login/")
        password = client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": "replica-pass-1",
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.base}/accounts/login/"},
        )
        assert password.status_code == 302, password.text[:500]  # on to the code step
        assert client.get("/").headers["location"].startswith("/accounts/login/code/")
        code = client.post(
            "/accounts/login/code/",
            data={"otp_token": _next_code(authenticator), "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": f"{self.base}/accounts/login/code/"},
        )
        assert code.status_code == 302 and "/accounts/login" not in code.headers["location"], code.text[:500]
        return client

    def replicas(self) -> list[dict]:
        return httpx.get(f"{self.base}/healthz", timeout=30).json()["replicas"]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        self.process.wait(20)


_last_steps: dict[str, int] = {}


def _next_code(key: str) -> str:
    """The authenticator's code, as the app shows it; a later step's (within the device's tolerance of
    one step) when this step's code was used by an earlier sign-in, which the device refuses."""
    clock = TOTP(bytes.fromhex(key))
    step = max(clock.t(), _last_steps.get(key, -1) + 1)
    _last_steps[key] = step
    return f"{hotp(bytes.fromhex(key), step):06d}"


@pytest.fixture(scope="module")
def sites(pair):
    """Two sites on the pair: one that tolerates any lag (routing and read-your-writes), one that skips a
    replica more than a second behind. Started while the seed data is written."""
    started = time.monotonic()
    tolerant, strict = Site(pair), Site(pair, DATABASE_REPLICA_MAX_LAG_SECONDS="1")
    try:
        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            cwd=BASE_DIR,
            env=_environment(pair),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        tolerant.wait_ready()
        strict.wait_ready()
        pair.wait_replayed()
        print(f"sites and data ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
        yield {"tolerant": tolerant, "strict": strict, **data}
    finally:
        tolerant.stop()
        strict.stop()


@contextmanager
def replay_paused(pair):
    pair.wait_replayed()
    pair.pause_replay()
    try:
        yield
    finally:
        pair.resume_replay()


def _set_po(pair, number: str, po: str) -> None:
    """A change made on the primary by someone else (no request of the readers')."""
    pair.primary.one(
        "UPDATE orders_order SET po_number = %s WHERE number = %s RETURNING id", [po, int(number)]
    )


def _po(client: httpx.Client, number: str) -> str:
    response = client.get(f"/orders/{number}")
    assert response.status_code == 200, response.text[:500]
    return response.json()["po_number"]


@needs_test_database
def test_lists_search_and_api_reads_come_from_the_replica_and_the_rest_from_the_primary(pair, sites):
    site, number = sites["tolerant"], sites["orders"][0]
    api = site.api(sites["tokens"]["reader"])
    browser = site.browser("reader", sites["authenticators"]["reader"])
    pair.wait_replayed()  # past the sign-in, which pinned this browser to the primary
    with replay_paused(pair):
        _set_po(pair, number, "PO-ROUTED")
        assert _po(api, number) == ""  # the API's read: the replica, which has not replayed it
        found = browser.get("/orders/", params={"q": "PO-ROUTED"})
        assert found.status_code == 200 and f">{number}<" not in found.text and number not in found.text
        # The order page is not marked replica-safe: the primary, with the change.
        assert "PO PO-ROUTED" in browser.get(f"/orders/{number}/").text
        assert site.replicas()[0]["state"] == "ok"
    assert _po(api, number) == "PO-ROUTED"
    assert number in browser.get("/orders/", params={"q": "PO-ROUTED"}).text


@needs_test_database
def test_a_user_who_wrote_reads_their_write_until_the_replica_has_replayed_it(pair, sites):
    site, number = sites["tolerant"], sites["orders"][1]
    # A fresh client for each call, as an API client that keeps no cookies: the pin is the user's.
    writer = lambda: site.api(sites["tokens"]["writer"])  # noqa: E731
    reader = site.api(sites["tokens"]["reader"])
    with replay_paused(pair):
        held = writer().post(f"/orders/{number}/hold", json={"reason": "check the address"})
        assert held.status_code == 200, held.text[:500]
        assert writer().get(f"/orders/{number}").json()["status"]["stage"] == "on_hold"  # pinned: the primary
        assert reader.get(f"/orders/{number}").json()["status"]["stage"] != "on_hold"  # the replica
    # Replayed past the write: the writer reads from the replica again, long before the pin's 600 s.
    with replay_paused(pair):
        _set_po(pair, number, "PO-AFTER-PIN")
        assert _po(writer(), number) == ""


@needs_test_database
def test_a_browser_that_wrote_reads_its_write_and_a_forged_pin_is_ignored(pair, sites):
    site, number = sites["tolerant"], sites["orders"][1]
    query = {"q": "PO-BROWSER"}
    reader = site.browser(
        "reader", sites["authenticators"]["reader"]
    )  # signed in, and replayed past, before the standby pauses
    with replay_paused(pair):
        writer = site.browser(
            "writer", sites["authenticators"]["writer"]
        )  # signing in writes (the session, the last login)
        assert writer.cookies.get("packline_read_pin")
        _set_po(pair, number, "PO-BROWSER")
        assert number in writer.get("/orders/", params=query).text  # pinned: the primary
        assert number not in reader.get("/orders/", params=query).text  # the replica
        reader.cookies.delete("packline_read_pin")
        reader.cookies.set("packline_read_pin", f"{2**62}:{time.time() + 600}")  # unsigned
        assert number not in reader.get("/orders/", params=query).text


@needs_test_database
def test_a_replica_lagging_beyond_the_limit_is_skipped_and_reported(pair, sites):
    site, number = sites["strict"], sites["orders"][2]
    reader = site.api(sites["tokens"]["reader"])
    with replay_paused(pair):
        _set_po(pair, number, "PO-LAGGING")
        time.sleep(1.5)  # the standby's last replayed transaction is now more than a second old
        assert _po(reader, number) == "PO-LAGGING"  # the primary answers
        [replica] = site.replicas()
        assert (
            replica["alias"] == "replica_0" and replica["state"] == "lagging" and replica["lag_seconds"] > 1
        )
        # The tolerant site still reads from that replica.
        assert _po(sites["tolerant"].api(sites["tokens"]["reader"]), number) == ""
    time.sleep(0.3)  # past the strict site's cached check
    [replica] = site.replicas()
    assert replica["state"] == "ok" and replica["lag_seconds"] < 1


@needs_test_database
def test_reads_fail_over_to_the_primary_when_the_replica_is_down(pair, sites):
    site, number = sites["tolerant"], sites["orders"][3]
    reader = site.api(sites["tokens"]["reader"])
    _set_po(pair, number, "PO-FAILOVER")
    pair.wait_replayed()
    assert _po(reader, number) == "PO-FAILOVER"  # the replica, up: its connection is open
    pair.standby.stop()
    try:
        listed = reader.get("/orders", params={"limit": 5})
        assert listed.status_code == 200
        assert number in {re.sub(r"\D", "", item["number"]) for item in listed.json()["items"]}
        assert _po(reader, number) == "PO-FAILOVER"
        [replica] = site.replicas()
        assert replica["state"] == "down" and replica["lag_seconds"] is None
        assert httpx.get(f"{site.base}/healthz", timeout=30).json()["database"] == "ok"
    finally:
        pair.standby.start()
    pair.wait_replayed()
    deadline = time.monotonic() + 10
    while site.replicas()[0]["state"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert site.replicas()[0]["state"] == "ok"
