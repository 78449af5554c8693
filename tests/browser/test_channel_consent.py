"""A manager connects an eBay seller account through the pages and authorises it at eBay's consent page
(FakeEbay over real HTTP), at laptop and phone widths: the form asks eBay's keys and RuName, the new
connection needs authorisation, "Authorise with eBay" goes to the consent page and back to Packline's
callback, and the connection is authorised. When eBay later refuses the refresh token, the list says
"Needs re-authorisation" and Re-authorise brings the manager through the consent again."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from channels.connections.models import Connection
from channels.intake.polling import connection_poll
from tests.channels.fakes.ebay import RU_NAME, FakeEbay
from tests.conftest import side_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
CONNECTION_URL = re.compile(r"/channels/(\d+)/$")


def toast(page, text: str):
    return page.get_by_test_id("toast").filter(has_text=text)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_adds_an_ebay_account_and_authorises_it_at_ebay(page, login, make_user, live_server, width):
    page.set_viewport_size(WIDTHS[width])
    manager = make_user("manager")

    with FakeEbay() as ebay:
        ebay.accept_url = f"{live_server.url}/channels/oauth/ebay/callback/"
        login(manager)
        side_nav(page).get_by_role("link", name="Sales channels").click()
        page.get_by_test_id("add-connection").click()

        page.get_by_label("Platform").select_option("ebay")
        expect(page.get_by_label("Access token")).to_be_hidden()
        expect(page.get_by_label("App key")).to_be_hidden()
        page.get_by_label("Name", exact=True).fill("Acme on eBay")
        page.get_by_label("Shop URL").fill("https://www.ebay.co.uk/usr/acme")
        page.get_by_label("API base URL").fill(ebay.url)
        page.get_by_label("Client ID (App ID)").fill(ebay.client_id)
        page.get_by_label("Client secret (Cert ID)").fill(ebay.client_secret)
        page.get_by_label("RuName (eBay redirect URL name)").fill(RU_NAME)
        page.get_by_test_id("save-connection").click()
        page.wait_for_url(CONNECTION_URL)

        connection = Connection.objects.get()
        expect(page.get_by_test_id("needs-authorisation")).to_contain_text("Needs authorisation")
        expect(page.get_by_test_id("consent-callback-url")).to_have_value(ebay.accept_url)
        page.get_by_test_id("needs-authorisation").get_by_test_id("authorise").click()

        page.wait_for_url(CONNECTION_URL)
        expect(toast(page, "Authorised: eBay gave Packline access to Acme on eBay")).to_be_visible()
        expect(page.get_by_test_id("needs-authorisation")).to_have_count(0)
        expect(page.get_by_test_id("authorisation-state")).to_contain_text("Authorised")
        connection.refresh_from_db()
        assert connection.credentials["refresh_token"] == ebay.refresh_token
        assert ebay.consents[-1]["redirect_uri"] == RU_NAME
        assert ebay.client_secret not in page.content() and ebay.refresh_token not in page.content()

        # The seller withdraws consent; the next poll is refused, and the list says so.
        ebay.revoke()
        ebay.expire_tokens()
        connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
        side_nav(page).get_by_role("link", name="Sales channels").click()
        row = page.get_by_test_id("connection-row").filter(has_text="Acme on eBay")
        expect(row.get_by_test_id("needs-authorisation")).to_contain_text("Needs re-authorisation")
        expect(row.get_by_test_id("authorisation-error")).to_contain_text("invalid_grant")
        row.get_by_role("link", name="Re-authorise").click()

        page.wait_for_url(CONNECTION_URL)
        expect(toast(page, "Authorised")).to_be_visible()
        connection.refresh_from_db()
        assert not connection.needs_authorisation
        assert page.console_errors == []
