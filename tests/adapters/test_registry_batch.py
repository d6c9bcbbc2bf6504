"""``apply_registry`` (joins over frames) gives exactly the verdicts of ``registry_verdict``."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riscossa.adapters.bank_registry_files import read_registry_dir
from riscossa.adapters.registry_batch import ADDED_COLUMNS, RegistrySnapshot, apply_registry
from riscossa.banking.bank_registry import (
    Bank,
    BankEvent,
    BankRegistry,
    Branch,
    EventKind,
    registry_verdict,
)
from riscossa.banking.iban import IbanCheck, IbanCode, build_iban, check_iban, italian_bban
from tests.adapters.test_bank_registry_files import PORTAL_BANKS, PORTAL_BRANCHES, PORTAL_EVENTS
from tests.banking.test_bank_registry import BANKS, BRANCHES, EVENTS

D = dt.date
CHECKER_COLUMNS = ["iban", "code", "country", "bank_code", "branch_code", "account", "corrected"]


def checker_frame(checks: list[IbanCheck]) -> pl.DataFrame:
    """The formal checker's batch layout."""
    return pl.DataFrame(
        [
            (c.iban, c.code.value, c.country, c.bank_code, c.branch_code, c.account, c.corrected)
            for c in checks
        ],
        schema={
            "iban": pl.Utf8,
            "code": pl.Utf8,
            "country": pl.Utf8,
            "bank_code": pl.Utf8,
            "branch_code": pl.Utf8,
            "account": pl.Utf8,
            "corrected": pl.Boolean,
        },
        orient="row",
    )


def expected_rows(
    checks: list[IbanCheck], registry: BankRegistry, as_of: dt.date
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for check in checks:
        finding = registry_verdict(check, registry, as_of)
        proposal = finding.proposal
        rows.append(
            (
                finding.code.value,
                finding.bank_name,
                finding.branch_town,
                proposal.iban if proposal else None,
                proposal.abi if proposal else None,
                proposal.confidence.value if proposal else None,
            )
        )
    return rows


def batch_rows(result: pl.DataFrame) -> list[tuple[object, ...]]:
    return result.select("code", *ADDED_COLUMNS).rows()


def italian(abi: str, cab: str, account: str = "123456", country: str = "IT") -> IbanCheck:
    return check_iban(build_iban(country, italian_bban(abi, cab, account)))


def mixed_checks() -> list[IbanCheck]:
    abis = ["01111", "02222", "03333", "04444", "05555", "06666", "07777", "07601", "09999"]
    cabs = ["11111", "22222", "33333", "44444", "55555", "99999"]
    checks = [italian(a, c) for a, c in itertools.product(abis, cabs)]
    checks += [italian("01111", "11111", "CC77", "SM"), italian("02222", "22222", "9")]
    checks += [
        check_iban("IT65A0542811101000000123456"),  # bad CIN: untouched
        check_iban("DE89370400440532013000"),  # not Italian: untouched
        check_iban(""),
        checks[0],  # duplicates keep their place
    ]
    return checks


@pytest.mark.parametrize("as_of", [D(2015, 6, 30), D(2016, 6, 30), D(2021, 1, 1), D(2024, 6, 30)])
def test_batch_and_record_verdicts_agree_on_a_mixed_frame(as_of: dt.date) -> None:
    snapshot = RegistrySnapshot.from_records(BANKS, EVENTS, BRANCHES, source="test")
    checks = mixed_checks()
    frame = checker_frame(checks)
    result = apply_registry(frame, snapshot, as_of)
    assert result.columns == [*CHECKER_COLUMNS, *ADDED_COLUMNS]
    assert result.select(pl.exclude("code", *ADDED_COLUMNS)).equals(frame.drop("code"))
    assert batch_rows(result) == expected_rows(checks, snapshot.registry, as_of)


def test_every_verdict_and_confidence_occurs_in_the_mixed_frame() -> None:
    snapshot = RegistrySnapshot.from_records(BANKS, EVENTS, BRANCHES, source="test")
    result = apply_registry(checker_frame(mixed_checks()), snapshot, D(2024, 6, 30))
    codes = set(result.get_column("code"))
    assert codes >= {
        "OK",
        "UNKNOWN_BANK",
        "BANK_RETIRED",
        "UNKNOWN_BRANCH",
        "BRANCH_CLOSED",
        "BAD_CIN",
    }
    assert set(result.get_column("proposal_confidence").drop_nulls()) == {"high", "medium", "low"}
    high = result.filter(pl.col("proposal_confidence") == "high").row(0, named=True)
    assert high["proposal_abi"] == "03333"
    assert check_iban(high["proposal_iban"]).code is IbanCode.OK


def test_code_dtype_is_kept() -> None:
    snapshot = RegistrySnapshot.from_records(BANKS, EVENTS, BRANCHES, source="test")
    codes = pl.Enum([c.value for c in IbanCode])
    frame = checker_frame(mixed_checks()).with_columns(pl.col("code").cast(codes))
    result = apply_registry(frame, snapshot, D(2024, 6, 30))
    assert result.schema["code"] == codes
    assert "BANK_RETIRED" in result.get_column("code").cast(pl.Utf8).to_list()


def test_an_empty_batch_and_an_empty_registry() -> None:
    empty = checker_frame([])
    snapshot = RegistrySnapshot.from_records([], source="test")
    assert apply_registry(empty, snapshot, D(2024, 1, 1)).columns == [
        *CHECKER_COLUMNS,
        *ADDED_COLUMNS,
    ]
    result = apply_registry(checker_frame([italian("03069", "01600")]), snapshot, D(2024, 1, 1))
    assert batch_rows(result) == [("UNKNOWN_BANK", None, None, None, None, None)]


# --- random registries ----------------------------------------------------------------------

ABIS = ["00001", "00002", "00003", "00004", "07601"]
CABS = ["10000", "20000", "30000"]
DAYS = st.dates(min_value=D(2000, 1, 1), max_value=D(2000, 1, 12))
MAYBE_DAY = st.none() | DAYS
REASONS = st.sampled_from(["", "CHIUSURA", "INCORPORAZIONE", "Cessione ramo"])

banks = st.builds(
    Bank,
    abi=st.sampled_from(ABIS),
    name=st.sampled_from(["A", "B", "C"]),
    valid_from=MAYBE_DAY,
    valid_to=MAYBE_DAY,
)
events = st.builds(
    BankEvent,
    kind=st.sampled_from(list(EventKind)),
    absorbed_abi=st.sampled_from(ABIS),
    successor_abi=st.sampled_from(ABIS),
    effective_date=DAYS,
)
branches = st.builds(
    Branch,
    abi=st.sampled_from(ABIS),
    cab=st.sampled_from(CABS),
    town=st.sampled_from(["X", "Y"]),
    opened=MAYBE_DAY,
    closed=MAYBE_DAY,
    closing_reason=REASONS,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(banks, max_size=8),
    st.lists(events, max_size=5),
    st.lists(branches, max_size=8),
    DAYS,
)
def test_batch_and_record_verdicts_agree_on_random_registries(
    bank_list: list[Bank], event_list: list[BankEvent], branch_list: list[Branch], as_of: dt.date
) -> None:
    snapshot = RegistrySnapshot.from_records(bank_list, event_list, branch_list, source="test")
    checks = [italian(a, c) for a, c in itertools.product(ABIS, CABS)]
    result = apply_registry(checker_frame(checks), snapshot, as_of)
    assert batch_rows(result) == expected_rows(checks, snapshot.registry, as_of)


def test_registers_read_from_the_portal_layout(tmp_path: Path) -> None:
    """UBI (03111) absorbed by Intesa Sanpaolo (03069): a Brescia branch carried over."""
    directory = tmp_path / "portal"
    directory.mkdir()
    for name, text in (
        ("2026-09-23_INTERMEDIARI.csv", PORTAL_BANKS),
        ("2026-09-23_EVENTI_STRUTTURALI.csv", PORTAL_EVENTS),
        ("2026-09-23_SUCCURSALI_BANCHE.csv", PORTAL_BRANCHES),
    ):
        (directory / name).write_text(text, encoding="utf-8")
    read = read_registry_dir(directory)
    snapshot = RegistrySnapshot(read.banks, read.events, read.branches, source="bancaditalia")
    checks = [
        italian("03111", "11200", "4711"),
        italian("03111", "54110"),
        italian("03069", "11200"),
    ]
    as_of = D(2024, 6, 30)
    result = apply_registry(checker_frame(checks), snapshot, as_of)
    assert batch_rows(result) == expected_rows(checks, snapshot.registry, as_of)
    rows = result.select("code", "bank_name", "branch_town", "proposal_abi", "proposal_confidence")
    assert rows.rows() == [
        ("BANK_RETIRED", "UBI  BANCA", "BRESCIA", "03069", "high"),
        ("BANK_RETIRED", "UBI  BANCA", "MILANO", "03069", "low"),
        ("OK", "INTESA SANPAOLO", "BRESCIA", None, None),
    ]
    assert result.item(0, "proposal_iban") == build_iban(
        "IT", italian_bban("03069", "11200", "4711")
    )
