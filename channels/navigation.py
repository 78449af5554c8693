"""The channels app's entries in the side navigation (accounts/navigation.py assembles every app's)."""

from accounts.navigation import NavItem

NAVIGATION = (
    NavItem("Import orders", "channels:import_list", "upload", "sales_channels.import_orders", 200),
    NavItem("Sales channels", "channels:connection_list", "shop", "sales_channels.manage_connections", 210),
)
