"""Packline's own 404 and 500 pages, in the demo too: `make run` runs with DEBUG=1, where Django would
show its debug pages (config/middleware.py BrandedErrorPagesMiddleware, TECHNICAL_ERROR_PAGES)."""

import logging

import pytest
from django.urls import reverse

import config.views

pytestmark = pytest.mark.django_db

DJANGO_DEBUG_404 = "Using the URLconf defined in"


@pytest.fixture
def failing_view(monkeypatch):
    """The health check fails with an unexpected error (it needs no sign-in)."""

    def broken():
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(config.views, "_database_ok", broken)
    return reverse("healthz")


@pytest.fixture
def demo(settings):
    """The demo's settings: DEBUG on, TECHNICAL_ERROR_PAGES left at its default."""
    settings.DEBUG = True
    return settings


def test_in_the_demo_an_unknown_address_shows_packlines_404_with_the_menu(client, demo, make_user):
    client.force_login(make_user("viewer"))
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in page and 'data-testid="side-nav"' in page
    assert DJANGO_DEBUG_404 not in page
    # A signed-out visitor gets it too, not the sign-in redirect nor Django's page.
    client.logout()
    response = client.get("/orders/nowhere/else/")
    assert response.status_code == 404 and 'data-testid="error-page"' in response.content.decode()


def test_in_the_demo_a_missing_order_shows_packlines_404(client, demo, make_user):
    client.force_login(make_user("manager"))
    response = client.get(reverse("orders:detail", kwargs={"number": 987654}))
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.content.decode()
    assert "No Order matches" not in response.content.decode()


def test_in_the_demo_a_failing_view_shows_packlines_500_and_logs_the_traceback(
    client, demo, failing_view, caplog
):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(failing_view)
    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "Something went wrong on our side" in page
    assert "the disk caught fire" not in page and "Traceback" not in page
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1 and logged[0].exc_info[1].args == ("the disk caught fire",)


def test_an_address_without_its_slash_still_redirects_in_the_demo(client, demo, make_user):
    client.force_login(make_user("manager"))
    response = client.get("/orders")
    assert response.status_code == 301 and response["Location"] == "/orders/"


def test_a_developer_can_ask_for_djangos_debug_pages(client, demo, failing_view):
    demo.TECHNICAL_ERROR_PAGES = True
    client.raise_request_exception = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and DJANGO_DEBUG_404 in response.content.decode()
    response = client.get(failing_view)
    assert response.status_code == 500 and "the disk caught fire" in response.content.decode()


def test_with_debug_off_tests_still_see_the_views_exception(client, failing_view):
    with pytest.raises(RuntimeError, match="the disk caught fire"):
        client.get(failing_view)


def test_with_debug_off_the_middleware_stays_out_and_the_pages_are_packlines_as_before(client, make_user):
    client.force_login(make_user("viewer"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and 'data-testid="error-page"' in response.content.decode()
