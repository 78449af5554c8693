"""Sending one message: the Standard Webhooks request (signed by the Standard Webhooks library
itself, not by hand) and what came back. No database here; orders/webhooks/services.py records it."""

import json
from dataclasses import dataclass
from datetime import datetime

import httpx
from standardwebhooks import Webhook

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RESPONSE_EXCERPT = 2000  # characters of the receiver's answer kept in the delivery log
USER_AGENT = "Packline-Webhooks/1"


@dataclass(frozen=True, slots=True)
class Outgoing:
    message_id: int
    msg_id: str
    url: str
    secret: str
    payload: dict | str  # the JSON text as the database holds it, or a dict


@dataclass(frozen=True, slots=True)
class Outcome:
    message_id: int
    delivered: bool
    status: int | None
    response: str
    error: str


def body(payload: dict | str) -> bytes:
    if isinstance(payload, str):
        return payload.encode()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers(*, msg_id: str, secret: str, content: bytes, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; the timestamp is the attempt's, in whole seconds."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, content),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def send(client: httpx.Client, outgoing: Outgoing, *, at: datetime) -> Outcome:
    """POST one message; 2xx is delivered, anything else (or no answer) is a failure to retry."""
    content = body(outgoing.payload)
    try:
        response = client.post(
            outgoing.url,
            content=content,
            headers=headers(msg_id=outgoing.msg_id, secret=outgoing.secret, content=content, at=at),
        )
    except httpx.HTTPError as error:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return Outcome(outgoing.message_id, False, None, "", reason[:300])
    text = response.text[:RESPONSE_EXCERPT].replace("\x00", "")  # PostgreSQL text holds no NUL
    delivered = 200 <= response.status_code < 300
    error = "" if delivered else f"HTTP {response.status_code}"
    return Outcome(outgoing.message_id, delivered, response.status_code, text, error)


def client() -> httpx.Client:
    """One client per run: its connections are kept alive between messages to the same receiver.
    Redirects are not followed: a receiver that moved answers 3xx, which is a failure to look at."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False, limits=httpx.Limits(max_connections=16))
