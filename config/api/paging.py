"""Cursor paging for the API's lists other than orders (which walk orders.selectors.keyset_page): rows
in the order of one unique column, a page of `limit` plus one read to know whether more follow, and an
opaque cursor naming the last row's key. No COUNT, no OFFSET."""

import base64
import binascii
from collections.abc import Callable

from django.db.models import QuerySet
from ninja.errors import ValidationError


def encode(key: object) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode().rstrip("=")


def _decode(cursor: str, parse: Callable[[str], object]) -> object:
    try:
        return parse(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError(
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "This cursor is not one this list gave; start again without it.",
                }
            ]
        ) from None


def _whole_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise ValueError(raw)
    return int(raw)


def _text(raw: str) -> str:
    if "\x00" in raw:
        raise ValueError(raw)
    return raw


def page(rows: QuerySet, *, key: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """(rows of this page, the next page's cursor or None). `key` is a unique column: "pk" (ids) or a
    unique text column such as a product's SKU."""
    rows = rows.order_by(key)
    if cursor:
        after = _decode(cursor, _whole_id if key in ("pk", "id") else _text)
        rows = rows.filter(**{f"{key}__gt": after})
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    last = found[-1]
    return found, encode(getattr(last, "pk" if key in ("pk", "id") else key))
