from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        import config.postgresql.lookups  # noqa: F401 - registers field__any for every app
        from accounts import navigation, roles
        from orders import navigation as orders_navigation
        from orders.dashboard import registry as dashboard
        from orders.dashboard.tiles import order_tiles
        from orders.jobs.actions import register_order_actions
        from orders.money.events import MoneyEvent  # noqa: F401 - registers the money event types
        from orders.money.views import money_panel
        from orders.panels import register_panel
        from orders.permissions import ROLE_GRANTS

        roles.grant(ROLE_GRANTS)
        navigation.register(*orders_navigation.NAVIGATION)
        register_order_actions()
        register_panel(money_panel)
        dashboard.register(order_tiles)
