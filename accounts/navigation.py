"""The side navigation, assembled from the entries each app declares in its own navigation.py and
registers in its AppConfig.ready(). Each entry names the permission that shows it (the view checks it
again) and a position, so the menu reads the same whatever order the apps load in."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str
    position: int

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION: list[NavItem] = []


def register(*items: NavItem) -> None:
    """Add an app's entries (once each), keeping the menu in position order."""
    for item in items:
        if item not in NAVIGATION:
            NAVIGATION.append(item)
    NAVIGATION.sort(key=lambda item: item.position)


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if user.has_perm(item.permission)]


# accounts' own entries
ACCOUNTS_NAVIGATION = (
    NavItem("Dashboard", "home", "speedometer2", "accounts.view_dashboard", 0),
    NavItem("People", "accounts:people", "people", "accounts.manage_roles", 900),
    NavItem("Sign-in log", "accounts:sign_in_log", "shield-lock", "accounts.view_signinevent", 910),
)
