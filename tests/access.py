"""The access matrix: every URL, for every role and anonymous, with the status it must answer.

Each later view adds its rows here; tests/test_access_matrix.py walks them all and checks that no
named URL is missing from the table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.roles import ROLE_LABELS

ROLES = tuple(ROLE_LABELS)
LINE_FORM = {
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    "lines-0-sku": "SKU-1",
    "lines-0-quantity": "2",
}
ANONYMOUS = "anonymous"
LOGIN = 302  # anonymous users are sent to the login page
NO_TOKEN = 401  # the API answers a problem, not a redirect


@dataclass(frozen=True)
class Access:
    url_name: str
    expect: dict[str, int]
    method: str = "get"
    # Builds the URL's kwargs from the objects fixture (see test_access_matrix.py).
    kwargs: Callable[[dict], dict] = field(default=lambda objects: {})
    data: Callable[[dict], dict] = field(default=lambda objects: {})
    # "token": the JSON API, called with a read+write bearer token of the role's user (JSON bodies);
    # anonymous sends none.
    auth: str = "session"

    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


def roles(default: int, anonymous: int = LOGIN, **overrides: int) -> dict[str, int]:
    """Every role answers `default` except the overrides; anonymous answers `anonymous`."""
    expected = dict.fromkeys(ROLES, default)
    expected.update(overrides)
    expected[ANONYMOUS] = anonymous
    return expected


def only(*allowed: str, status: int = 200, refused: int = 403, anonymous: int = LOGIN) -> dict[str, int]:
    expected = {role: (status if role in allowed else refused) for role in ROLES}
    expected[ANONYMOUS] = anonymous
    return expected


MATRIX: list[Access] = [
    Access("home", roles(200)),
    Access("healthz", roles(200, anonymous=200)),
    Access("accounts:login", roles(302, anonymous=200)),
    Access("accounts:logout", roles(405)),
    Access("accounts:password_change", roles(200)),
    Access("accounts:password_change_done", roles(200)),
    # Django admin is for superadmins only; everyone else is sent to its own login page.
    Access("admin:index", only("superadmin", refused=302)),
    # Orders
    Access("orders:list", roles(200)),
    Access("orders:columns", roles(302), method="post", data=lambda o: {"column": ["total"]}),
    Access("orders:view_create", roles(302), method="post", data=lambda o: {"name": "Late", "query": "tab=late"}),
    Access("orders:view_rename", roles(302), method="post", kwargs=lambda o: {"view_id": 1},
           data=lambda o: {"name": "Renamed"}),
    Access("orders:view_delete", roles(302), method="post", kwargs=lambda o: {"view_id": 1}),
    Access("orders:deliveries", only("superadmin", "manager", "agent")),
    Access("orders:new", only("superadmin", "manager", "csr")),
    Access("orders:totals", only("superadmin", "manager", "csr"), method="post", data=lambda o: LINE_FORM),
    Access("orders:customer_search", only("superadmin", "manager", "csr"), data=lambda o: {"customer_q": "ja"}),
    Access("orders:product_search", only("superadmin", "manager", "csr"), data=lambda o: {"product_q": "SKU"}),
    # Agents see only the orders assigned to them: anyone else's answers 404, like a missing one.
    Access("orders:detail", roles(200, agent=404), kwargs=lambda o: {"number": o["order"].number}),
    Access("orders:edit", only("superadmin", "manager", "csr"), kwargs=lambda o: {"number": o["order"].number}),
    Access(
        "orders:change_status",
        roles(302, agent=404, viewer=403),  # a viewer changes no status: refused, not a message (issue 15)
        method="post",
        kwargs=lambda o: {"number": o["order"].number},
        data=lambda o: {"status": o["picking"].pk},
    ),
    Access("orders:line_action", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number},
           data=lambda o: {"action": "cancel", "line": o["order"].lines.first().pk}),
    Access("orders:hold", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "check address"}),
    Access("orders:release", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}),
    Access("orders:cancel", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "customer asked"}),
    Access("orders:assign", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}),
    Access("orders:note", roles(302, agent=404, viewer=403), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"text": "called the customer"}),
    Access("orders:delete", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "test order"}),
    Access("orders:restore", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"number": o["deleted"].number}),
    # Mass actions and jobs (a job is visible to its owner only; superadmins see all)
    Access("orders:bulk", roles(302), method="post", data=lambda o: {"action": "export_csv", "order": [o["order"].pk]}),
    Access("orders:jobs", roles(200)),
    Access("orders:job", roles(404, superadmin=200), kwargs=lambda o: {"pk": o["job"].pk}),
    Access("orders:job_report", roles(404, superadmin=200), kwargs=lambda o: {"pk": o["job"].pk}),
    Access("orders:job_file", roles(404), kwargs=lambda o: {"pk": o["job"].pk}),
    # Settings
    Access("orders:status_list", only("superadmin", "manager")),
    Access("orders:status_create", only("superadmin", "manager")),
    Access("orders:status_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["picking"].pk}),
    Access("orders:hold_rule_list", only("superadmin", "manager")),
    Access("orders:hold_rule_create", only("superadmin", "manager")),
    Access("orders:hold_rule_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["rule"].pk}),
    Access("orders:ship_by_list", only("superadmin", "manager")),
    Access("orders:ship_by_rule_create", only("superadmin", "manager")),
    Access("orders:ship_by_rule_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["ship_by_rule"].pk}),
    Access("orders:ship_by_rule_delete", only("superadmin", "manager"),
           kwargs=lambda o: {"pk": o["ship_by_rule"].pk}),
    Access("orders:ship_by_rule_delete", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["ship_by_rule"].pk}),
    Access("orders:warehouse_calendar", only("superadmin", "manager"),
           kwargs=lambda o: {"pk": o["warehouse"].pk}),
    Access("orders:warehouse_calendar", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["warehouse"].pk},
           data=lambda o: {"working_weekdays": ["0", "1"], "holidays": "2026-12-25", "time_zone": "Europe/Berlin"}),
    # Fulfilment
    Access("fulfilment:stock", roles(200, agent=403)),
    Access("fulfilment:stock_receive", only("superadmin", "manager", status=302), method="post"),
    Access("fulfilment:stock_adjust", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["stock"].pk}, data=lambda o: {"counted": "7", "reason": "count"}),
    Access("fulfilment:picklists", only("superadmin", "manager", "warehouse")),
    Access("fulfilment:picklist", only("superadmin", "manager", "warehouse"), kwargs=lambda o: {"pk": o["picklist"].pk}),
    Access("fulfilment:picklist_pdf", only("superadmin", "manager", "warehouse"), kwargs=lambda o: {"pk": o["picklist"].pk}),
    Access("fulfilment:packing", only("superadmin", "manager", "warehouse")),
    Access("fulfilment:pack", only("superadmin", "manager", "warehouse"), kwargs=lambda o: {"number": o["order"].number}),
    Access("fulfilment:ship", only("superadmin", "manager", "warehouse", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"carrier": "DHL"}),
    Access("fulfilment:document", only("superadmin", "manager", "warehouse"),
           kwargs=lambda o: {"number": o["order"].number, "kind": "packing-slip"}),
    # Money (issue 7): agents reach only their own orders (404 otherwise); warehouse and viewers none.
    Access("orders:payment_record", roles(302, warehouse=403, viewer=403, agent=404), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"amount": "0.50", "method": "cash"}),
    Access("orders:payment_failure", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "card declined"}),
    Access("orders:payment_reverse", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number, "pk": o["payment"].pk}, data=lambda o: {"reason": "typo"}),
    Access("orders:expense_record", roles(302, warehouse=403, viewer=403, agent=404), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"category": "delivery", "amount": "1.00"}),
    Access("orders:expense_reverse", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number, "pk": o["expense"].pk}, data=lambda o: {"reason": "typo"}),
    Access("orders:refund_record", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"amount": "0.10", "reason": "goodwill"}),
    Access("orders:refund_execute", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number, "pk": o["refund"].pk}, data=lambda o: {"reference": "BANK-1"}),
    Access("orders:refund_reverse", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number, "pk": o["refund"].pk}, data=lambda o: {"reason": "typo"}),
    # Remittance: managers see every agent's; an agent only their own (another's answers 404).
    Access("orders:remittances", only("superadmin", "manager", "agent") | {"agent": 302}),
    Access("orders:remittance", only("superadmin", "manager", "agent") | {"agent": 404},
           kwargs=lambda o: {"agent_id": o["agent"].pk}),
    Access("orders:remittance_mark", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"agent_id": o["agent"].pk}, data=lambda o: {"amount": "0.10", "currency": "USD"}),
    Access("orders:remittance_reverse", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"agent_id": o["agent"].pk, "pk": o["remittance"].pk}, data=lambda o: {"reason": "short"}),
    # Returns: CSRs create them, the warehouse receives them, viewers read them.
    Access("fulfilment:carriers", only("superadmin", "manager")),
    Access("fulfilment:carrier_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["carrier"].pk}),
    Access("fulfilment:returns", roles(200, agent=403)),
    Access("fulfilment:returns_receiving", only("superadmin", "manager", "warehouse")),
    Access("fulfilment:return", roles(200, agent=403), kwargs=lambda o: {"pk": o["return"].pk}),
    Access("fulfilment:return_receive", only("superadmin", "manager", "warehouse"), kwargs=lambda o: {"pk": o["return"].pk}),
    Access("fulfilment:return_close", only("superadmin", "manager", "csr", "warehouse", status=302), method="post",
           kwargs=lambda o: {"pk": o["return"].pk}),
    Access("fulfilment:return_slip", only("superadmin", "manager", "csr", "warehouse"), kwargs=lambda o: {"pk": o["return"].pk}),
    Access("fulfilment:return_create", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["return"].order.number},
           data=lambda o: {"reason": "damaged", f"line_{o['return'].order.lines.first().pk}": "1"}),
    # CSV order imports (an import is visible to its owner only; superadmins see all)
    # A shop's webhook: no session needed, and no session helps. The matrix posts a multipart form,
    # which is no delivery (415); unsigned JSON is 401 (tests/channels/test_webhook_door.py).
    Access("channels:webhook", roles(415, anonymous=415), method="post",
           kwargs=lambda o: {"connection_id": o["connection"].pk}),
    # eBay's account deletion endpoint: app-wide, no session, eBay signs its notifications. A GET
    # without challenge_code is 400 for everyone; the matrix's unsigned POST is 503 because the tests
    # leave Packline unconfigured for it (signed ones: tests/channels/marketplaces/ebay/).
    Access("channels:ebay_account_deletion", roles(400, anonymous=400)),
    Access("channels:ebay_account_deletion", roles(503, anonymous=503), method="post"),
    Access("channels:import_list", only("superadmin", "manager", "csr")),
    Access("channels:import_upload", only("superadmin", "manager", "csr"), method="post"),
    Access("channels:import_template", only("superadmin", "manager", "csr")),
    Access("channels:import_help", only("superadmin", "manager", "csr")),
    Access("channels:import_detail", only("superadmin", "manager", "csr", status=404) | {"superadmin": 200},
           kwargs=lambda o: {"pk": o["import"].pk}),
    Access("channels:import_mapping", only("superadmin", "manager", "csr", status=404) | {"superadmin": 200}, method="post",
           kwargs=lambda o: {"pk": o["import"].pk}),
    Access("channels:import_start", only("superadmin", "manager", "csr", status=404) | {"superadmin": 302}, method="post",
           kwargs=lambda o: {"pk": o["import"].pk}),
    Access("channels:import_report", only("superadmin", "manager", "csr", status=404) | {"superadmin": 200},
           kwargs=lambda o: {"pk": o["import"].pk}),
    Access("channels:import_errors", only("superadmin", "manager", "csr", status=404) | {"superadmin": 200},
           kwargs=lambda o: {"pk": o["import"].pk}),
    # Connected shops (issue "Sales channels I"): managers and superadmins only. The webhook door takes
    # signed POSTs from shops, who have no session: a GET is refused for everyone alike.
    Access("channels:webhook", roles(405, anonymous=405), kwargs=lambda o: {"connection_id": o["connection"].pk}),
    Access("channels:connection_list", only("superadmin", "manager")),
    Access("channels:connection_add", only("superadmin", "manager")),
    Access("channels:connection_detail", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_pause", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_resume", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_test", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_poll", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:connection_backfill", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["connection"].pk}, data=lambda o: {"since": "2026-11-01"}),
    # Consent of OAuth connections (eBay, TikTok Shop): the fixture's Shopify connection has none, so
    # "Authorise" sends a manager back to its page; a callback without a state is refused, back to the list.
    Access("channels:connection_authorise", only("superadmin", "manager", status=302),
           kwargs=lambda o: {"pk": o["connection"].pk}),
    Access("channels:oauth_callback", only("superadmin", "manager", status=302), kwargs=lambda o: {"kind": "ebay"}),
    Access("channels:sync_run", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["sync_run"].pk}),
    Access("channels:delivery_detail", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["delivery"].pk}),
    Access("channels:delivery_retry", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["delivery"].pk}),
    # A buyer's cancellation request, answered from the order page with its Cancel's permission. The
    # matrix's order is not on that hold: the answer is a message on the order page.
    Access("channels:buyer_cancellation_approve", only("superadmin", "manager", "csr", status=302),
           kwargs=lambda o: {"number": o["order"].number}),
    Access("channels:buyer_cancellation_approve", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number}),
    Access("channels:buyer_cancellation_reject", only("superadmin", "manager", "csr", status=302),
           kwargs=lambda o: {"number": o["order"].number}),
    Access("channels:buyer_cancellation_reject", only("superadmin", "manager", "csr", status=302), method="post",
           kwargs=lambda o: {"number": o["order"].number},
           data=lambda o: {"reason": "seller_reject_apply_product_has_been_packed"}),
    Access("channels:tracking_push_retry", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["push"].pk}),
    # Personal access tokens (issue 18): everyone has their own page; another's token is 404 except
    # for a superadmin, who manages everyone's.
    Access("accounts:api_tokens", roles(200)),
    Access("accounts:api_token_revoke", roles(404, superadmin=200), kwargs=lambda o: {"pk": o["api_token"].pk}),
    Access("accounts:api_token_revoke", roles(404, superadmin=302), method="post",
           kwargs=lambda o: {"pk": o["api_token"].pk}),
    # Staff accounts (issue 20). Password reset and invitation links are for anyone (an unknown link
    # answers its own "no longer works" page). A signed-in session has passed its second factor here
    # (tests/conftest.py), so the code step sends everyone on; managers and superadmins hold an
    # authenticator and may not turn it off (a message, then back to the account page).
    Access("accounts:password_reset", roles(200, anonymous=200)),
    Access("accounts:password_reset_done", roles(200, anonymous=200)),
    Access("accounts:password_reset_confirm", roles(200, anonymous=200),
           kwargs=lambda o: {"uidb64": "MQ", "token": "no-such-token"}),
    Access("accounts:invitation_accept", roles(200, anonymous=200),
           kwargs=lambda o: {"uidb64": "MQ", "token": "no-such-token"}),
    Access("accounts:two_factor_verify", roles(302)),
    Access("accounts:two_factor_setup", roles(200)),
    Access("accounts:two_factor_disable", roles(302), method="post"),
    Access("accounts:recovery_codes", roles(200)),
    Access("accounts:recovery_codes", roles(302), method="post"),
    Access("accounts:account", roles(200)),
    # Passkeys come beside an authenticator app, which only managers and superadmins hold here: the
    # others are sent back to their account page, and the package's JSON endpoints refuse them (403
    # with the reason). A completion without its begin answers 400; nobody here has a passkey to use,
    # and someone else's answers 404. The script's words are for anyone signed in.
    Access("accounts:passkey_add", only("superadmin", "manager", refused=302)),
    Access("accounts:passkey_add", roles(302), method="post", data=lambda o: {"name": "Work laptop"}),
    Access("accounts:passkey_register_begin", only("superadmin", "manager"), method="post"),
    Access("accounts:passkey_register_complete", only("superadmin", "manager", status=400), method="post"),
    Access("accounts:passkey_remove", roles(404), kwargs=lambda o: {"pk": o["passkey"].pk}),
    Access("accounts:passkey_remove", roles(404), method="post", kwargs=lambda o: {"pk": o["passkey"].pk}),
    Access("accounts:passkey_verify_begin", roles(403), method="post"),
    Access("accounts:passkey_verify_complete", roles(403), method="post"),
    Access("accounts:passkey_messages", roles(200)),
    Access("accounts:sessions_end_others", roles(302), method="post"),
    # Someone else's session answers 404, as a missing one.
    Access("accounts:session_end", roles(404), method="post", kwargs=lambda o: {"pk": o["user_session"].pk}),
    # People and the sign-in log: superadmins only.
    Access("accounts:people", only("superadmin")),
    Access("accounts:person_invite", only("superadmin")),
    Access("accounts:person", only("superadmin"), kwargs=lambda o: {"pk": o["agent"].pk}),
    Access("accounts:person_role", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"pk": o["agent"].pk}, data=lambda o: {"role": "viewer"}),
    Access("accounts:person_deactivate", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"pk": o["agent"].pk}),
    Access("accounts:person_reactivate", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"pk": o["agent"].pk}),
    Access("accounts:person_two_factor_reset", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"pk": o["agent"].pk}),
    Access("accounts:person_invitation_resend", only("superadmin", status=302), method="post",
           kwargs=lambda o: {"pk": o["agent"].pk}),
    Access("accounts:sign_in_log", only("superadmin")),
    # The JSON API v1 (issue 18): its document and docs page are public; every operation needs a token
    # and answers as the pages do for the token's user (an agent sees only their own orders: 404).
    Access("api-1:api-root", roles(404, anonymous=404)),
    Access("api-1:openapi-json", roles(200, anonymous=200)),
    Access("api-1:openapi-view", roles(200, anonymous=200)),
    Access("api-1:list_orders", roles(200, anonymous=NO_TOKEN), auth="token"),
    Access("api-1:get_order", roles(200, agent=404, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"number": o["order"].display_number}),
    Access("api-1:get_order_by_channel_id", roles(200, agent=404, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"channel": o["shop_order"].channel.code, "channel_order_id": o["shop_order"].channel_order_id}),
    Access("api-1:order_timeline", roles(200, agent=404, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"number": o["order"].number}),
    Access("api-1:create_order", only("superadmin", "manager", "csr", status=201, anonymous=NO_TOKEN),
           method="post", auth="token",
           data=lambda o: {"customer_id": o["order"].customer_id, "lines": [{"sku": o["order"].lines.first().sku, "quantity": 1}]}),
    Access("api-1:create_orders", only("superadmin", "manager", "csr", status=200, anonymous=NO_TOKEN),
           method="post", auth="token",
           data=lambda o: {"orders": [{"customer_id": o["order"].customer_id, "lines": [{"sku": o["order"].lines.first().sku, "quantity": 1}]}]}),
    # Actions answer as the page's buttons decide: the permission first (403), then the order (404).
    # Warehouse staff pass the gate (they move orders through picking) but may not hold: the workflow
    # refuses with its sentence (409), as the page shows it in a message.
    Access("api-1:change_status", roles(200, warehouse=409, agent=404, viewer=403, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=lambda o: {"number": o["order"].number},
           data=lambda o: {"status": "on-hold", "reason": "check address"}),
    Access("api-1:hold", only("superadmin", "manager", "csr", anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "check address"}),
    # The matrix's order is not on hold: releasing it is refused with the page's sentence (409).
    Access("api-1:release", only("superadmin", "manager", "csr", status=409, anonymous=NO_TOKEN), method="post",
           auth="token", kwargs=lambda o: {"number": o["order"].number}),
    Access("api-1:cancel", only("superadmin", "manager", "csr", anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"reason": "customer asked"}),
    Access("api-1:add_note", roles(200, agent=404, viewer=403, anonymous=NO_TOKEN), method="post", auth="token",
           kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"text": "called the customer"}),
    # A change needs If-Match with the order's ETag; the matrix sends none, so those allowed get 428.
    Access("api-1:update_order", only("superadmin", "manager", "csr", status=428, anonymous=NO_TOKEN), method="patch",
           auth="token", kwargs=lambda o: {"number": o["order"].number}, data=lambda o: {"notes": "call first"}),
    # Shipments, products, stock, customers and jobs (issue 18), with the pages' permissions: the ship
    # form's roles ship (an allocated processing order: 201), whoever sees the order reads its shipments;
    # the stock page's roles read products and stock; the customer search's roles create customers.
    Access("api-1:create_shipment", only("superadmin", "manager", "warehouse", status=201, anonymous=NO_TOKEN),
           method="post", auth="token", kwargs=lambda o: {"number": o["shippable"].number},
           data=lambda o: {"carrier": "dhl", "tracking_number": "JD1"}),
    Access("api-1:list_shipments", roles(200, agent=404, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"number": o["order"].number}),
    Access("api-1:list_carriers", only("superadmin", "manager", "warehouse", anonymous=NO_TOKEN), auth="token"),
    Access("api-1:list_products", roles(200, agent=403, anonymous=NO_TOKEN), auth="token"),
    Access("api-1:get_product", roles(200, agent=403, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"sku": o["stock"].product.sku}),
    Access("api-1:list_stock", roles(200, agent=403, anonymous=NO_TOKEN), auth="token"),
    Access("api-1:list_customers", roles(200, agent=403, anonymous=NO_TOKEN), auth="token"),
    Access("api-1:get_customer", roles(200, agent=403, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"customer_id": o["order"].customer_id}),
    Access("api-1:create_customer", only("superadmin", "manager", "csr", status=201, anonymous=NO_TOKEN),
           method="post", auth="token", data=lambda o: {"name": "Acme Ltd"}),
    # A job by API as from the list: exporting needs orders.export_order (warehouse and agents lack it);
    # a job is its submitter's, and every superadmin's.
    Access("api-1:submit_job", roles(202, warehouse=403, agent=403, anonymous=NO_TOKEN), method="post",
           auth="token", data=lambda o: {"action": "export_csv", "selection": {"ids": [o["order"].number]}}),
    Access("api-1:get_job", roles(404, superadmin=200, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"job_id": o["job"].pk}),
    Access("api-1:job_report", roles(404, superadmin=200, anonymous=NO_TOKEN), auth="token",
           kwargs=lambda o: {"job_id": o["job"].pk}),
    # The job's file as the page's download: the matrix's job has none yet, so 404 for all, as there.
    Access("api-1:job_file", roles(404, anonymous=NO_TOKEN), auth="token", kwargs=lambda o: {"job_id": o["job"].pk}),
    # Outbound webhooks (issue 18): managers and superadmins (orders.manage_webhooks).
    Access("orders:webhook_list", only("superadmin", "manager")),
    Access("orders:webhook_add", only("superadmin", "manager")),
    Access("orders:webhook_edit", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["webhook"].pk}),
    Access("orders:webhook_delete", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["webhook"].pk}),
    Access("orders:webhook_delete", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["webhook"].pk}),
    Access("orders:webhook_log", only("superadmin", "manager"), kwargs=lambda o: {"pk": o["webhook"].pk}),
    Access("orders:webhook_test", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["webhook"].pk}),
    Access("orders:webhook_resend", only("superadmin", "manager", status=302), method="post",
           kwargs=lambda o: {"pk": o["webhook"].pk, "message_id": o["webhook_message"].pk}),
]  # fmt: skip

# URL namespaces whose views are covered by the admin:index row (Django's own admin pages).
UNCOVERED_NAMESPACES = {"admin"}

# The JSON API's assignment, line and money endpoints (issue 18), listed in their own module.
from tests.access_api_money import ROWS as _API_MONEY_ROWS  # noqa: E402

MATRIX += _API_MONEY_ROWS
