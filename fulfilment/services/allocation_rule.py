"""The allocation rule, in one place: what each line keeps, takes and gives back, and what the timeline
says of it. Pure: it reads nothing and writes nothing; fulfilment/services/allocation.py gathers the
lines and the available stock under their locks, asks `plan`, and writes what it answers, for one order
or for a thousand.

A line wants what is still to ship (ordered, less cancelled, less shipped) while its order holds stock
and nothing otherwise. It keeps what it holds in the warehouse it ships from, up to what it wants, and
gives back the rest (and all it holds elsewhere); what it still wants it takes from available stock in
that warehouse, and what it cannot take is backordered. Lines are served in the order given: oldest
order first, then by position.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from orders.workflow import Stage

# Stages in which an order holds stock (seed 001: even unpaid and concept orders reserve it).
HOLDS_STOCK = frozenset(
    {
        Stage.AWAITING_PAYMENT,
        Stage.DRAFT,
        Stage.PROCESSING,
        Stage.PICKING,
        Stage.PICKED,
        Stage.PACKED,
        Stage.ON_HOLD,
    }
)

Key = tuple[int | None, int | None]  # (warehouse, product) of a stock row


@dataclass(slots=True)
class Held:
    """An allocation a line has now."""

    pk: int
    stock_id: int
    key: Key
    quantity: int


@dataclass(slots=True)
class Need:
    """A line as allocation sees it: where it ships from and how many units it wants reserved."""

    order_id: int
    line_id: int
    sku: str
    key: Key  # the warehouse it ships from and its product; a line without a product wants nothing
    wanted: int
    held: list[Held] = field(default_factory=list)


def wanted(quantity: int, cancelled: int, shipped: int, *, holds_stock: bool, has_product: bool) -> int:
    """Units a line should have reserved now: what is still to ship, while its order holds stock (what is
    picked stays reserved until it ships)."""
    if not holds_stock or not has_product:
        return 0
    return max(quantity - cancelled - shipped, 0)


@dataclass
class Plan:
    """What `plan` decided, for the writer: rows to add, to resize and to remove, the units taken from
    each stock row and by each line, the stock rows given units back, and each order's changes."""

    new: list[tuple[int, int, int]] = field(default_factory=list)  # (line, stock row, quantity)
    resized: dict[int, int] = field(default_factory=dict)  # allocation -> its new quantity
    removed: list[int] = field(default_factory=list)  # allocations
    taken_from: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # stock row -> units
    taken_by: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # line -> units
    freed: set[int] = field(default_factory=set)  # stock rows given units back
    changes: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # order -> what the event says

    def changes_of(self, order_id: int) -> dict[str, list[str]]:
        """What changed for one order (nothing, for an order with no line to allocate)."""
        return self.changes.get(order_id, {"allocated": [], "released": [], "backordered": []})

    def changed_orders(self) -> list[int]:
        """Orders whose timeline gets a stock allocation event: something was taken, given back or is
        still missing."""
        return sorted(order_id for order_id, change in self.changes.items() if any(change.values()))


def plan(needs: list[Need], available: dict[Key, tuple[int, int]]) -> Plan:
    """Decide for `needs` (in the order they are served) given `available`: {key: (stock row, units
    available)} for the locked stock rows. Units given back are not taken again here: they go to the
    oldest backorders afterwards (backorders_allocate), as a receipt's would."""
    left = {key: units for key, (_stock_id, units) in available.items()}
    result = Plan()
    for need in needs:
        change = result.changes.setdefault(
            need.order_id, {"allocated": [], "released": [], "backordered": []}
        )
        kept, growing = 0, None
        for held in need.held:
            keep = min(held.quantity, need.wanted - kept) if held.key == need.key else 0
            if keep < held.quantity:
                change["released"].append(f"{held.quantity - keep} × {need.sku}")
                result.freed.add(held.stock_id)
                if keep == 0:
                    result.removed.append(held.pk)
                else:
                    result.resized[held.pk] = keep
            if keep > 0:
                kept += keep
                growing = (held.pk, keep)
        missing = need.wanted - kept
        take = min(missing, left.get(need.key, 0))
        if take > 0:
            stock_id = available[need.key][0]
            left[need.key] -= take
            if growing is not None:
                result.resized[growing[0]] = growing[1] + take
            else:
                result.new.append((need.line_id, stock_id, take))
            result.taken_from[stock_id] += take
            result.taken_by[need.line_id] += take
            change["allocated"].append(f"{take} × {need.sku}")
            missing -= take
        if missing > 0:
            change["backordered"].append(f"{missing} × {need.sku}")
    return result
