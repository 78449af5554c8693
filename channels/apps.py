from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    # The folder, the URL namespace and what people read is "channels"; the label stays
    # "sales_channels" because Django Channels (the websocket package) claims "channels", and the label
    # names the tables and permissions ("sales_channels.import_orders").
    name = "channels"
    label = "sales_channels"
    verbose_name = "Sales channels"

    def ready(self) -> None:
        from accounts import navigation, roles
        from channels import navigation as channels_navigation
        from channels.cancellations import events as cancellation_events  # noqa: F401 - registers its event types
        from channels.cancellations.views import buyer_cancellation_panel
        from channels.csv import events  # noqa: F401 - registers the import's event types
        from channels.dashboard import channel_tiles
        from channels.intake import events as intake_events  # noqa: F401 - registers the shops' event types
        from channels.panels import order_panel
        from channels.permissions import ROLE_GRANTS
        from channels.tracking import receivers  # noqa: F401 - shipments reach the tracking outbox
        from orders.dashboard import registry as dashboard
        from orders.panels import register_panel

        roles.grant(ROLE_GRANTS)
        navigation.register(*channels_navigation.NAVIGATION)
        register_panel(order_panel)
        register_panel(buyer_cancellation_panel)
        dashboard.register(channel_tiles)
