from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.domain.errors import ValidationError
from riscossa.domain.money import Money, total


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12.34", 1234),
        ("0.01", 1),
        ("-7.5", -750),
        ("1000", 100000),
        (Decimal("1234.56"), 123456),
        (Decimal("-0.99"), -99),
        (3, 300),
        (0, 0),
    ],
)
def test_of_builds_exact_cents(value: Decimal | int | str, cents: int) -> None:
    assert Money.of(value).cents == cents


@pytest.mark.parametrize("value", [0.1, 12.0, float("nan")])
def test_of_refuses_floats(value: float) -> None:
    with pytest.raises(ValidationError, match="float"):
        Money.of(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["12.345", "abc", "", "NaN", "Infinity", Decimal("0.001")])
def test_of_refuses_non_amounts(value: str | Decimal) -> None:
    with pytest.raises(ValidationError):
        Money.of(value)


@pytest.mark.parametrize("value", [1.5, "12", None, True])
def test_constructor_needs_integer_cents(value: object) -> None:
    with pytest.raises(ValidationError):
        Money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (123456, "1.234,56 €"),
        (0, "0,00 €"),
        (5, "0,05 €"),
        (-123456, "-1.234,56 €"),
        (-5, "-0,05 €"),
        (100000000, "1.000.000,00 €"),
        (99999, "999,99 €"),
    ],
)
def test_format_it(cents: int, text: str) -> None:
    assert Money(cents).format_it() == text


def test_amount_and_str_are_decimal_with_two_places() -> None:
    assert Money(123456).amount == Decimal("1234.56")
    assert str(Money(-5).amount) == "-0.05"
    assert str(Money(100)) == "1.00 EUR"


def test_arithmetic_and_comparison() -> None:
    a, b = Money.of("10.10"), Money.of("0.20")
    assert a + b == Money(1030)
    assert a - b == Money(990)
    assert b - a == Money(-990)
    assert -a == Money(-1010)
    assert b < a
    assert Money.zero() == Money(0)
    assert not Money.zero()
    assert a
    assert a.is_positive() and not a.is_negative()
    assert (-a).is_negative() and not (-a).is_positive()
    assert not Money.zero().is_positive() and not Money.zero().is_negative()
    assert total([a, b, -a]) == b
    assert total(()) == Money.zero()


def test_no_float_rounding_drift() -> None:
    # 0.1 + 0.2 != 0.3 in floats; in cents it is exact.
    assert Money.of("0.10") + Money.of("0.20") == Money.of("0.30")
    assert total([Money.of("0.01")] * 1000) == Money.of("10.00")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_amount_round_trips_through_of(cents: int) -> None:
    money = Money(cents)
    assert Money.of(money.amount) == money
    assert Money.of(str(money.amount)) == money


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_it_parses_back(cents: int) -> None:
    text = Money(cents).format_it()
    assert text.endswith(" €")
    plain = text.removesuffix(" €").replace(".", "").replace(",", ".")
    assert Money.of(plain).cents == cents
