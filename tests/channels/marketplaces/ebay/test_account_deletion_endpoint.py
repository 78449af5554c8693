"""eBay's Marketplace Account Deletion endpoint: the challenge, and signed notifications checked against
the public key the fake eBay serves (fetched with an application token), stored once, then handed to a
worker. Every refusal stores nothing."""

import json
from unittest import mock

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from channels.marketplaces.ebay import views
from channels.marketplaces.ebay.account_deletion import PUBLIC_KEY_PATH, challenge_response
from channels.marketplaces.ebay.erasure import DELETION_TASK
from channels.marketplaces.ebay.models import AccountDeletion
from tests.channels.marketplaces.ebay.conftest import CLIENT_ID, CLIENT_SECRET, raw
from tests.channels.marketplaces.ebay.test_account_deletion import KID, ebay_style_pem, signature_header

URL = "/channels/ebay/account-deletion/"
TOKEN = "packline-verification-token-2f6c1e9a04b7d3e8"
ENDPOINT = "https://packline.example.com/channels/ebay/account-deletion/"
BODY = raw("account_deletion_notification.json").strip()
NOTIFICATION_ID = "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d"


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def configured(settings, ebay, key):
    """Packline set up for eBay's notifications, with the fake eBay as eBay's API host."""
    ebay.add_public_key(KID, ebay_style_pem(key))
    settings.EBAY_DELETION_VERIFICATION_TOKEN = TOKEN
    settings.EBAY_DELETION_ENDPOINT_URL = ENDPOINT
    settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.EBAY_API_BASE_URL = ebay.url
    views._fetchers.clear()  # each test's fake listens on its own port
    yield ebay
    views._fetchers.clear()


@pytest.fixture
def sent():
    with mock.patch("channels.marketplaces.ebay.erasure.current_app.send_task") as send_task:
        yield send_task


def post(client, body: bytes, signature: str | None, **extra):
    headers = {"HTTP_X_EBAY_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers, **extra)


# The challenge ----------------------------------------------------------------------------------


def test_the_url_is_the_one_the_docs_give():
    assert reverse("channels:ebay_account_deletion") == URL


def test_the_challenge_is_answered_as_json_with_the_documented_hash(client, configured):
    answer = client.get(URL, {"challenge_code": "a8628072-3d33-45ee-9004-bee86830a22d"})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {
        "challengeResponse": challenge_response("a8628072-3d33-45ee-9004-bee86830a22d", TOKEN, ENDPOINT)
    }


def test_a_get_without_a_challenge_code_is_refused(client, configured):
    assert client.get(URL).status_code == 400


def test_the_challenge_needs_the_token_and_endpoint_configured(client, settings):
    settings.EBAY_DELETION_VERIFICATION_TOKEN = ""

    answer = client.get(URL, {"challenge_code": "abc"})

    assert answer.status_code == 503 and "not configured" in answer.content.decode()


# Notifications ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_notification_is_stored_once_and_handed_to_a_worker(
    client, configured, key, sent, django_capture_on_commit_callbacks
):
    signature = signature_header(key, BODY)

    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, BODY, signature)
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, BODY, signature)  # eBay sends it again until it is answered

    assert (first.status_code, again.status_code) == (204, 204)
    deletion = AccountDeletion.objects.get()
    assert (deletion.notification_id, deletion.username, deletion.user_id, deletion.state) == (
        NOTIFICATION_ID, "eleanor_h_1987", "ma8vp1jySJC", "received",
    )  # fmt: skip
    assert deletion.event_date.isoformat() == "2025-03-19T20:43:59.462000+00:00"
    sent.assert_called_once_with(DELETION_TASK, args=[deletion.pk])
    # The key was fetched once, with an application token, and kept for the redelivery.
    assert configured.token_requests == ["client_credentials"]
    assert [r.path for r in configured.requests].count(f"{PUBLIC_KEY_PATH}{KID}") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [None, "", "bm90IGpzb24=", "not base64!"],
    ids=["missing", "empty", "not-json", "not-base64"],
)
def test_a_notification_without_a_readable_signature_is_refused_with_412(client, configured, sent, signature):
    answer = post(client, BODY, signature)

    assert answer.status_code == 412
    assert not AccountDeletion.objects.exists()
    sent.assert_not_called()


@pytest.mark.django_db
def test_a_tampered_notification_is_refused_with_412(client, configured, key, sent):
    signature = signature_header(key, BODY)
    tampered = BODY.replace(b"eleanor_h_1987", b"someone_else")

    assert post(client, tampered, signature).status_code == 412
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_a_signature_by_a_key_ebay_never_issued_is_refused_with_412(client, configured, sent):
    stranger = ec.generate_private_key(ec.SECP256R1())

    answer = post(client, BODY, signature_header(stranger, BODY, kid="made-up-key-id"))

    assert answer.status_code == 412
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_when_ebays_key_cannot_be_fetched_ebay_is_asked_to_send_again(client, configured, key, sent):
    configured.fail_next(500, path=PUBLIC_KEY_PATH)

    answer = post(client, BODY, signature_header(key, BODY))

    assert answer.status_code == 503
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_anything_is_read(client, configured, key, sent):
    body = BODY[:-1] + b',"padding":"' + b"x" * (70 * 1024) + b'"}'

    answer = post(client, body, signature_header(key, body))

    assert answer.status_code == 413
    assert configured.requests == []  # no key was fetched
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
def test_a_notification_is_refused_while_packline_is_not_configured(client, settings, key, sent):
    settings.EBAY_CLIENT_ID = ""

    answer = post(client, BODY, signature_header(key, BODY))

    assert answer.status_code == 503
    assert not AccountDeletion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (
            json.dumps(
                {"metadata": {"topic": "ITEM_SOLD"}, "notification": {"data": {"userId": "x"}}}
            ).encode(),
            "not MARKETPLACE_ACCOUNT_DELETION",
        ),
        (json.dumps({"notification": {"data": {"username": "bob"}}}).encode(), "no notificationId"),
        (json.dumps({"notification": {"notificationId": "n1", "data": {}}}).encode(), "names no user"),
    ],
    ids=["malformed", "other-topic", "no-id", "nobody"],
)
def test_a_signed_body_that_is_no_account_deletion_is_refused_with_400(
    client, configured, key, sent, body, message
):
    answer = post(client, body, signature_header(key, body))

    assert answer.status_code == 400 and message in answer.content.decode()
    assert not AccountDeletion.objects.exists()
    sent.assert_not_called()


@pytest.mark.django_db
def test_other_methods_are_refused(client, configured):
    assert client.put(URL, data=BODY, content_type="application/json").status_code == 405


def test_over_real_http_a_signed_notification_is_stored(live_server, configured, key, sent):
    # A body spaced out by a proxy on the way: eBay's SDKs verify its compact JSON, and so does Packline.
    spaced = json.dumps(json.loads(BODY), indent=2).encode()

    answer = httpx.post(
        f"{live_server.url}{URL}",
        content=spaced,
        headers={"Content-Type": "application/json", "X-EBAY-SIGNATURE": signature_header(key, BODY)},
        timeout=10,
    )
    challenge = httpx.get(f"{live_server.url}{URL}", params={"challenge_code": "c0ffee"}, timeout=10)

    assert answer.status_code == 204, answer.text
    deletion = AccountDeletion.objects.get(notification_id=NOTIFICATION_ID)
    sent.assert_called_once_with(DELETION_TASK, args=[deletion.pk])
    assert challenge.status_code == 200 and challenge.headers["content-type"] == "application/json"
    assert challenge.json()["challengeResponse"] == challenge_response("c0ffee", TOKEN, ENDPOINT)
