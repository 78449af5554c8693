"""The dashboard's extension point: apps built on orders (fulfilment, channels) register a tile
provider in their AppConfig.ready(), so orders never imports them.

A provider takes the user and the time the page is drawn and returns the tiles that user gets. A tile
is either an order list tile, given as the list's own query string (the dashboard counts it through
the list's own filters, so the tile and the list it links to agree), or a page tile with its value
and the page that shows it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse

# Sections in the order the page shows them.
SECTIONS = ("My work", "Orders", "Ship-by", "Warehouse", "Deliveries", "Needs attention")


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    section: str
    query: tuple[tuple[str, str], ...] = ()  # an order list tile: the list's query string
    url: str = ""  # a page tile: the page behind it
    value: str = ""  # a page tile's figure, as shown
    count: int | None = None  # a page tile's count of rows on that page, when it is one
    hide_when_zero: bool = False  # one of many similar tiles (a hold reason): shown only when it counts

    @property
    def is_order_list(self) -> bool:
        return not self.url

    @property
    def href(self) -> str:
        return self.url or f"{reverse('orders:list')}?{urlencode(self.query)}"


TileProvider = Callable[[object, datetime], list[Tile]]

_providers: list[TileProvider] = []


def register(provider: TileProvider) -> TileProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def tiles_for(user, now: datetime) -> list[Tile]:
    tiles = [tile for provider in _providers for tile in provider(user, now)]
    unknown = {tile.section for tile in tiles} - set(SECTIONS)
    if unknown:
        raise ValueError(f"Unknown dashboard sections {sorted(unknown)}; sections are {SECTIONS}.")
    return tiles
