"""Connecting a shop: credentials encrypted at rest with rotating keys, bad input refused with nothing
written, and the operators' command."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test import override_settings

from channels.connections.models import Connection
from channels.connections.services import connection_create, connection_update
from channels.errors import ConnectionInvalid
from orders.actors import Actor
from orders.models import Channel

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")


def stored_columns(connection_id: int) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT credentials::text, webhook_secrets::text FROM sales_channels_connection WHERE id = %s",
            [connection_id],
        )
        return cursor.fetchone()


def shopify(**overrides) -> Connection:
    values = {
        "kind": "shopify", "name": "Acme", "shop_url": "https://acme.myshopify.com",
        "credentials": {"access_token": "shpat_secret_token"}, "webhook_secret": "whsec_first", "actor": SYSTEM,
    }  # fmt: skip
    values.update(overrides)
    return connection_create(**values)


def test_credentials_and_webhook_secrets_are_stored_encrypted_and_read_back():
    connection = shopify()

    credentials, secrets = stored_columns(connection.pk)
    assert "shpat_secret_token" not in credentials and "whsec_first" not in secrets
    fresh = Connection.objects.get(pk=connection.pk)
    assert fresh.credentials == {"access_token": "shpat_secret_token"}
    assert fresh.webhook_secrets == ["whsec_first"]


def test_a_value_encrypted_with_the_old_key_is_read_after_the_key_rotated():
    with override_settings(SALT_KEY=["test-encryption-key-old"]):
        Connection._meta.get_field("credentials").__dict__.pop("keys", None)
        Connection._meta.get_field("credentials").__dict__.pop("f", None)
        connection = shopify()
    field = Connection._meta.get_field("credentials")
    field.__dict__.pop("keys", None)
    field.__dict__.pop("f", None)

    # The test settings list the new key first and the old one second: both decrypt.
    assert Connection.objects.get(pk=connection.pk).credentials == {"access_token": "shpat_secret_token"}


def test_a_new_webhook_secret_rotates_and_the_previous_one_is_still_accepted():
    connection = shopify()

    connection_update(connection_id=connection.pk, actor=SYSTEM, webhook_secret="whsec_second")
    connection_update(connection_id=connection.pk, actor=SYSTEM, webhook_secret="")  # empty keeps them

    assert Connection.objects.get(pk=connection.pk).webhook_secrets == ["whsec_second", "whsec_first"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "amazon"}, "kind"),
        ({"name": ""}, "name"),
        ({"shop_url": "ftp://acme"}, "shop_url"),
        ({"shop_url": "not a url"}, "shop_url"),
        ({"credentials": {}}, "credentials"),
        ({"webhook_secret": "  "}, "webhook_secret"),
        ({"api_base_url": "javascript:alert(1)"}, "api_base_url"),
        ({"sku_mapping": {"A": 3}}, "sku_mapping"),
        ({"paid_gateways": "shopify_payments"}, "paid_gateways"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(overrides, field):
    channels = Channel.objects.count()

    with pytest.raises(ConnectionInvalid) as refused:
        shopify(**overrides)

    assert field in refused.value.errors
    assert Connection.objects.count() == 0 and Channel.objects.count() == channels


def test_a_user_without_the_permission_cannot_connect_a_shop(users):
    with pytest.raises(ConnectionInvalid):
        shopify(actor=users["csr"])
    assert shopify(actor=users["manager"]).pk


def test_channel_connect_prints_the_id_and_the_webhook_path(capsys):
    call_command(
        "channel_connect", "--kind", "woocommerce", "--name", "Acme EU", "--shop-url", "https://shop.example.com",
        "--consumer-key", "ck_1", "--consumer-secret", "cs_2", "--webhook-secret", "wh",
    )  # fmt: skip

    printed = json.loads(capsys.readouterr().out)
    connection = Connection.objects.get(pk=printed["id"])
    assert printed["webhook_url"] == f"/channels/webhooks/{connection.pk}/"
    assert connection.credentials == {"consumer_key": "ck_1", "consumer_secret": "cs_2"}
    assert connection.channel.kind == "woocommerce"


def test_channel_connect_refuses_missing_credentials_in_words():
    with pytest.raises(CommandError, match="WooCommerce needs: consumer secret"):
        call_command(
            "channel_connect", "--kind", "woocommerce", "--name", "Acme EU", "--shop-url", "https://shop.example.com",
            "--consumer-key", "ck_1", "--webhook-secret", "wh",
        )  # fmt: skip
    assert not Connection.objects.exists()
