from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    verbose_name = "Fulfilment"

    def ready(self) -> None:
        from accounts import navigation, roles
        from fulfilment import events, receivers  # noqa: F401 - registers the event types; connects receivers
        from fulfilment import navigation as fulfilment_navigation
        from fulfilment.bulk_actions import register_fulfilment_actions
        from fulfilment.dashboard import fulfilment_tiles
        from fulfilment.panels import order_panel
        from fulfilment.permissions import ROLE_GRANTS
        from fulfilment.returns_views import returns_panel
        from orders.dashboard import registry as dashboard
        from orders.panels import register_entry_action, register_panel
        from orders.workflow import Stage

        roles.grant(ROLE_GRANTS)
        navigation.register(*fulfilment_navigation.NAVIGATION)
        register_panel(order_panel)
        register_panel(returns_panel)
        register_fulfilment_actions()
        dashboard.register(fulfilment_tiles)
        register_entry_action(Stage.PICKING, "create a picklist (Picklists)")
        register_entry_action(Stage.PICKED, "complete its picklist")
        register_entry_action(Stage.PACKED, "pack it at the packing station")
        register_entry_action(Stage.SHIPPED, "record a shipment with Ship on the order page")
