"""eBay adapter fixtures: payloads written from eBay's Sell Fulfillment documentation."""

from pathlib import Path

from channels.marketplaces.ebay.mapping import loads

FIXTURES = Path(__file__).parent / "fixtures"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict:
    return loads(raw(name))
