"""Email configured from the environment: EMAIL_URL or EMAIL_HOST and its companions become Django's
MAILERS entry; nothing set means the console in development."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import mailer_from_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_an_smtp_url_with_starttls_and_an_encoded_password():
    mailer = mailer_from_url("smtp://mailer%40ops:p%40ss%3Aw0rd@smtp.example.com:2525?tls=1&timeout=5")
    assert mailer == {
        "BACKEND": SMTP,
        "OPTIONS": {
            "host": "smtp.example.com",
            "port": 2525,
            "username": "mailer@ops",
            "password": "p@ss:w0rd",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 5,
        },
    }


def test_smtps_means_tls_from_the_first_byte_on_465():
    options = mailer_from_url("smtps://u:p@smtp.example.com")["OPTIONS"]
    assert options["port"] == 465 and options["use_ssl"] and not options["use_tls"]


def test_other_backends_by_scheme():
    assert mailer_from_url("console://")["BACKEND"].endswith("console.EmailBackend")
    assert mailer_from_url("file:///var/mail/packline") == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "/var/mail/packline"},
    }


def test_an_unknown_scheme_is_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'smtpx'"):
        mailer_from_url("smtpx://host")


def settings_in_a_fresh_process(**environment) -> str:
    code = "from django.conf import settings; print(settings.MAILERS['default'], settings.DEFAULT_FROM_EMAIL)"
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_environment_decides_the_mailer():
    assert "console.EmailBackend" in settings_in_a_fresh_process(DEBUG="1")
    out = settings_in_a_fresh_process(
        DEBUG="1", EMAIL_HOST="relay.example.com", EMAIL_HOST_USER="ops", DEFAULT_FROM_EMAIL="ops@example.com"
    )
    assert (
        "'host': 'relay.example.com'" in out
        and "'username': 'ops'" in out
        and out.strip().endswith("ops@example.com")
    )
