"""Connect a shop from a script: `channel_connect --kind shopify --name N --shop-url U --token T
--webhook-secret W` prints one JSON object with the connection's id and the absolute path of its
webhook URL (what to paste in the shop's webhook settings, behind this server's address)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from channels.connections.services import connection_create
from channels.errors import ConnectionInvalid
from channels.marketplaces import KINDS
from orders.actors import Actor

# The platform's own word for each credential -> the flag that carries it.
CREDENTIAL_FLAGS = {
    "access_token": "token",
    "consumer_key": "consumer_key",
    "consumer_secret": "consumer_secret",
    "client_id": "client_id",
    "client_secret": "client_secret",
    "refresh_token": "refresh_token",
    "app_key": "app_key",
    "app_secret": "app_secret",
    "shop_cipher": "shop_cipher",
    "ru_name": "ru_name",
    "service_id": "service_id",
}


class Command(BaseCommand):
    help = "Connect a shop or marketplace and print its id and webhook path as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))
        parser.add_argument("--name", required=True)
        parser.add_argument("--shop-url", required=True)
        parser.add_argument(
            "--api-base-url", default="", help="A sandbox's address in place of the platform's."
        )
        parser.add_argument(
            "--auth-base-url", default="", help="Where tokens are refreshed (OAuth platforms)."
        )
        parser.add_argument("--token", default="", help="Shopify: the Admin API access token.")
        parser.add_argument("--consumer-key", default="", help="WooCommerce REST API consumer key.")
        parser.add_argument("--consumer-secret", default="", help="WooCommerce REST API consumer secret.")
        for flag in (
            "client-id",
            "client-secret",
            "refresh-token",
            "app-key",
            "app-secret",
            "access-token",
            "shop-cipher",
        ):
            parser.add_argument(f"--{flag}", default="")
        parser.add_argument(
            "--ru-name",
            default="",
            help="eBay: the app's RuName, for the consent page (then no refresh token).",
        )
        parser.add_argument(
            "--service-id", default="", help="TikTok Shop: the app's service id, for the consent link."
        )
        parser.add_argument("--webhook-secret", default="", help="Required for platforms that send webhooks.")
        parser.add_argument("--draft", action="store_true", help="New orders arrive as drafts.")
        parser.add_argument("--no-tracking", action="store_true", help="Do not push tracking back.")

    def handle(self, *args, **options):
        credentials = {}
        for name, flag in CREDENTIAL_FLAGS.items():
            value = options.get(flag) or ""
            if name == "access_token":
                value = options.get("token") or options.get("access_token") or ""
            if value:
                credentials[name] = value
        if options["auth_base_url"]:
            credentials["auth_base_url"] = options["auth_base_url"]
        try:
            connection = connection_create(
                kind=options["kind"], name=options["name"], shop_url=options["shop_url"],
                api_base_url=options["api_base_url"], credentials=credentials,
                webhook_secret=options["webhook_secret"], actor=Actor.system("channel_connect"),
                auto_process=not options["draft"], push_tracking=not options["no_tracking"],
            )  # fmt: skip
        except ConnectionInvalid as invalid:
            raise CommandError(str(invalid)) from invalid
        path = reverse("channels:webhook", args=[connection.pk])
        self.stdout.write(
            json.dumps(
                {"id": connection.pk, "kind": connection.kind, "name": connection.name, "webhook_url": path}
            )
        )
