"""How every platform's mapping reads the values of a JSON body (Shopify, WooCommerce, eBay, TikTok Shop):
text, amounts, whole numbers and times, each read one way, and how a refused value is quoted in a problem.
A value that cannot be read is None (or "" for text), for the mapping to name as a problem or pass over."""

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def loads(body: bytes | str):
    """A platform's JSON body with every fraction as Decimal, never float."""
    return json.loads(body, parse_float=Decimal)


def text_of(value) -> str:
    """The value as stripped text; "" when it is missing, a boolean or a structure (object, list)."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def shown(value) -> str:
    """A value as a problem quotes it: amounts as written, text in quotes, cut at 60 characters."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def decimal_of(value) -> Decimal | None:
    """A finite Decimal from a JSON amount (a string, an int or a Decimal; a float when the body was
    not read with `loads`, taken by its shortest text), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    elif not isinstance(value, str | int | Decimal):
        return None
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def whole_number(value) -> int | None:
    """An int from a JSON whole number, written as a number or as text ("3", "3.0"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    amount = decimal_of(value)
    if amount is None or amount != amount.to_integral_value():
        return None
    return int(amount)


def utc_of(value) -> datetime:
    """An ISO 8601 time in UTC. A time without an offset is UTC (WooCommerce's *_gmt fields, eBay's
    dates). Raises TypeError or ValueError for anything else, for the caller to name."""
    if not isinstance(value, str):
        raise TypeError(value)
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
