"""eBay's Marketplace Account Deletion notifications: the endpoint's challenge answer, the user a
notification names, and its ECDSA signature checked against a key fetched by its id."""

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from channels.marketplaces.base import PlatformError
from channels.marketplaces.ebay.account_deletion import (
    challenge_response,
    deleted_user,
    public_key_fetcher,
    verify_notification,
)
from tests.channels.marketplaces.ebay.conftest import CLIENT_ID, CLIENT_SECRET, payload, raw

CHALLENGE = "a8628072-3d33-45ee-9004-bee86830a22d"
VERIFICATION_TOKEN = "packline-verification-token-2f6c1e9a04b7d3e8"
ENDPOINT = "https://packline.example.com/channels/ebay/account-deletion/"
KID = "99345d0a-b5fb-4bd6-8a0e-c0e18a0d2f7b"


def test_the_challenge_is_answered_with_the_documented_hash():
    answer = challenge_response(CHALLENGE, VERIFICATION_TOKEN, ENDPOINT)

    # eBay: hex SHA-256 of challengeCode + verificationToken + endpoint, in that order.
    by_hand = hashlib.sha256((CHALLENGE + VERIFICATION_TOKEN + ENDPOINT).encode("utf-8")).hexdigest()
    assert answer == by_hand == "b7c8f608490cad770f4ef1c677d458ef1afc3b4431255c1bb3e33b3a92f48e49"
    # The order matters: the same parts the other way round are another answer.
    assert challenge_response(VERIFICATION_TOKEN, CHALLENGE, ENDPOINT) != answer


def test_the_notification_names_the_user_to_delete():
    assert deleted_user(payload("account_deletion_notification.json")) == (
        "eleanor_h_1987",
        "ma8vp1jySJC",
        "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZGEpwmdj6x9nY+seQ==",
    )


@pytest.mark.parametrize(
    ("notification", "message"),
    [
        ({"metadata": {"topic": "ITEM_SOLD"}, "notification": {"data": {"userId": "x"}}}, "not MARKETPLACE"),
        ({"metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION"}, "notification": {}}, "no notification.data"),
        ({"notification": {"data": {"username": " "}}}, "names no user"),
    ],
)
def test_a_notification_that_names_nobody_is_refused(notification, message):
    with pytest.raises(ValueError, match=message):
        deleted_user(notification)


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def ebay_style_pem(private_key) -> str:
    """The public key as eBay's public_key endpoint gives it: PEM on one line."""
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "".join(pem.decode().splitlines())


def signature_header(private_key, message: bytes, kid: str = KID) -> str:
    signature = private_key.sign(message, ec.ECDSA(hashes.SHA1()))
    signed = {"alg": "ECDSA", "kid": kid, "signature": base64.b64encode(signature).decode(), "digest": "SHA1"}
    return base64.b64encode(json.dumps(signed).encode()).decode()


def test_a_notification_signed_with_ebays_key_is_verified(key):
    body = raw("account_deletion_notification.json").strip()
    asked = []

    def fetch(kid: str) -> dict:
        asked.append(kid)
        return {"key": ebay_style_pem(key), "algorithm": "ECDSA", "digest": "SHA1"}

    headers = {"x-ebay-signature": signature_header(key, body)}  # any case, as HTTP sends it

    assert verify_notification(headers, body, fetch) is True
    assert asked == [KID]


def test_a_tampered_notification_is_not_verified(key):
    body = raw("account_deletion_notification.json").strip()
    header = signature_header(key, body)
    tampered = body.replace(b"eleanor_h_1987", b"someone_else")

    def fetch(kid):
        return {"key": ebay_style_pem(key), "algorithm": "ECDSA", "digest": "SHA1"}

    assert verify_notification({"X-EBAY-SIGNATURE": header}, tampered, fetch) is False


def test_a_body_signed_as_ebays_sdks_write_it_is_verified_when_spaced_out(key):
    notification = payload("account_deletion_notification.json")
    compact = json.dumps(notification, separators=(",", ":")).encode()
    spaced = json.dumps(notification, indent=2).encode()

    def fetch(kid):
        return {"key": ebay_style_pem(key), "algorithm": "ECDSA", "digest": "SHA1"}

    assert verify_notification({"X-EBAY-SIGNATURE": signature_header(key, compact)}, spaced, fetch) is True


@pytest.mark.parametrize("header", ["", "not base64!", base64.b64encode(b'{"kid": "x"}').decode()])
def test_a_header_that_cannot_be_read_is_not_verified(header):
    def fetch(kid):
        raise AssertionError("no key is fetched for an unreadable header")

    assert verify_notification({"X-EBAY-SIGNATURE": header}, b"{}", fetch) is False


def test_another_keys_signature_is_not_verified(key):
    other = ec.generate_private_key(ec.SECP256R1())
    body = raw("account_deletion_notification.json").strip()

    def fetch(kid):
        return {"key": ebay_style_pem(key), "algorithm": "ECDSA", "digest": "SHA1"}

    assert verify_notification({"X-EBAY-SIGNATURE": signature_header(other, body)}, body, fetch) is False


def test_public_keys_are_fetched_with_an_application_token_and_kept(ebay, key):
    ebay.add_public_key(KID, ebay_style_pem(key))
    fetch = public_key_fetcher(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_base_url=ebay.url)
    body = raw("account_deletion_notification.json").strip()

    assert verify_notification({"X-EBAY-SIGNATURE": signature_header(key, body)}, body, fetch) is True
    assert verify_notification({"X-EBAY-SIGNATURE": signature_header(key, body)}, body, fetch) is True

    assert ebay.token_requests == ["client_credentials"]  # once: the key was kept
    assert [r.path for r in ebay.requests] == [
        "/identity/v1/oauth2/token",
        f"/commerce/notification/v1/public_key/{KID}",
    ]
    with pytest.raises(PlatformError, match="no public key 'unknown-kid'"):
        fetch("unknown-kid")
