"""The channel framework's timeline events (SPEC 2.4: channel syncs on the order's timeline)."""

from orders.events import register
from orders.wording import e


def _noticed(p: dict) -> str:
    return f"{e(p.get('shop', ''))}: {e(p.get('text', ''))}"


def _pushed(p: dict) -> str:
    return f"Tracking {e(p.get('tracking_number', ''))} ({e(p.get('carrier', ''))}) sent to {e(p.get('shop', ''))}."


def _push_failed(p: dict) -> str:
    return f"Tracking could not be sent to {e(p.get('shop', ''))}: {e(p.get('error', ''))}"


class ChannelEvent:
    NOTICED = register("channel.noticed", "From the shop", _noticed)
    TRACKING_PUSHED = register("channel.tracking_pushed", "Tracking sent to the shop", _pushed)
    TRACKING_FAILED = register("channel.tracking_failed", "Tracking not sent", _push_failed)
