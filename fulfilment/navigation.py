"""The fulfilment app's entries in the side navigation (accounts/navigation.py assembles every app's)."""

from accounts.navigation import NavItem

NAVIGATION = (
    NavItem("Picklists", "fulfilment:picklists", "list-check", "fulfilment.pick_order", 400),
    NavItem("Packing station", "fulfilment:packing", "box-seam", "fulfilment.pack_order", 410),
    NavItem("Stock", "fulfilment:stock", "boxes", "fulfilment.view_stockitem", 420),
    NavItem("Returns", "fulfilment:returns", "arrow-return-left", "fulfilment.view_returnrequest", 430),
    NavItem("Carriers", "fulfilment:carriers", "truck-front", "fulfilment.change_carrier", 440),
)
