"""Carriers: the common ones every installation starts with, and the tracking link of a shipment."""

from urllib.parse import quote

# name, code, tracking page. The same pages the channel tracking push used before carriers were
# managed (channels/tracking/services.py), so a shop sees the same link.
COMMON_CARRIERS = (
    ("DHL", "dhl", "https://www.dhl.com/en/express/tracking.html?AWB={tracking}"),
    ("DPD", "dpd", "https://tracking.dpd.de/status/en_US/parcel/{tracking}"),
    ("FedEx", "fedex", "https://www.fedex.com/fedextrack/?trknbr={tracking}"),
    ("GLS", "gls", "https://gls-group.com/track/{tracking}"),
    ("Own fleet", "own-fleet", ""),
    ("Parcelforce", "parcelforce", "https://www.parcelforce.com/track-trace?trackNumber={tracking}"),
    ("PostNL", "postnl", "https://jouw.postnl.nl/track-and-trace/{tracking}"),
    ("Royal Mail", "royal-mail", "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}"),
    ("UPS", "ups", "https://www.ups.com/track?tracknum={tracking}"),
    ("USPS", "usps", "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}"),
)


def carriers_seed(carrier_model) -> None:
    """Create the common carriers that are missing (by code). The model is passed in so that the data
    migration can use its historical one."""
    existing = set(carrier_model.objects.values_list("code", flat=True))
    carrier_model.objects.bulk_create(
        [
            carrier_model(name=name, code=code, tracking_url_template=template)
            for name, code, template in COMMON_CARRIERS
            if code not in existing
        ],
        ignore_conflicts=True,
    )


def fill_template(template: str, number: str) -> str:
    if not template or not number.strip():
        return ""
    return template.replace("{tracking}", quote(number.strip(), safe=""))


def tracking_templates() -> dict[str, str]:
    """Every carrier's tracking page by its name and code, lower-cased (one small query)."""
    from fulfilment.models import Carrier

    templates = {}
    for name, code, template in Carrier.objects.values_list("name", "code", "tracking_url_template"):
        templates[name.strip().lower()] = templates[code.lower()] = template
    return templates


def tracking_url(carrier: str, number: str, templates: dict[str, str] | None = None) -> str:
    """The link to follow a parcel: the managed carrier of that name (or code) with the number in its
    template; "" for an unknown carrier, one without a page, or no number."""
    if templates is None:
        templates = tracking_templates()
    return fill_template(templates.get((carrier or "").strip().lower(), ""), number or "")
