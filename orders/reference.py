"""The orders app's reference data as every request reads it: kept in the process until one of its
tables changes (config/reference_cache.py). The values are shared: read them, never change them.

One kept value holds all of it, so that a service that needs several parts (order_create: the manual
channel, the default warehouse, the built-in statuses, the hold and ship-by rules) checks the
generation once: it calls order_reference() and passes the parts on, as batched creation does."""

from dataclasses import dataclass

from config.reference_cache import reference
from orders.models import Channel, HoldRule, ShipByRule, Status, Warehouse


@dataclass(frozen=True, slots=True)
class OrderReference:
    builtin: dict[str, Status]  # each stage's built-in status, by stage
    channels: dict[str, Channel]  # by code
    default_warehouse: Warehouse | None
    hold_rules: list[HoldRule]  # the active ones, in their order
    ship_by_rules: list[ShipByRule]

    def channel(self, code: str) -> Channel:
        """The channel with this code; Channel.DoesNotExist when there is none."""
        try:
            return self.channels[code]
        except KeyError:
            raise Channel.DoesNotExist(f"No channel has the code {code!r}.") from None


def _load() -> OrderReference:
    return OrderReference(
        builtin={status.stage: status for status in Status.objects.filter(is_builtin=True)},
        channels={channel.code: channel for channel in Channel.objects.all()},
        default_warehouse=Warehouse.objects.filter(is_default=True).first(),
        hold_rules=list(HoldRule.objects.filter(active=True)),
        ship_by_rules=list(ShipByRule.objects.all()),
    )


def order_reference() -> OrderReference:
    return reference("orders", _load)
