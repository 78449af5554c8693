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
VIEWER = {
    "accounts.view_dashboard",
}
AGENT = {
    "accounts.view_dashboard",
}
WAREHOUSE = {
    "accounts.view_dashboard",
}
CSR = {
    "accounts.view_dashboard",
}
MANAGER = (
    CSR
    | WAREHOUSE
    | {
        "accounts.view_user",
    }
)
SUPERADMIN = MANAGER | {
    "accounts.add_user",
    "accounts.change_user",
    "accounts.manage_roles",
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
