"""The role matrix: which role holds which permission. Each app declares its own grants in its
permissions.py and registers them in its AppConfig.ready(); accounts only assembles them.
sync_roles, the tests and the docs read ROLE_PERMISSIONS once Django is set up."""

ROLE_LABELS: dict[str, str] = {
    "superadmin": "Superadmin",
    "manager": "Manager",
    "csr": "Customer service",
    "warehouse": "Warehouse",
    "agent": "Delivery agent",
    "viewer": "Viewer",
}

# The roles that can do the most damage sign in with a second factor (issue 20): they are sent to
# enrolment at their next sign-in and reach nothing else until enrolled. Other roles may enrol.
SECOND_FACTOR_ROLES: tuple[str, ...] = ("superadmin", "manager")
SECOND_FACTOR_PERMISSION = "accounts.sign_in_with_second_factor"

# Permissions are "app_label.codename". Each role lists what it holds outright; roles do not
# inherit from one another so that the table reads the same as SPEC section 1.
ACCOUNTS_GRANTS: dict[str, set[str]] = {
    "superadmin": {
        "accounts.view_dashboard",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.manage_roles",
        "accounts.manage_api_tokens",
        "accounts.view_signinevent",
    },
    "manager": {"accounts.view_dashboard", "accounts.view_user"},
    "csr": {"accounts.view_dashboard"},
    "warehouse": {"accounts.view_dashboard"},
    "agent": {"accounts.view_dashboard"},
    "viewer": {"accounts.view_dashboard"},
}

for _role in SECOND_FACTOR_ROLES:
    ACCOUNTS_GRANTS[_role].add(SECOND_FACTOR_PERMISSION)

ROLE_PERMISSIONS: dict[str, set[str]] = {role: set() for role in ROLE_LABELS}


def grant(role_grants: dict[str, set[str]]) -> None:
    """Add an app's grants to the matrix (idempotent: sets)."""
    unknown = set(role_grants) - set(ROLE_LABELS)
    if unknown:
        raise ValueError(f"Unknown roles {sorted(unknown)}; roles are {sorted(ROLE_LABELS)}.")
    for role, permissions in role_grants.items():
        ROLE_PERMISSIONS[role] |= set(permissions)


def roles_with(permission: str) -> set[str]:
    """The roles that hold a permission, for tests and documentation."""
    return {role for role, permissions in ROLE_PERMISSIONS.items() if permission in permissions}
