"""eBay's Marketplace Account Deletion notifications: every app that keeps eBay users' data must answer
them (or be exempted). They are app-wide, not per connection, and are not signed with a webhook secret,
so they need their own endpoint rather than the channels webhook door:

- GET  <endpoint>?challenge_code=...  -> 200 {"challengeResponse": challenge_response(...)} (JSON), when
  the endpoint is saved in the eBay developer account and from time to time after.
- POST <endpoint> with {"metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION", ...}, "notification":
  {"notificationId", "eventDate", "publishDate", "publishAttemptCount", "data": {"username", "userId",
  "eiasToken"}}} and an X-EBAY-SIGNATURE header -> 200 (or 201, 202, 204) once received; eBay sends it
  again until then. verify_notification checks the signature; deleted_user says whose data to delete.

The signature (as eBay's event-notification SDKs check it): the header is base64 of JSON {"alg":
"ECDSA", "kid": <key id>, "signature": <base64 DER ECDSA signature>, "digest": "SHA1"}; the key is
GET /commerce/notification/v1/public_key/{kid} on the API host with an application access token
(client-credentials grant, scope https://api.ebay.com/oauth/api_scope), answering {"key": "-----BEGIN
PUBLIC KEY-----<base64>-----END PUBLIC KEY-----", "algorithm": "ECDSA", "digest": "SHA1"}. Keys
change rarely: cache them by kid (public_key_fetcher does, for an hour).
"""

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from channels.marketplaces.base import PlatformError
from channels.marketplaces.ebay.auth import DEFAULT_API_BASE_URL, TOKEN_PATH, basic_auth_headers

SIGNATURE_HEADER = "X-EBAY-SIGNATURE"
TOPIC = "MARKETPLACE_ACCOUNT_DELETION"
PUBLIC_KEY_PATH = "/commerce/notification/v1/public_key/"
APPLICATION_SCOPE = "https://api.ebay.com/oauth/api_scope"
DIGESTS = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}


class UnknownPublicKey(PlatformError):
    """eBay has no public key by that id: the signature is not eBay's (unlike eBay being unreachable)."""


_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", re.DOTALL)


def challenge_response(challenge_code: str, verification_token: str, endpoint_url: str) -> str:
    """Hex SHA-256 of challenge code, verification token and endpoint URL, in that order, as eBay
    documents. The endpoint URL is exactly the one saved in the developer account (scheme, host, path;
    no query string); the verification token is the 32-80 characters chosen there."""
    digest = hashlib.sha256()
    digest.update(challenge_code.encode())
    digest.update(verification_token.encode())
    digest.update(endpoint_url.encode())
    return digest.hexdigest()


def deleted_user(payload: dict) -> tuple[str, str, str]:
    """(username, user id, EIAS token) of the eBay user whose data must be deleted; ValueError for a
    notification that is not an account deletion or names nobody."""
    if not isinstance(payload, dict):
        raise ValueError("An eBay notification is a JSON object.")
    topic = (
        (payload.get("metadata") or {}).get("topic") if isinstance(payload.get("metadata"), dict) else None
    )
    if topic not in (None, TOPIC):
        raise ValueError(f"The notification's topic is {topic!r}, not {TOPIC}.")
    notification = payload.get("notification")
    data = notification.get("data") if isinstance(notification, dict) else None
    if not isinstance(data, dict):
        raise ValueError("The notification has no notification.data.")
    username, user_id, eias_token = (
        str(data.get(key) or "").strip() for key in ("username", "userId", "eiasToken")
    )
    if not (username or user_id or eias_token):
        raise ValueError("The notification's data names no user.")
    return username, user_id, eias_token


def verify_notification(headers, body: bytes, fetch_public_key: Callable[[str], dict]) -> bool:
    """Whether X-EBAY-SIGNATURE is eBay's ECDSA signature of the body. `headers`: a Django HttpHeaders
    or any mapping (looked up without case); `fetch_public_key(kid)` answers the public_key endpoint's
    JSON (public_key_fetcher makes one). A header that cannot be read, a key eBay does not give, or a
    signature that does not match: False.

    eBay's SDKs verify the JSON of the parsed message as their JSON library writes it again, compact;
    eBay sends it compact, so the raw body is checked first and that compact form second."""
    header = _header(headers, SIGNATURE_HEADER)
    try:
        signed = json.loads(base64.b64decode(header, validate=True))
        kid, signature = str(signed["kid"]), base64.b64decode(signed["signature"], validate=True)
    except (binascii.Error, ValueError, TypeError, KeyError):
        return False
    if not kid or not signature:
        return False
    key_info = fetch_public_key(kid)
    if not isinstance(key_info, dict) or str(key_info.get("algorithm", "ECDSA")).upper() != "ECDSA":
        return False
    digest = DIGESTS.get(str(key_info.get("digest") or signed.get("digest") or "SHA1").upper())
    try:
        key = serialization.load_pem_public_key(_pem(str(key_info.get("key") or "")))
    except (ValueError, UnsupportedAlgorithm):
        return False
    if digest is None or not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    for message in _signed_forms(body):
        try:
            key.verify(signature, message, ec.ECDSA(digest()))
        except InvalidSignature:
            continue
        return True
    return False


def public_key_fetcher(
    *,
    client_id: str,
    client_secret: str,
    api_base_url: str = DEFAULT_API_BASE_URL,
    timeout: float = 10.0,
    cache_seconds: float = 3600.0,
    transport: httpx.BaseTransport | None = None,
) -> Callable[[str], dict]:
    """fetch_public_key for verify_notification: an application token (client-credentials grant),
    then GET /commerce/notification/v1/public_key/{kid}; keys are kept by kid for `cache_seconds`."""
    base = api_base_url.rstrip("/")
    cache: dict[str, tuple[float, dict]] = {}

    def fetch(kid: str) -> dict:
        kept = cache.get(kid)
        if kept and time.monotonic() - kept[0] < cache_seconds:
            return kept[1]
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as http:
            try:
                token = http.post(
                    f"{base}{TOKEN_PATH}",
                    data={"grant_type": "client_credentials", "scope": APPLICATION_SCOPE},
                    headers=basic_auth_headers(client_id, client_secret),
                )
                if token.status_code != 200:
                    raise PlatformError(f"eBay refused an application token (HTTP {token.status_code}).")
                answer = http.get(
                    f"{base}{PUBLIC_KEY_PATH}{quote(kid, safe='')}",
                    headers={"Authorization": f"Bearer {token.json().get('access_token', '')}"},
                )
                if answer.status_code == 404:
                    raise UnknownPublicKey(f"eBay has no public key {kid!r} (HTTP 404).")
                if answer.status_code != 200:
                    raise PlatformError(f"eBay has no public key {kid!r} (HTTP {answer.status_code}).")
                key_info = answer.json()
            except (httpx.TransportError, ValueError, AttributeError) as error:
                raise PlatformError(
                    f"Packline could not fetch eBay's public key ({type(error).__name__})."
                ) from error
        cache[kid] = (time.monotonic(), key_info)
        return key_info

    return fetch


def _header(headers, name: str) -> str:
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and hasattr(headers, "items"):
        value = next((v for k, v in headers.items() if str(k).lower() == name.lower()), None)
    return str(value or "").strip()


def _pem(key: str) -> bytes:
    """eBay gives the PEM on one line: BEGIN, base64, END. The base64 goes on lines of its own."""
    match = _PEM.search(key)
    body = "".join((match.group(1) if match else key).split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n").encode()


def _signed_forms(body: bytes) -> list[bytes]:
    forms = [body]
    try:
        compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        return forms
    if compact != body:
        forms.append(compact)
    return forms
