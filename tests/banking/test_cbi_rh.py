"""CBI RH movement flows, written from the published layout, read back as statements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.banking.cbi_rh import looks_like, parse_cbi_rh
from riscossa.banking.statement_model import Statement, StatementEntry
from riscossa.domain.errors import ImportFileError
from tests.banking.cbi_rh_samples import (
    Account,
    Movement,
    flow_records,
    free,
    id1,
    join,
    put,
    record,
    remittance,
    yy2,
    yyy,
)
from tests.conftest import EXTERNAL_FIXTURES

DAY = dt.date(2025, 1, 14)
NEXT = dt.date(2025, 1, 15)
PAYER_IBAN = "IT02L1234512345123456789012"
REMITTANCE = (
    "/RFB/RF18539007547034 FATTURA 2024/0042 DEL 10/12/2024 CONTRATTO 77-1234 "
    "UTENZA ACQUA VIA DEI MILLE 12 FORLI RATA 3 DI 6 SALDO"
)
FREE_FIRST = "ACCREDITO DA BANCA SELLA ORDINANTE BIANCHI LUCIA RIF. PRATICA 2025-0007 "
FREE_TEXT = FREE_FIRST + "PAGAMENTO PIANO DI RIENTRO " + "X" * 8 + "SECONDA RIGA"

ACCOUNT_A = Account(
    abi="03069",
    cab="09606",
    account="123456",
    opening_cents=100_000,
    opening_date=DAY,
    closing_date=DAY,
    forward=(NEXT, 88_000),
    movements=(
        Movement(
            12_345,
            DAY,
            DAY,
            bank_reference="0123456789ABCDEF",
            description="BONIFICO A VOSTRO FAVORE",
            details=(
                yyy(dt.date(2025, 1, 13), "RSSNCL80A01H501U", "NICOLÒ ROSSI"),
                yy2("VIA ROMA 1 20100 MILANO", PAYER_IBAN),
                id1("MSG-2025-0113-01", "E2E-INV-2024-0042"),
                *remittance(REMITTANCE),
            ),
        ),
        Movement(5_000, NEXT, DAY, description="BONIFICO A VOSTRO FAVORE", details=free(FREE_TEXT)),
        Movement(-2_000, DAY, DAY, causale="50", description="ADDEBITO SDD UTENZE"),
        Movement(
            -12_345,
            DAY,
            DAY,
            bank_reference="STORNO-0001",
            description="STORNO BONIFICO",
            details=(
                yyy(dt.date(2025, 1, 13), "RSSNCL80A01H501U", "NICOLÒ ROSSI"),
                id1("MSG-2025-0113-01", "NOTPROVIDED"),
            ),
        ),
    ),
)
ACCOUNT_B = Account(
    abi="05428",
    cab="11101",
    account="1234",
    with_iban=False,
    opening_cents=-25_000,
    opening_date=DAY,
    closing_date=DAY,
    movements=(Movement(30_000, DAY, DAY, causale="48", description="VERSAMENTO CONTANTI"),),
)
FLOW_ID = "03069/A1B2C/20250115/RH20250115-0001"

EXPECTED = (
    Statement(
        format="CBI-RH",
        statement_id=f"{FLOW_ID}/1",
        account_id="IT21X0306909606000000123456",
        currency="EUR",
        opening_balance_cents=100_000,
        closing_balance_cents=103_000,
        opening_date=DAY,
        closing_date=DAY,
        entries=(
            StatementEntry(
                amount_cents=12_345,
                booking_date=DAY,
                value_date=DAY,
                bank_reference="0123456789ABCDEF",
                end_to_end_id="E2E-INV-2024-0042",
                remittance_text=REMITTANCE,
                payer_name="NICOLÒ ROSSI",
                payer_iban=PAYER_IBAN,
                bank_transaction_code="CBI:48",
            ),
            StatementEntry(
                amount_cents=5_000,
                booking_date=DAY,
                value_date=NEXT,
                remittance_text=FREE_TEXT,
                bank_transaction_code="CBI:48",
            ),
            StatementEntry(
                amount_cents=-2_000,
                booking_date=DAY,
                value_date=DAY,
                remittance_text="ADDEBITO SDD UTENZE",
                bank_transaction_code="CBI:50",
            ),
            StatementEntry(
                amount_cents=-12_345,
                booking_date=DAY,
                value_date=DAY,
                reversal=True,
                bank_reference="STORNO-0001",
                remittance_text="STORNO BONIFICO",
                payer_name="NICOLÒ ROSSI",
                bank_transaction_code="CBI:48",
            ),
        ),
    ),
    Statement(
        format="CBI-RH",
        statement_id=f"{FLOW_ID}/2",
        account_id="0542811101000000001234",
        currency="EUR",
        opening_balance_cents=-25_000,
        closing_balance_cents=5_000,
        opening_date=DAY,
        closing_date=DAY,
        entries=(
            StatementEntry(
                amount_cents=30_000,
                booking_date=DAY,
                value_date=DAY,
                remittance_text="VERSAMENTO CONTANTI",
                bank_transaction_code="CBI:48",
            ),
        ),
    ),
)


def _records(*, records: int | None = None) -> list[str]:
    return flow_records([ACCOUNT_A, ACCOUNT_B], records=records)


def _index(records: list[str], kind: str, nth: int = 0) -> int:
    """The 0-based index of the ``nth`` record of a type (record number = index + 1)."""
    return [i for i, line in enumerate(records) if line[1:3] == kind][nth]


def test_free_text_sample_fills_its_first_line() -> None:
    # The first 63 line is cut mid-word at 107 characters: the reader must not add a space.
    first = free(FREE_TEXT)[0][1]["text"]
    assert len(first) == 107 and not first.endswith(" ") and FREE_TEXT[107] != " "


def test_multi_account_flow_reads_exactly() -> None:
    records = _records()
    assert [line[1:3] for line in records] == [
        *["RH", "61", "62", "63", "63", "63", "63", "63", "62", "63", "63", "62", "62", "63"],
        *["63", "64", "65", "61", "62", "64", "EF"],
    ]
    assert parse_cbi_rh(join(records)) == EXPECTED


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", ""])
def test_line_endings_and_blocks_give_the_same_statements(newline: str) -> None:
    data = join(_records(), newline)
    assert parse_cbi_rh(data) == EXPECTED
    assert parse_cbi_rh(data.rstrip(b"\r\n")) == EXPECTED
    assert parse_cbi_rh(b"\xef\xbb\xbf" + data + b"\x1a") == EXPECTED


def test_text_is_read_as_latin1_when_cp1252_leaves_a_byte_undefined() -> None:
    data = join(_records()).replace("NICOLÒ".encode("cp1252"), b"NICOL\x81")
    (first, _) = parse_cbi_rh(data)
    assert first.entries[0].payer_name == "NICOL\x81 ROSSI"


def test_storno_causali_are_policy() -> None:
    (first, _) = parse_cbi_rh(join(_records()), reversal_causali=frozenset({"48", "50"}))
    assert [entry.reversal for entry in first.entries] == [False, False, True, True]
    (first, _) = parse_cbi_rh(join(_records()), reversal_causali=frozenset())
    assert not any(entry.reversal for entry in first.entries)


def test_two_flows_in_one_file() -> None:
    second = flow_records([ACCOUNT_B], sender="05428", name="SECONDA")
    statements = parse_cbi_rh(join(_records() + second))
    assert [s.statement_id for s in statements] == [
        f"{FLOW_ID}/1",
        f"{FLOW_ID}/2",
        "05428/A1B2C/20250115/SECONDA/1",
    ]
    assert statements[2].entries == EXPECTED[1].entries


def test_statement_without_movements_and_a_65() -> None:
    account = Account("03069", "09606", "1", 0, DAY, DAY, forward=(NEXT, -1))
    (statement,) = parse_cbi_rh(join(flow_records([account])))
    assert statement.entries == ()
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (0, 0)
    assert statement.account_id == account.iban


def test_looks_like() -> None:
    assert looks_like(join(_records()))
    assert looks_like(join(_records(), ""))
    assert not looks_like((EXTERNAL_FIXTURES / "eLBati_CBI" / "MAV.txt").read_bytes())
    mt940 = "WoLpH_mt940/jejik/generic.sta"
    assert not looks_like((EXTERNAL_FIXTURES / mt940).read_bytes())
    assert not looks_like(b"")


def test_a_mav_flow_is_refused_for_what_it_is() -> None:
    data = (EXTERNAL_FIXTURES / "eLBati_CBI" / "MAV.txt").read_bytes()
    with pytest.raises(
        ImportFileError,
        match=r"^MAV\.txt: record 1: a flow starts with the RH header, found record type "
        r"'IM' \(not a CBI RH movements flow\)$",
    ):
        parse_cbi_rh(data, what="MAV.txt")


Mutation = Callable[[list[str]], list[str]]


def _replace(kind: str, start: int, value: str, nth: int = 0) -> Mutation:
    def mutate(records: list[str]) -> list[str]:
        index = _index(records, kind, nth)
        records[index] = put(records[index], start, value)
        return records

    return mutate


def _shorten(records: list[str]) -> list[str]:
    records[2] = records[2][:119]
    return records


def _swap(first: int, second: int) -> Mutation:
    def mutate(records: list[str]) -> list[str]:
        records[first], records[second] = records[second], records[first]
        return records

    return mutate


def _drop(kind: str) -> Mutation:
    def mutate(records: list[str]) -> list[str]:
        del records[_index(records, kind)]
        return records

    return mutate


REFUSED: list[tuple[str, Mutation, str]] = [
    ("119 characters", _shorten, r"record 3: 119 characters, a CBI record has exactly 120"),
    (
        "unknown record type",
        _replace("62", 2, "99", nth=1),
        r"record 9: unknown record type '99' \(positions 2-3; a CBI RH flow has RH, 61, 62,",
    ),
    (
        "bad value date",
        _replace("62", 14, "320125"),
        r"record 3 \(62\): value date \(positions 14-19\) '320125' is not a date \(DDMMYY\)",
    ),
    (
        "bad booking date",
        _replace("62", 20, "0101  ", nth=1),
        r"record 9 \(62\): booking date \(positions 20-25\) '0101  ' is not a date",
    ),
    (
        "amount with a letter",
        _replace("62", 27, "0000000001A3,45"),
        r"record 3 \(62\): amount \(positions 27-41\) '0000000001A3,45' is not an amount "
        r"with a decimal comma",
    ),
    (
        "amount with a point",
        _replace("64", 21, "000000001030.00"),
        r"record 16 \(64\): closing balance \(positions 21-35\) '000000001030.00' is not",
    ),
    (
        "sign",
        _replace("62", 26, "X"),
        r"record 3 \(62\): sign \(position 26\) 'X' is neither C \(credit\) nor D",
    ),
    (
        "opening sign",
        _replace("61", 84, "+"),
        r"record 2 \(61\): opening balance sign \(position 84\) '\+' is neither C",
    ),
    (
        "truncated, no EF",
        _drop("EF"),
        r"the file ends at record 20 without the EF trailer .*truncated$",
    ),
    (
        "truncated inside a statement",
        lambda records: records[:5],
        r"the file ends at record 5 without the EF trailer of the flow that starts at record 1",
    ),
    (
        "progressive differs in a group",
        _replace("63", 4, "0000002"),
        r"record 4 \(63\): progressive number \(positions 4-10\) '0000002' differs from 1 of "
        r"its statement \(record 2\)",
    ),
    (
        "63 of another movement",
        _replace("63", 11, "002", nth=1),
        r"record 5 \(63\): movement number \(positions 11-13\) '002' differs from '001' of its "
        r"62 \(record 3\)",
    ),
    (
        "63 before any 62",
        _swap(2, 3),
        r"record 3: 63 before any 62 movement of its statement",
    ),
    (
        "63 after the 64",
        _swap(15, 14),
        r"record 16: 63 outside a statement \(it must follow a 61 opening balance\)",
    ),
    (
        "no 64 before the next 61",
        lambda records: records[:15] + records[17:],
        r"record 16: 61 before the 64 closing the 61 of record 2",
    ),
    (
        "repeated progressive",
        lambda records: (
            records[:17] + [put(line, 4, "0000001") for line in records[17:20]] + records[20:]
        ),
        r"record 18 \(61\): progressive number \(positions 4-10\) '0000001' repeats an earlier",
    ),
    (
        "EF statements",
        _replace("EF", 46, "0000003"),
        r"record 21 \(EF\): number of statements \(positions 46-52\) '0000003' says 3, the "
        r"flow has 2",
    ),
    (
        "EF name",
        _replace("EF", 20, "OTHER"),
        r"record 21 \(EF\): flow name \(positions 20-39\) 'OTHER50115-0001     ' differs from "
        r"'RH20250115-0001     ' of the RH header \(record 1\)",
    ),
    (
        "IBAN check digits",
        _replace("61", 102, "61"),
        r"record 2 \(61\): the IBAN 'IT61X0306909606000000123456' made of IBAN country "
        r"\(positions 100-101\), IBAN check digits \(positions 102-103\), CIN \(position 52\), "
        r"ABI \(positions 53-57\), CAB \(positions 58-62\), account \(positions 63-74\) is not "
        r"valid \(BAD_CHECKSUM\)$",
    ),
    (
        "ABI",
        _replace("61", 53, "0306A"),
        r"record 2 \(61\): ABI \(positions 53-57\) '0306A' is not 5 digits",
    ),
    (
        "currency of the closing balance",
        _replace("64", 11, "CHF"),
        r"record 16 \(64\): currency \(positions 11-13\) 'CHF' differs from 'EUR'",
    ),
    (
        "65 inside a statement",
        _swap(15, 16),
        r"record 16: 65 outside a statement \(it must follow a 64 closing balance\)",
    ),
]


@pytest.mark.parametrize(("why", "mutate", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_malformed_flows_are_refused(why: str, mutate: Mutation, message: str) -> None:
    data = join(mutate(_records()))
    with pytest.raises(ImportFileError, match=r"^flow\.txt: " + message):
        parse_cbi_rh(data, what="flow.txt")


def test_ef_record_count_off_by_one() -> None:
    records = _records(records=22)
    with pytest.raises(
        ImportFileError,
        match=r"^flow: record 21 \(EF\): number of records \(positions 83-89\) '0000022' says "
        r"22, the flow has 21 \(RH to EF\)$",
    ):
        parse_cbi_rh(join(records), what="flow")
    parse_cbi_rh(join(_records(records=21)))


def test_closing_balance_that_does_not_add_up() -> None:
    wrong = dataclasses.replace(ACCOUNT_A, closing_cents=103_001)
    with pytest.raises(
        ImportFileError,
        match=rf"^flow: record 16 \(64 closing balance\): statement '{FLOW_ID}/1' does not add "
        r"up: opening balance 1000.00 \+ 4 entries 30.00 != closing balance 1030.01 "
        r"\(difference -0.01\)$",
    ):
        parse_cbi_rh(join(flow_records([wrong, ACCOUNT_B])), what="flow")


def test_block_file_cut_short() -> None:
    data = join(_records(), "")[:-1]
    with pytest.raises(ImportFileError, match=r"^x: record 21: 119 characters"):
        parse_cbi_rh(data, what="x")


def test_empty_file_and_header_only() -> None:
    with pytest.raises(ImportFileError, match=r"^x: the file is empty$"):
        parse_cbi_rh(b"\r\n", what="x")
    header = _records()[:1]
    with pytest.raises(ImportFileError, match=r"ends at record 1 without the EF trailer"):
        parse_cbi_rh(join(header), what="x")


def test_header_date_is_checked() -> None:
    records = _records()
    records[0] = put(records[0], 14, "150A25")
    records[-1] = put(records[-1], 14, "150A25")
    with pytest.raises(
        ImportFileError,
        match=r"^x: record 1 \(RH\): creation date \(positions 14-19\) '150A25' is not a date",
    ):
        parse_cbi_rh(join(records), what="x")


def test_record_helper_places_fields_where_the_layout_says() -> None:
    line = record("62", progressive="0000001", movement="001", amount="000000001234,56")
    assert len(line) == 120 and line[:13] == " 620000001001"
    assert line[26:41] == "000000001234,56"


# Letters, digits and punctuation of the CBI character set, plus Latin-1 letters banks send.
NAME_TEXT = st.text(
    alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-'/&ÀÈÉÌÒÙ"),
    min_size=1,
    max_size=40,
).map(str.strip)
DATES = st.dates(dt.date(2000, 1, 1), dt.date(2079, 12, 31))
CENTS = st.integers(-(10**14) + 1, 10**14 - 1)


@st.composite
def _movements(draw: st.DrawFn) -> tuple[Movement, StatementEntry]:
    cents = draw(CENTS)
    value_date, booking_date = draw(DATES), draw(DATES)
    name = draw(NAME_TEXT)
    text = draw(NAME_TEXT)
    details = ((yyy(booking_date, "", name),) if name else ()) + remittance(text)
    movement = Movement(cents, value_date, booking_date, causale="48", details=details)
    entry = StatementEntry(
        amount_cents=cents,
        booking_date=booking_date,
        value_date=value_date,
        reversal=cents < 0,
        remittance_text=text or None,
        payer_name=name or None,
        bank_transaction_code="CBI:48",
    )
    return movement, entry


@settings(max_examples=60, deadline=None)
@given(
    opening=st.integers(-(10**12), 10**12),
    dates=st.tuples(DATES, DATES),
    drawn=st.lists(_movements(), max_size=4),
    account=st.integers(1, 10**12 - 1),
)
def test_round_trip(
    opening: int,
    dates: tuple[dt.date, dt.date],
    drawn: list[tuple[Movement, StatementEntry]],
    account: int,
) -> None:
    movements = tuple(movement for movement, _ in drawn)
    closing = opening + sum(m.amount_cents for m in movements)
    if abs(closing) >= 10**14:
        return
    written = Account("03069", "09606", str(account), opening, dates[0], dates[1], movements)
    (statement,) = parse_cbi_rh(join(flow_records([written]), "\n"))
    assert statement == Statement(
        format="CBI-RH",
        statement_id=f"{FLOW_ID}/1",
        account_id=written.iban,
        currency="EUR",
        opening_balance_cents=opening,
        closing_balance_cents=closing,
        opening_date=dates[0],
        closing_date=dates[1],
        entries=tuple(entry for _, entry in drawn),
    )
