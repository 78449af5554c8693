"""Packline's carrier names as eBay's shipping carrier codes, for createShippingFulfillment.

eBay accepts the codes of the Trading API's ShippingCarrierCodeType (GeteBayDetails with
ShippingCarrierDetails lists the current ones). A name not in this table is refused before anything is
sent: eBay would either refuse the fulfilment or show the buyer a carrier it cannot track.
"""

from channels.marketplaces.base import PlatformError

# Packline's name (compared without case, spaces, dots or hyphens) -> eBay's code.
EBAY_CARRIER_CODES = {
    "DHL": "DHL",
    "DHL Express": "DHL",
    "Deutsche Post": "DeutschePost",
    "UPS": "UPS",
    "FedEx": "FedEx",
    "USPS": "USPS",
    "Royal Mail": "RoyalMail",
    "Parcelforce": "Parcelforce",
    "DPD": "DPD",
    "GLS": "GLS",
    "PostNL": "PostNL",
    "Hermes": "Hermes",
}


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


_BY_KEY = {_key(name): code for name, code in EBAY_CARRIER_CODES.items()}
# eBay's own codes are accepted as given ("RoyalMail", "DeutschePost").
_BY_KEY.update({_key(code): code for code in EBAY_CARRIER_CODES.values()})


def ebay_carrier_code(carrier: str) -> str:
    """eBay's code for a Packline carrier name; PlatformError(permanent) when eBay has none for it."""
    code = _BY_KEY.get(_key(carrier or ""))
    if code is None:
        known = ", ".join(sorted(EBAY_CARRIER_CODES, key=str.casefold))
        raise PlatformError(
            f"eBay does not know the carrier {carrier!r}; use one of {known}.", permanent=True
        )
    return code
