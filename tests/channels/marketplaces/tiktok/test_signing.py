"""TikTok Shop's request signature against worked examples written out by hand from the documented
steps, and the webhook signature over app_key + raw body."""

import hashlib
import hmac

import pytest

from channels.marketplaces.tiktok.signing import (
    request_signature,
    sign_string,
    webhook_signature,
    webhook_signature_matches,
)
from tests.channels.marketplaces.tiktok.conftest import raw

# The example values of TikTok Shop's "Sign your API request" guide.
APP_KEY = "68xu9ks5p4i8"
APP_SECRET = "e59af819cc"
SHOP_CIPHER = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
TIMESTAMP = "1696909648"
BODY = b'{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}'


def test_a_post_is_signed_over_secret_path_sorted_parameters_body_and_secret():
    query = {
        "timestamp": TIMESTAMP,
        "shop_cipher": SHOP_CIPHER,
        "app_key": APP_KEY,
        "access_token": "TTP_never_signed",  # step 1: left out, as is sign
        "sign": "whatever was there before",
    }
    # Steps 1-5 by hand: keys in alphabetical order as {key}{value}, the path in front, the body after,
    # the whole wrapped in the app secret.
    wrapped = (
        "e59af819cc"
        "/event/202309/webhooks"
        "app_key68xu9ks5p4i8"
        "shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
        "timestamp1696909648"
        '{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}'
        "e59af819cc"
    )
    # Step 6: HMAC-SHA256 keyed with the secret, hex.
    expected = hmac.new(b"e59af819cc", wrapped.encode(), hashlib.sha256).hexdigest()

    assert APP_SECRET.encode() + sign_string("/event/202309/webhooks", query, BODY) + APP_SECRET.encode() == (
        wrapped.encode()
    )
    assert expected == "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a"
    assert request_signature(APP_SECRET, "/event/202309/webhooks", query, BODY) == expected


def test_a_get_has_no_body_and_a_list_parameter_is_signed_as_sent():
    query = {"ids": "576486316948490001,576486316948490002", "app_key": APP_KEY, "timestamp": TIMESTAMP}
    query["shop_cipher"] = SHOP_CIPHER
    wrapped = (
        "e59af819cc/order/202309/orders"
        "app_key68xu9ks5p4i8ids576486316948490001,576486316948490002"
        "shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKtimestamp1696909648e59af819cc"
    )

    assert request_signature(APP_SECRET, "/order/202309/orders", query) == (
        "c039cd49f508fbc6f05dd36269a872cb1966a63ce8d6bb444fb4785c7205b448"
    )
    assert hmac.new(b"e59af819cc", wrapped.encode(), hashlib.sha256).hexdigest() == (
        "c039cd49f508fbc6f05dd36269a872cb1966a63ce8d6bb444fb4785c7205b448"
    )


def test_every_part_of_the_request_changes_the_signature():
    query = {"app_key": APP_KEY, "timestamp": TIMESTAMP, "shop_cipher": SHOP_CIPHER}
    signed = request_signature(APP_SECRET, "/event/202309/webhooks", query, BODY)

    assert request_signature("another secret", "/event/202309/webhooks", query, BODY) != signed
    assert request_signature(APP_SECRET, "/event/202309/webhook", query, BODY) != signed
    assert (
        request_signature(APP_SECRET, "/event/202309/webhooks", {**query, "timestamp": "1696909649"}, BODY)
        != signed
    )
    assert (
        request_signature(APP_SECRET, "/event/202309/webhooks", query, BODY.replace(b"PACKAGE", b"ORDER"))
        != signed
    )
    # The access token never is: it travels in the x-tts-access-token header.
    assert (
        request_signature(APP_SECRET, "/event/202309/webhooks", {**query, "access_token": "x"}, BODY)
        == signed
    )


def test_a_multipart_body_is_left_out_of_the_signature():
    query = {"app_key": APP_KEY, "timestamp": TIMESTAMP}

    assert request_signature(
        APP_SECRET, "/product/202309/images/upload", query, b"--boundary...", multipart=True
    ) == (request_signature(APP_SECRET, "/product/202309/images/upload", query))


def test_a_webhook_is_signed_in_hex_over_the_app_key_and_the_raw_body():
    body = b'{"type":1,"tts_notification_id":"7327112393057371910"}'

    assert webhook_signature(body, APP_KEY, APP_SECRET) == (
        "9b7f7ed942801d717e6f0744894d4a7c577d43f0cf18ec7d4d8f2e6906117684"
    )
    assert webhook_signature(body, APP_KEY, APP_SECRET) == (
        hmac.new(b"e59af819cc", b"68xu9ks5p4i8" + body, hashlib.sha256).hexdigest()
    )


def test_a_webhook_signature_matches_only_its_own_body_key_and_secret():
    body = raw("webhook_order_status_change.json")
    signature = webhook_signature(body, APP_KEY, APP_SECRET)

    assert webhook_signature_matches(body, signature, APP_KEY, APP_SECRET)
    assert webhook_signature_matches(body, f"  {signature.upper()}\n", APP_KEY, APP_SECRET)  # hex in any case
    assert not webhook_signature_matches(
        body.replace(b"UNPAID", b"CANCELLED"), signature, APP_KEY, APP_SECRET
    )
    assert not webhook_signature_matches(body, signature, "another_app", APP_SECRET)
    assert not webhook_signature_matches(body, signature, APP_KEY, "another secret")
    # Shopify's and WooCommerce's scheme (base64 over the body alone) is not TikTok's.
    assert not webhook_signature_matches(
        body, hmac.new(APP_SECRET.encode(), body, "sha256").hexdigest(), APP_KEY, APP_SECRET
    )


@pytest.mark.parametrize("signature", ["", "   ", None])
def test_no_signature_or_no_secret_never_matches(signature):
    body = raw("webhook_order_status_change.json")

    assert not webhook_signature_matches(body, signature, APP_KEY, APP_SECRET)
    assert not webhook_signature_matches(body, webhook_signature(body, APP_KEY, ""), APP_KEY, "")
