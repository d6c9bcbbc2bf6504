import datetime as dt

import polars as pl
import pytest

from riscossa.adapters.cell_parsing import italian_preferred, parse_amount, parse_date


def amounts(values: list[str | None], prefer: bool | None = None) -> list[tuple]:
    series = pl.Series("a", values, dtype=pl.Utf8)
    pref = italian_preferred(series) if prefer is None else prefer
    value, error = parse_amount(series, pref)
    return list(zip(value.to_list(), error.to_list(), strict=True))


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.234,56", 123456),
        ("1234,56", 123456),
        ("€ 1.234,56", 123456),
        ("1.234,56 €", 123456),
        ("EUR 12,5", 1250),
        ("-5,50", -550),
        ("5,50-", -550),
        ("(5,50)", -550),
        ("1.000.000,00", 100000000),
        ("0,01", 1),
        ("12", 1200),
        ("18,150", 1815),
        ("1\u00a0234,56", 123456),
    ],
)
def test_italian_amounts(text: str, cents: int) -> None:
    assert amounts([text], prefer=True) == [(cents, None)]


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1,234.56", 123456), ("1234.56", 123456), ("12.1", 1210), ("1,000,000.00", 100000000)],
)
def test_english_amounts(text: str, cents: int) -> None:
    assert amounts([text], prefer=False) == [(cents, None)]


def test_ambiguous_values_follow_the_column() -> None:
    italian = amounts(["1.234", "5,50"])
    assert italian[0] == (123400, None)
    english = amounts(["1.234", "5.50", "7.25"])
    assert english[0][0] is None  # 1.234 euro has three decimals
    assert "more than two decimals" in english[0][1]


@pytest.mark.parametrize("text", ["abc", "12,345,67", "1.2.3,4", "--5", "12,345.678,9"])
def test_bad_amounts_are_errors_naming_the_value(text: str) -> None:
    [(value, error)] = amounts([text], prefer=True)
    assert value is None
    assert text in error


def test_blank_amount_is_null_without_error() -> None:
    assert amounts(["", "  ", None], prefer=True) == [(None, None)] * 3


def dates(values: list[str | None]) -> list[tuple]:
    value, error = parse_date(pl.Series("d", values, dtype=pl.Utf8))
    return list(zip(value.to_list(), error.to_list(), strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2025", dt.date(2025, 3, 31)),
        ("1/3/2025", dt.date(2025, 3, 1)),
        ("31-03-2025", dt.date(2025, 3, 31)),
        ("31.03.2025", dt.date(2025, 3, 31)),
        ("31/03/25", dt.date(2025, 3, 31)),
        ("2025-03-31", dt.date(2025, 3, 31)),
        ("2025-03-31 00:00:00", dt.date(2025, 3, 31)),
        ("20250331", dt.date(2025, 3, 31)),
        ("45747", dt.date(2025, 3, 31)),  # Excel serial
    ],
)
def test_dates(text: str, expected: dt.date) -> None:
    assert dates([text]) == [(expected, None)]


@pytest.mark.parametrize(
    "text", ["31/02/2025", "13/13/2025", "03/31/2025", "yesterday", "1/1/1850"]
)
def test_bad_dates(text: str) -> None:
    [(value, error)] = dates([text])
    assert value is None
    assert text in error and "DD/MM/YYYY" in error
