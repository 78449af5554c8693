"""Extension points of the order detail page, for apps built on orders (fulfilment, money, ...).

orders never imports those apps: they register here in their AppConfig.ready(). A panel provider
returns None or (template name, context) for an order and the viewing user; an entry action names a
stage that is entered only through that app's own action (a shipment, a picklist), so the generic
status change leaves it out and says where to go instead.
"""

from collections.abc import Callable

PanelProvider = Callable[[object, object], tuple[str, dict] | None]

_panel_providers: list[PanelProvider] = []
ENTRY_ACTIONS: dict[str, str] = {}


def register_panel(provider: PanelProvider) -> PanelProvider:
    if provider not in _panel_providers:
        _panel_providers.append(provider)
    return provider


def register_entry_action(stage: str, how: str) -> None:
    ENTRY_ACTIONS[stage] = how


def panels_for(order, user) -> list[tuple[str, dict]]:
    return [panel for provider in _panel_providers if (panel := provider(order, user)) is not None]
