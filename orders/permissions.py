"""What each role may do with orders, money and mass actions (SPEC 1). accounts/roles.py assembles
every app's grants into the role matrix that sync_roles applies."""

SEE = {"orders.view_order", "orders.view_all_orders", "orders.view_customer", "orders.view_product"}
VIEWER = SEE | {"orders.export_order"}
# Agents see only the orders assigned to them: no view_all_orders.
AGENT = {
    "orders.view_order",
    "orders.deliver_order",
    "orders.note_order",
    # Money on their own orders only: cash or POS they collected, expenses they paid; their remittance.
    "orders.record_collection",
    "orders.record_delivery_expense",
    "orders.view_remittance",
}
WAREHOUSE = SEE | {"orders.fulfil_order", "orders.return_order", "orders.note_order"}
CSR = SEE | {
    "orders.add_order",
    "orders.change_order",
    "orders.edit_prices",
    "orders.hold_order",
    "orders.cancel_order",
    "orders.assign_order",
    "orders.note_order",
    "orders.export_order",
    "orders.add_customer",
    "orders.change_customer",
    "orders.record_payment",
    "orders.record_expense",
    "orders.record_refund",
}
MANAGER = (
    CSR
    | WAREHOUSE
    | {
        "orders.deliver_order",
        "orders.delete_order",
        "orders.view_status",
        "orders.add_status",
        "orders.change_status",
        "orders.view_holdrule",
        "orders.add_holdrule",
        "orders.change_holdrule",
        "orders.delete_holdrule",
        "orders.view_shipbyrule",
        "orders.add_shipbyrule",
        "orders.change_shipbyrule",
        "orders.delete_shipbyrule",
        "orders.change_warehouse",
        "orders.record_collection",
        "orders.record_delivery_expense",
        "orders.view_remittance",
        "orders.mark_remitted",
        "orders.manage_webhooks",
    }
)
SUPERADMIN = MANAGER | {"orders.restore_order"}

ROLE_GRANTS: dict[str, set[str]] = {
    "superadmin": SUPERADMIN,
    "manager": MANAGER,
    "csr": CSR,
    "warehouse": WAREHOUSE,
    "agent": AGENT,
    "viewer": VIEWER,
}
