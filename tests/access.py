"""The access matrix: every URL, for every role and anonymous, with the status it must answer.

Each later view adds its rows here; tests/test_access_matrix.py walks them all and checks that no
named URL is missing from the table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.roles import ROLE_LABELS

ROLES = tuple(ROLE_LABELS)
ANONYMOUS = "anonymous"
LOGIN = 302  # anonymous users are sent to the login page


@dataclass(frozen=True)
class Access:
    url_name: str
    expect: dict[str, int]
    method: str = "get"
    # Builds the URL's kwargs from the objects fixture (see test_access_matrix.py).
    kwargs: Callable[[dict], dict] = field(default=lambda objects: {})
    data: Callable[[dict], dict] = field(default=lambda objects: {})

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
]

# URL namespaces whose views are covered by the admin:index row (Django's own admin pages).
UNCOVERED_NAMESPACES = {"admin"}
