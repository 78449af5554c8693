"""The one way every platform's mapping reads a JSON value (channels/marketplaces/values.py)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.marketplaces.values import cents, decimal_of, loads, shown, text_of, utc_of, whole_number


def test_bodies_are_read_with_exact_amounts():
    assert loads('{"price": 19.99, "quantity": 2}') == {"price": Decimal("19.99"), "quantity": 2}


@pytest.mark.parametrize(
    ("value", "text"),
    [(" Ada ", "Ada"), (12, "12"), (None, ""), (True, ""), ({"a": 1}, ""), (["a"], "")],
)
def test_text_is_stripped_and_never_a_structure_or_a_boolean(value, text):
    assert text_of(value) == text


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("12.50", Decimal("12.50")), (" 3 ", Decimal(3)), (7, Decimal(7)), (0.1, Decimal("0.1")),
        (Decimal("2.5"), Decimal("2.5")), ("12,50", None), ("NaN", None), ("Infinity", None),
        (True, None), (None, None), ([1], None), ((0, (1,), -2), None),
    ],
)  # fmt: skip
def test_amounts_are_finite_decimals_or_none(value, amount):
    assert decimal_of(value) == amount


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3), ("3", 3), ("3.0", 3), (Decimal("-2"), -2), ("2.5", None), (True, None), ("", None)],
)
def test_whole_numbers(value, number):
    assert whole_number(value) == number


def test_times_without_an_offset_are_utc_and_others_are_turned_to_utc():
    assert utc_of("2017-03-22T19:28:08") == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert utc_of("2015-08-04T19:09:02.768Z") == datetime(2015, 8, 4, 19, 9, 2, 768000, tzinfo=UTC)
    east = utc_of("2024-01-01T10:00:00+02:00")
    assert east == datetime(2024, 1, 1, 8, 0, tzinfo=UTC) and east.tzinfo == UTC
    with pytest.raises(ValueError):
        utc_of("last Tuesday")
    with pytest.raises(TypeError):
        utc_of(1700000000)


def test_a_refused_value_is_quoted_short():
    assert shown(Decimal("-3.60")) == "-3.60"
    assert shown("12,50") == "'12,50'"
    long = shown("x" * 200)
    assert len(long) == 60 and long.endswith("...")


def test_cents_round_half_up():
    assert cents(Decimal("0.125")) == Decimal("0.13") and cents(Decimal("-0.125")) == Decimal("-0.13")
