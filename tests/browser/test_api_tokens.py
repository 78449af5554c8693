"""The API tokens page in a real browser at phone and laptop widths, and the API's docs page under
the site's CSP with its assets from installed packages."""

import httpx
import pytest

from accounts.models import ApiToken
from tests.conftest import side_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_user_creates_a_token_sees_it_once_uses_it_and_revokes_it(
    page, login, make_user, live_server, width
):
    page.set_viewport_size(WIDTHS[width])
    user = make_user("csr")
    login(user)
    side_nav(page)  # on a phone the link is in the folded menu; on a laptop in the top bar
    page.locator("a:visible", has_text="API tokens").first.click()
    page.get_by_label("Name").fill("Nightly ERP sync")
    page.get_by_label("Access").select_option("read,write")
    page.get_by_label("Expires").select_option("30")
    page.get_by_test_id("token-create").click()

    plaintext = page.get_by_test_id("token-plaintext").inner_text().strip()
    token = ApiToken.objects.get(user=user)
    assert plaintext.startswith(token.prefix) and token.can_write
    row = page.get_by_test_id("token-row")
    assert "Nightly ERP sync" in row.inner_text() and f"{token.prefix}…" in row.inner_text()
    # The page fits the screen: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    with httpx.Client(base_url=live_server.url) as client:
        headers = {"Authorization": f"Bearer {plaintext}"}
        assert client.get("/api/v1/orders", headers=headers).status_code == 200
        page.reload()
        assert page.get_by_test_id("token-shown").count() == 0  # shown once only
        assert plaintext not in page.content()

        page.get_by_test_id("token-revoke").click()
        assert "stops working at once" in page.get_by_test_id("token-revoke-confirm").inner_text()
        page.get_by_test_id("token-revoke-confirm-button").click()
        page.get_by_test_id("token-revoked").wait_for()
        assert client.get("/api/v1/orders", headers=headers).status_code == 401
    assert page.console_errors == []


def test_the_docs_page_renders_every_operation_from_local_assets_under_the_csp(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 5
    assert "Packline" in page.locator(".info .title").inner_text()
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert page.console_errors == []
