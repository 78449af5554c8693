"""The role matrix: which role holds which permission. sync_roles, the tests and docs read this."""

ROLE_LABELS: dict[str, str] = {
    "superadmin": "Superadmin",
    "manager": "Manager",
    "csr": "Customer service",
    "warehouse": "Warehouse",
    "agent": "Delivery agent",
    "viewer": "Viewer",
}

# Permissions are "app_label.codename". Each role lists what it holds outright; roles do not
# inherit from one another so that the table reads the same as SPEC section 1.
SEE_ORDERS = {
    "accounts.view_dashboard",
    "orders.view_order",
    "orders.view_all_orders",
    "orders.view_customer",
    "orders.view_product",
}
VIEWER = SEE_ORDERS | {
    "fulfilment.view_stockitem",
    "fulfilment.view_returnrequest",
    "orders.export_order",
}
# Agents see only the orders assigned to them: no view_all_orders.
AGENT = {
    "accounts.view_dashboard",
    "orders.view_order",
    "orders.deliver_order",
    "orders.note_order",
    # Money on their own orders only: cash or POS they collected, expenses they paid; their remittance.
    "orders.record_collection",
    "orders.record_delivery_expense",
    "orders.view_remittance",
}
WAREHOUSE = SEE_ORDERS | {
    "fulfilment.view_stockitem",
    "fulfilment.pick_order",
    "fulfilment.pack_order",
    "fulfilment.ship_order",
    "fulfilment.print_documents",
    "orders.fulfil_order",
    "orders.return_order",
    "orders.note_order",
    "fulfilment.view_returnrequest",
    "fulfilment.receive_return",
}
CSR = SEE_ORDERS | {
    "fulfilment.view_stockitem",
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
    "sales_channels.import_orders",
    "orders.record_payment",
    "orders.record_expense",
    "orders.record_refund",
    "fulfilment.view_returnrequest",
    "fulfilment.create_return",
}
MANAGER = (
    CSR
    | WAREHOUSE
    | {
        "accounts.view_user",
        "orders.deliver_order",
        "orders.delete_order",
        "fulfilment.adjust_stock",
        "orders.view_status",
        "orders.add_status",
        "orders.change_status",
        "orders.view_holdrule",
        "orders.add_holdrule",
        "orders.change_holdrule",
        "orders.delete_holdrule",
        "orders.record_collection",
        "orders.record_delivery_expense",
        "orders.view_remittance",
        "orders.mark_remitted",
    }
)
SUPERADMIN = MANAGER | {
    "accounts.add_user",
    "accounts.change_user",
    "accounts.manage_roles",
    "orders.restore_order",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    "superadmin": SUPERADMIN,
    "manager": MANAGER,
    "csr": CSR,
    "warehouse": WAREHOUSE,
    "agent": AGENT,
    "viewer": VIEWER,
}


def roles_with(permission: str) -> set[str]:
    """The roles that hold a permission, for tests and documentation."""
    return {role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions}
