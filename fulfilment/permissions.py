"""What each role may do with stock, picking, packing, shipping, documents and returns (SPEC 1, 3).
accounts/roles.py assembles every app's grants into the role matrix that sync_roles applies."""

SEE = {"fulfilment.view_stockitem", "fulfilment.view_returnrequest"}
WAREHOUSE = SEE | {
    "fulfilment.pick_order",
    "fulfilment.pack_order",
    "fulfilment.ship_order",
    "fulfilment.print_documents",
    "fulfilment.receive_return",
}
CSR = SEE | {"fulfilment.create_return"}
# Managers keep the list of carriers shipments choose from (issue 19).
CARRIERS = {"fulfilment.view_carrier", "fulfilment.add_carrier", "fulfilment.change_carrier"}
MANAGER = CSR | WAREHOUSE | CARRIERS | {"fulfilment.adjust_stock"}

ROLE_GRANTS: dict[str, set[str]] = {
    "superadmin": MANAGER,
    "manager": MANAGER,
    "csr": CSR,
    "warehouse": WAREHOUSE,
    "viewer": SEE,
}
