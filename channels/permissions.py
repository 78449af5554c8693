"""What each role may do with sales channels and imports (SPEC 1, 5). accounts/roles.py assembles
every app's grants into the role matrix that sync_roles applies."""

IMPORT = {"sales_channels.import_orders"}
CONNECT = {"sales_channels.manage_connections"}

ROLE_GRANTS: dict[str, set[str]] = {
    "superadmin": IMPORT | CONNECT,
    "manager": IMPORT | CONNECT,
    "csr": IMPORT,
}
