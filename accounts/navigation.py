"""The side navigation: each entry names the permission that shows it (the view checks it again)."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION: list[NavItem] = [
    NavItem("Dashboard", "home", "speedometer2", "accounts.view_dashboard"),
    NavItem("Orders", "orders:list", "receipt", "orders.view_order"),
    NavItem("New order", "orders:new", "plus-square", "orders.add_order"),
    NavItem("Import orders", "imports:list", "upload", "sales_channels.import_orders"),
    NavItem("Deliveries", "orders:deliveries", "truck", "orders.deliver_order"),
    NavItem("Remittance", "orders:remittances", "cash-coin", "orders.view_remittance"),
    NavItem("Picklists", "fulfilment:picklists", "list-check", "fulfilment.pick_order"),
    NavItem("Packing station", "fulfilment:packing", "box-seam", "fulfilment.pack_order"),
    NavItem("Stock", "fulfilment:stock", "boxes", "fulfilment.view_stockitem"),
    NavItem("Returns", "fulfilment:returns", "arrow-return-left", "fulfilment.view_returnrequest"),
    NavItem("Statuses", "orders:status_list", "palette", "orders.view_status"),
    NavItem("Hold rules", "orders:hold_rule_list", "sign-stop", "orders.view_holdrule"),
    NavItem("Users", "admin:accounts_user_changelist", "people", "accounts.manage_roles"),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if user.has_perm(item.permission)]
