"""The platform around the views: health check, security headers, deploy settings, demo set-up."""

import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from config.celery import app as celery_app
from tests.conftest import BASE_DIR


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_without_signing_in(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] != "ok"
    assert response.json()["database"] == "ok"


def test_celery_is_configured_for_reliable_json_tasks():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert {queue.name for queue in conf.task_queues} == {
        "default",
        "bulk",
        "imports",
        "channels",
        "documents",
    }


@pytest.mark.django_db
def test_pages_carry_a_nonce_based_content_security_policy(client, make_user):
    client.force_login(make_user("csr"))
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    tags = re.findall(r"<script[^>]*>", response.content.decode())
    # A data block (json_script) is never run, so the policy does not cover it; every other script
    # must carry the nonce.
    scripts = [tag for tag in tags if 'type="application/json"' not in tag]
    assert scripts, "the page loads its scripts"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_an_unknown_page_gets_the_styled_404(client, make_user):
    client.force_login(make_user("viewer"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.content.decode()


def test_production_settings_pass_the_deploy_check():
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "a-real-production-secret-" + "x7Kq9" * 10,
        "ALLOWED_HOSTS": "packline.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_migrations_are_checked_in():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_demo_setup_creates_one_user_per_role_and_keeps_changed_passwords(settings):
    call_command("load_demo_users", verbosity=0)
    User = get_user_model()
    for role in ("superadmin", "manager", "csr", "warehouse", "agent", "viewer"):
        user = User.objects.get(username=role)
        assert user.role == role
        assert user.check_password(settings.DEMO_PASSWORD)
    manager = User.objects.get(username="manager")
    manager.set_password("changed-by-the-user-1")
    manager.save()
    call_command("load_demo_users", verbosity=0)
    manager.refresh_from_db()
    assert manager.check_password("changed-by-the-user-1")
    assert User.objects.filter(username="manager").count() == 1
