"""TikTok Shop's two signatures: the `sign` every Open API request carries, and the Authorization
header TikTok Shop puts on a webhook delivery.

A request (TikTok Shop Partner Center, "Sign your API request", API version 202309):

1. every query parameter except `sign` and `access_token`, keys in alphabetical order;
2. each written as {key}{value} and concatenated;
3. the request path put in front ("/order/202309/orders/search");
4. the request body appended as sent, unless the request is multipart/form-data;
5. the whole wrapped in the app secret: app_secret + string + app_secret;
6. HMAC-SHA256 keyed with the app secret, hex, lower case.

The access token itself travels in the `x-tts-access-token` header and is never signed.

A webhook delivery: HMAC-SHA256 keyed with the app secret over app_key + the raw body, hex lower case,
in the Authorization header (no "Bearer"). Nothing in it is dated: TikTok Shop's retries carry the
same signature, and the body's tts_notification_id is what tells deliveries apart (webhooks.py).
"""

import hashlib
import hmac
from collections.abc import Mapping

EXCLUDED = frozenset({"sign", "access_token"})


def sign_string(
    path: str, query: Mapping[str, object], body: bytes = b"", *, multipart: bool = False
) -> bytes:
    """Steps 1 to 4: what is wrapped in the secret and signed. `body` is the exact bytes sent."""
    params = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in EXCLUDED)
    text = (path + params).encode()
    return text if multipart else text + body


def request_signature(
    app_secret: str, path: str, query: Mapping[str, object], body: bytes = b"", *, multipart: bool = False
) -> str:
    """The `sign` query parameter of one request (steps 1 to 6)."""
    secret = app_secret.encode()
    message = secret + sign_string(path, query, body, multipart=multipart) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_signature(body: bytes, app_key: str, app_secret: str) -> str:
    """The Authorization header TikTok Shop sends with `body`."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_matches(body: bytes, signature: str, app_key: str, app_secret: str) -> bool:
    """Constant-time check of a delivery's Authorization header against the app's key and secret.
    Hex is compared case-insensitively; an empty key, secret or signature never matches."""
    given = (signature or "").strip().lower().encode()
    if not given or not app_key or not app_secret:
        return False
    return hmac.compare_digest(webhook_signature(body, app_key, app_secret).encode(), given)
