"""Who may import (SPEC 1: CSRs, managers and superadmins; not warehouse staff, agents or viewers), checked
by the services as well as the pages, and whose imports one may see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import roles_with
from channels.csv.models import OrderImport
from channels.csv.pipeline import import_run
from channels.csv.services import ImportActionRefused, import_start, import_upload
from tests.channels.csv.conftest import csv_bytes

pytestmark = pytest.mark.django_db
CONTENT = csv_bytes([["Order reference", "SKU", "Quantity"], ["A-1", "MUG-1", "1"]])


def test_the_import_permission_belongs_to_csrs_managers_and_superadmins():
    assert roles_with("sales_channels.import_orders") == {"csr", "manager", "superadmin"}


@pytest.mark.parametrize("role", ["warehouse", "agent", "viewer"])
def test_roles_without_the_permission_are_refused_by_the_service(make_user, role):
    with pytest.raises(ImportActionRefused, match="may not import"):
        import_upload(user=make_user(role), uploaded_file=SimpleUploadedFile("a.csv", CONTENT))
    assert not OrderImport.objects.exists()


@pytest.mark.parametrize("role", ["warehouse", "agent", "viewer"])
def test_roles_without_the_permission_do_not_see_the_import_pages_or_the_menu(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("channels:import_list")).status_code == 403
    assert (
        client.post(
            reverse("channels:import_upload"), {"file": SimpleUploadedFile("a.csv", CONTENT)}
        ).status_code
        == 403
    )
    assert b"Import orders" not in client.get(reverse("home")).content
    assert not OrderImport.objects.exists()


def test_a_csr_sees_the_menu_entry(client, csr):
    client.force_login(csr)
    assert b"Import orders" in client.get(reverse("home")).content


def test_another_csrs_import_answers_404_and_a_superadmin_sees_it(client, make_user, upload):
    order_import = upload(CONTENT)
    client.force_login(make_user("csr"))
    assert client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).status_code == 404
    assert client.post(reverse("channels:import_start", kwargs={"pk": order_import.pk})).status_code == 404
    client.force_login(make_user("superadmin"))
    assert client.get(reverse("channels:import_detail", kwargs={"pk": order_import.pk})).status_code == 200


def test_an_import_whose_user_lost_the_permission_fails_on_the_worker(csr, upload, validate, products):
    order_import = validate(upload(CONTENT))
    import_start(order_import=order_import, user=csr)
    csr.groups.clear()
    csr = type(csr).objects.get(pk=csr.pk)
    order_import = import_run(import_id=order_import.pk)
    assert order_import.state == OrderImport.State.FAILED
    assert "may no longer import" in order_import.error
    from orders.models import Order

    assert not Order.objects.exists()


def test_an_import_cannot_start_before_its_file_is_checked(csr, upload):
    order_import = upload(CONTENT)
    with pytest.raises(ImportActionRefused, match="not ready to import"):
        import_start(order_import=order_import, user=csr)


def test_the_import_tasks_go_to_the_imports_queue():
    from config.celery import app

    for name in ("imports.validate", "imports.run"):
        assert app.amqp.router.route({}, name)["queue"].name == "imports"
