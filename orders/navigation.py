"""The orders app's entries in the side navigation (accounts/navigation.py assembles every app's)."""

from accounts.navigation import NavItem

NAVIGATION = (
    NavItem("Orders", "orders:list", "receipt", "orders.view_order", 100),
    NavItem("New order", "orders:new", "plus-square", "orders.add_order", 110),
    NavItem("Deliveries", "orders:deliveries", "truck", "orders.deliver_order", 300),
    NavItem("Remittance", "orders:remittances", "cash-coin", "orders.view_remittance", 310),
    NavItem("Statuses", "orders:status_list", "palette", "orders.view_status", 800),
    NavItem("Hold rules", "orders:hold_rule_list", "sign-stop", "orders.view_holdrule", 810),
    NavItem("Ship-by rules", "orders:ship_by_list", "alarm", "orders.view_shipbyrule", 815),
    NavItem("Webhooks", "orders:webhook_list", "send", "orders.manage_webhooks", 820),
)
