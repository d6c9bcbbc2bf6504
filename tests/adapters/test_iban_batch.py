"""The batch check gives, row for row, exactly what check_iban gives."""

from __future__ import annotations

import csv
import string
from collections.abc import Sequence

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.adapters import iban_batch
from riscossa.adapters.iban_batch import COLUMNS, check_ibans
from riscossa.banking.iban import build_iban, check_iban, iban_layout, italian_cin
from riscossa.banking.iban_countries import COUNTRIES
from tests.conftest import EXTERNAL_FIXTURES

Values = Sequence[str | None]

ALNUM = string.digits + string.ascii_uppercase


def per_record(values: Values) -> pl.DataFrame:
    rows = [check_iban(value or "") for value in values]
    return pl.DataFrame(
        {
            "iban": [r.iban for r in rows],
            "code": [r.code.value for r in rows],
            "country": [r.country for r in rows],
            "bank_code": [r.bank_code for r in rows],
            "branch_code": [r.branch_code for r in rows],
            "account": [r.account for r in rows],
            "corrected": [r.corrected for r in rows],
        },
        schema={**{name: pl.String for name in COLUMNS}, "corrected": pl.Boolean},
    )


def assert_same(values: Values) -> None:
    batch = check_ibans(pl.Series("raw", list(values), dtype=pl.String))
    assert batch.columns == list(COLUMNS)
    expected = per_record(values)
    assert batch.schema == expected.schema
    mismatch = batch.with_row_index().filter(
        pl.any_horizontal(pl.col(c).ne_missing(expected.get_column(c)) for c in COLUMNS)
    )
    assert mismatch.is_empty(), (mismatch.head(5), [values[i] for i in mismatch["index"][:5]])


def fixture_values() -> list[str | None]:
    with (EXTERNAL_FIXTURES / "derived" / "ibans_from_test_suites.csv").open(encoding="utf-8") as f:
        derived = [row["iban_as_written"].replace("\\t", "\t") for row in csv.DictReader(f)]
    examples = [
        line
        for path in sorted(
            (EXTERNAL_FIXTURES / "globalcitizen_php-iban" / "example-ibans").iterdir()
        )
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return [*derived, *examples, None, "", "  "]


def test_fixture_vectors() -> None:
    assert_same(fixture_values())


def test_empty_and_all_null_series() -> None:
    assert check_ibans(pl.Series("x", [], dtype=pl.String)).shape == (0, len(COLUMNS))
    assert_same([None, None])
    frame = check_ibans(pl.Series("x", [None, None]))  # dtype Null
    assert frame.get_column("code").to_list() == ["EMPTY", "EMPTY"]


@st.composite
def valid_ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(COUNTRIES)))
    layout = iban_layout(country)[4:]
    pools = {"n": string.digits, "a": string.ascii_uppercase, "c": ALNUM}
    bban = "".join(draw(st.sampled_from(pools[k])) for k in layout)
    if country in ("IT", "SM"):
        bban = italian_cin(bban[1:]) + bban[1:]
    return build_iban(country, bban)


@st.composite
def messy(draw: st.DrawFn) -> str | None:
    """What turns up in a customer file: valid, corrupted, dressed up, blank, garbage."""
    kind = draw(st.sampled_from(["valid", "substituted", "swapped", "cut", "blank", "garbage"]))
    if kind == "blank":
        return draw(st.sampled_from([None, "", " ", "\t", "IBAN", "IBAN:", "\u00a0"]))
    if kind == "garbage":
        return draw(st.text(max_size=40))
    iban = draw(valid_ibans())
    position = draw(st.integers(0, len(iban) - 2))
    if kind == "substituted":
        iban = iban[:position] + draw(st.sampled_from(ALNUM + "OIL")) + iban[position + 1 :]
    elif kind == "swapped":
        iban = iban[:position] + iban[position + 1] + iban[position] + iban[position + 2 :]
    elif kind == "cut":
        iban = iban[:position] + iban[position + 1 :]
    dress = draw(st.sampled_from(["as is", "spaced", "lower", "prefix", "dashes", "nbsp", "wide"]))
    if dress == "spaced":
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    elif dress == "lower":
        iban = iban.lower()
    elif dress == "prefix":
        iban = draw(st.sampled_from(["IBAN ", "iban:", "IBAN: ", "Iban "])) + iban
    elif dress == "dashes":
        iban = "-".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    elif dress == "nbsp":
        iban = "\u00a0".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    elif dress == "wide":
        iban = "".join(chr(ord(ch) + 0xFEE0) for ch in iban)
    return iban


@settings(max_examples=60, deadline=None)
@given(st.lists(messy(), min_size=1, max_size=300))
def test_messy_inputs(values: list[str | None]) -> None:
    assert_same(values)


def test_many_rows_of_each_kind() -> None:
    """Large groups exercise the letter-in-account mod-97 walk and the look-alike rewrite."""
    base = [
        "IT60X0542811101000000123456",
        "IT47L0542811101CC0000123456",  # letters in the account
        build_iban("IT", "L0542811101CC0000123456"),
        "IT60X054281110I000000123456",
        "it60 x054 2811 1010 0000 0123 456",
        "GB82WEST12345698765432",
        "AL47212110090000000235698741",
        "AL472121100900000002356987O1",
    ]
    assert_same(base * 500)


def test_slices_checked_in_threads_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above PARALLEL_MIN_ROWS the input is cut per core; the answer must not change."""
    valid = build_iban("IT", "X0542811101000000123456")
    base = [
        valid,
        valid.lower(),
        "IT65A0542811101000000123456",
        "",
        None,
        "DE89 3704 0044 0532 0130 00",
    ]
    values = [base[i % len(base)] if i % 7 else f"IT{i:025d}" for i in range(250_003)]
    series = pl.Series("raw", values, dtype=pl.String)
    monkeypatch.setattr(iban_batch.os, "cpu_count", lambda: 4)
    threaded = check_ibans(series)
    assert threaded.height == len(values)
    assert threaded.equals(iban_batch._check_slice(series))
