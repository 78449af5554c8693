from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from orders import lookups  # noqa: F401 - registers field__any
        from orders.bulk_actions import register_order_actions
        from orders.money_views import money_panel
        from orders.panels import register_panel

        register_order_actions()
        register_panel(money_panel)
