"""The demo still lets a newcomer in: setup_demo prints, next to the superadmin and the manager, the
authenticator secret of their demo device, and that secret (typed into an app, here computed) with the
demo password signs them in. demo_code prints the same code, with DEBUG only."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.management.commands import setup_demo
from tests.accounts.conftest import code_from_secret

pytestmark = pytest.mark.django_db


def test_the_demo_printout_gives_the_second_factor_of_superadmin_and_manager(client, monkeypatch):
    monkeypatch.setattr(
        setup_demo, "DEMO_COMMANDS", ["load_demo_users"]
    )  # orders: tests/orders/test_demo_data.py
    out = StringIO()
    call_command("setup_demo", stdout=out)
    lines = out.getvalue().splitlines()
    start = lines.index(f"Demo logins (password '{settings.DEMO_PASSWORD}' unless you changed it):")
    rows = {line.split()[0]: line for line in lines[start + 1 : start + 7]}
    assert set(rows) == {"superadmin", "manager", "csr", "warehouse", "agent", "viewer"}
    assert rows["csr"] == "  csr         Customer service"  # the other roles' lines as they were
    for role in ("superadmin", "manager"):
        secret = re.search(r"secret ([A-Z2-7]+)", rows[role]).group(1)
        assert f"otpauth://totp/Packline%3A{role}?secret={secret}" in rows[role]
        client.post(reverse("accounts:login"), {"username": role, "password": settings.DEMO_PASSWORD})
        answer = client.post(reverse("accounts:two_factor_verify"), {"otp_token": code_from_secret(secret)})
        assert answer.status_code == 302, role
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("accounts:logout"))
    assert "demo_code manager" in out.getvalue()


def test_demo_code_prints_the_current_code_with_debug_only(settings):
    call_command("load_demo_users", stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_code", "manager", stdout=out)
    from base64 import b32encode

    from accounts.management.commands.load_demo_users import DEMO_TOTP_KEY

    secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
    # This step's code, or the one before if the step turned between the command and this line.
    assert out.getvalue().strip() in {code_from_secret(secret), code_from_secret(secret, step_offset=-1)}
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG"):
        call_command("demo_code", "manager", stdout=StringIO())
