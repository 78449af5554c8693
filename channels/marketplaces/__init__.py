"""Marketplace adapters, one folder per platform (shopify/, woocommerce/, ...), each exporting PLATFORM
(channels/marketplaces/base.py says what one must offer)."""

import importlib

from channels.marketplaces.base import Platform

KINDS: dict[str, str] = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "ebay": "eBay",
    "tiktok": "TikTok Shop",
}


def platform(kind: str) -> Platform:
    if kind not in KINDS:
        raise LookupError(f"No marketplace adapter for {kind!r}; known: {', '.join(KINDS)}.")
    return importlib.import_module(f"channels.marketplaces.{kind}").PLATFORM
