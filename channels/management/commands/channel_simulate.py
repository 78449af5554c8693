"""Send N signed, realistic order webhooks to a running Packline, as the connection's shop would:
`channel_simulate ID --orders 20 [--url http://127.0.0.1:8000]`. A newcomer watches them arrive."""

import json

import httpx
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from channels.connections.models import Connection
from channels.marketplaces import platform
from channels.marketplaces.base import hmac_sha256_base64
from orders.models import Product


def signed_delivery(
    connection: Connection, *, sequence: int, seed: int, skus: list[str]
) -> tuple[bytes, dict]:
    """One webhook's body and headers, signed with the connection's current secret."""
    adapter = platform(connection.kind)
    topic, payload = adapter.sample_webhook(sequence=sequence, seed=seed, skus=skus)
    body = json.dumps(payload).encode()
    secret = connection.webhook_secrets[0]
    own_signature = getattr(adapter, "sign_webhook", None)  # TikTok Shop signs with its app key too
    signature = (
        own_signature(body, app_key=connection.credentials.get("app_key", ""), secret=secret)
        if own_signature is not None
        else hmac_sha256_base64(secret, body)
    )
    headers = adapter.webhook_headers(
        topic=topic,
        delivery_id=f"simulated-{seed}-{sequence}",
        signature=signature,
        shop_url=connection.shop_url,
    )
    return body, {**headers, "Content-Type": "application/json"}


class Command(BaseCommand):
    help = "Send signed sample order webhooks to the running server, as the connection's shop would."

    def add_arguments(self, parser):
        parser.add_argument("connection_id", type=int)
        parser.add_argument("--orders", type=int, default=10)
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running Packline's address.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, connection_id: int, orders: int, url: str, seed: int, **options):
        connection = Connection.objects.filter(pk=connection_id).first()
        if connection is None:
            raise CommandError(f"There is no connection {connection_id}.")
        if not 1 <= orders <= 100_000:
            raise CommandError("--orders is between 1 and 100,000.")
        if not getattr(platform(connection.kind), "sends_webhooks", True):
            raise CommandError(
                f"{connection.label} sends no order webhooks; its orders arrive by polling (channel_sync)."
            )
        skus = list(
            Product.objects.filter(active=True).order_by("sku").values_list("sku", flat=True)[:50]
        ) or ["SKU-1"]
        target = url.rstrip("/") + reverse("channels:webhook", args=[connection.pk])
        answers: dict[int, int] = {}
        with httpx.Client(timeout=10) as client:
            for sequence in range(1, orders + 1):
                body, headers = signed_delivery(connection, sequence=sequence, seed=seed, skus=skus)
                try:
                    status = client.post(target, content=body, headers=headers).status_code
                except httpx.HTTPError as error:
                    raise CommandError(f"{target} did not answer: {error}. Is `make run` running?") from error
                answers[status] = answers.get(status, 0) + 1
        self.stdout.write(json.dumps({"sent": orders, "answers": answers, "url": target}))
