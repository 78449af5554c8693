"""Template helpers for order pages: status colours under the CSP, money, event wording."""

import json
from urllib.parse import quote

from django import template
from django.utils.html import format_html, format_html_join

from orders.models import HoldReason, Status

register = template.Library()


def _text_colour(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if (0.299 * red + 0.587 * green + 0.114 * blue) > 150 else "#fff"


@register.simple_tag(takes_context=True)
def status_styles(context, *statuses: Status) -> str:
    """One nonce'd style block for the status colours: the CSP forbids inline style attributes.
    Every status by default; a page that shows only some names them (`{% status_styles order.status %}`)
    and saves the query."""
    rules = format_html_join(
        "\n",
        ".status-{} {{ background-color: {}; color: {}; }}",
        (
            (status.pk, status.colour, _text_colour(status.colour))
            for status in (statuses or Status.objects.all())
        ),
    )
    return format_html('<style nonce="{}">\n{}\n</style>', context.get("csp_nonce", ""), rules)


@register.filter
def money(value, currency: str = "") -> str:
    if value is None:
        return ""
    return f"{value:,.2f} {currency}".strip()


@register.filter
def to_json(value) -> str:
    """JSON for a data- attribute (autoescaping makes it safe inside the quotes)."""
    return json.dumps(value, sort_keys=True)


@register.filter
def hold_label(reason: str) -> str:
    return HoldReason(reason).label if reason in HoldReason.values else reason


@register.filter
def address_lines(address: dict) -> list[str]:
    """An address as the lines a label shows: street, city and postcode, region, country."""
    address = address or {}
    lines = [address.get(key, "") for key in ("name", "line1", "line2")]
    lines.append(" ".join(part for part in (address.get("city", ""), address.get("postcode", "")) if part))
    lines += [address.get("region", ""), address.get("country", ""), address.get("phone", "")]
    return [line for line in lines if line]


# Contact links (issue 19): a phone number dials, an address opens a map -----------------------------

MAP_SEARCH = "https://www.openstreetmap.org/search?query="


@register.filter
def tel_href(phone: str) -> str:
    """A `tel:` URI: the digits and a leading +, nothing else ("+44 (0)20 7946-0018" dials as typed
    minus the spaces and punctuation). Empty when there is nothing to dial."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch in "0123456789")
    if not digits:
        return ""
    return f"tel:{'+' if phone.startswith('+') else ''}{digits}"


@register.filter
def map_href(address: dict) -> str:
    """An OpenStreetMap search for the address (street, city, postcode, region, country; not the name
    or phone). A web URL rather than geo:, which needs coordinates we do not have and which desktop
    browsers do not open; on a phone the OSM page offers directions. Empty without an address."""
    address = address or {}
    parts = [address.get(key, "") for key in ("line1", "line2", "city", "postcode", "region", "country")]
    query = ", ".join(part.strip() for part in parts if part and part.strip())
    return MAP_SEARCH + quote(query) if query else ""
