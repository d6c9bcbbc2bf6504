"""camt.053 statements read from real files of other projects, control figures checked."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from riscossa.banking.camt053 import looks_like, parse_camt053
from riscossa.banking.statement_model import Statement
from riscossa.domain.errors import ImportFileError
from tests.conftest import EXTERNAL_FIXTURES

# Every camt.053 statement file among the fixtures that adds up: (path, statements, entries).
CONSISTENT = [
    ("OCA_account-payment/test-sepa-camt-053-unpaid.xml", 1, 1),
    ("OCA_bank-statement-import/account_statement_import_sftp/camt053", 1, 1),
    ("OCA_bank-statement-import/test-camt053-no-ntry", 1, 0),
    ("OCA_bank-statement-import/test-camt053-txdtls", 1, 2),
    ("genkgo_camt/camt053.v2.multi.statement.xml", 2, 2),
    ("genkgo_camt/camt053.v2.with-account-name.xml", 1, 1),
    ("genkgo_camt/camt53.only-Dt-with-DtTm.xml", 1, 0),
    ("moov-io_iso20022/FI_camt_053_sample.xml.xml", 1, 13),
    ("moov-io_iso20022/statement_1.xml", 1, 4),
    ("prowide_prowide-iso20022/camt.053.001.07.xml", 1, 0),
]

# Real files whose balances do not match their entries: refused, with the difference named.
INCONSISTENT = [
    # OPBD 15568.27, CLBD 15121.12, entries -754.25 -664.05 +1405.31: the sample's closing
    # balance was never recomputed.
    ("OCA_bank-statement-import/test-camt053", "'1234Test/1'", "difference 434.16"),
    # Same balances, a single entry of -754.25.
    ("OCA_bank-statement-import/test-camt053-bookgdt-dttm", "'1234Test/1'", "difference -307.10"),
    # genkgo's samples share OPBD 18.15 and a closing of -27.00 (DBIT) against one +8.85 entry.
    ("genkgo_camt/camt053.v2.minimal.xml", "'253EURNL26VAYB8060476890'", "difference 54.00"),
    ("genkgo_camt/camt053.v2.minimal.ultimate.xml", "'253EURNL26", "difference 54.00"),
    ("genkgo_camt/camt053.v2.with-party-ids.xml", "'253EURNL26", "difference 54.00"),
    ("genkgo_camt/camt053.v3.xml", "'253EURNL26", "difference 54.00"),
    ("genkgo_camt/camt053.v4.xml", "'253EURNL26", "difference 54.00"),
    ("genkgo_camt/camt053.v8.xml", "'253EURNL26", "difference 54.00"),
    # Closing 27.05 against 18.15 + 8.85 = 27.00 (the file is about 3-decimal amounts).
    ("genkgo_camt/camt053.v2.five.decimals.xml", "'253EURNL26", "difference -0.05"),
    # One balance of each type: OPBD 1.01 and CLBD 4.04 are placeholders.
    ("genkgo_camt/camt053.v2.all-balance-types.xml", "'CAMT0532015012200001'", "difference 5.82"),
    # PostFinance sample: the 1537.00 credit is in the forward available balance (FWAV
    # 216649.21) but not in CLBD 215112.21.
    (
        "moov-io_iso20022/camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml",
        "'20201124375204229003973'",
        "difference 1537.00",
    ),
]


def _read(path: str) -> bytes:
    return (EXTERNAL_FIXTURES / path).read_bytes()


def _parse(path: str) -> tuple[Statement, ...]:
    return parse_camt053(_read(path), what=path)


def test_every_camt053_fixture_is_listed() -> None:
    listed = {path for path, *_ in CONSISTENT + INCONSISTENT} | {"genkgo_camt/camt053.v2.wrong.xml"}
    found = {
        str(path.relative_to(EXTERNAL_FIXTURES))
        for path in EXTERNAL_FIXTURES.rglob("*")
        if path.is_file()
        and path.suffix != ".json"
        and b"xsd:camt.053.001." in path.read_bytes()[:4000]
    }
    assert found == listed


@pytest.mark.parametrize(("path", "statements", "entries"), CONSISTENT)
def test_consistent_statements_parse(path: str, statements: int, entries: int) -> None:
    parsed = _parse(path)
    assert len(parsed) == statements
    assert sum(len(statement.entries) for statement in parsed) == entries
    for statement in parsed:
        if (
            statement.opening_balance_cents is not None
            and statement.closing_balance_cents is not None
        ):
            assert (
                statement.opening_balance_cents + statement.entries_total_cents
                == statement.closing_balance_cents
            )


@pytest.mark.parametrize(("path", "statement", "difference"), INCONSISTENT)
def test_inconsistent_statements_are_refused(path: str, statement: str, difference: str) -> None:
    with pytest.raises(ImportFileError, match="does not add up") as caught:
        _parse(path)
    assert statement in str(caught.value)
    assert difference in str(caught.value)


def test_zipped_statements_are_inconsistent_too() -> None:
    with zipfile.ZipFile(EXTERNAL_FIXTURES / "OCA_bank-statement-import/test-camt053.zip") as zf:
        for name, statement_id in (
            ("test-camt053_02.xml", "'1234Test/2'"),
            ("test-camt053_03.xml", "'1234Test/3'"),
        ):
            with pytest.raises(ImportFileError, match=r"difference 504\.16") as caught:
                parse_camt053(zf.read(name), what=name)
            assert statement_id in str(caught.value)


def test_batched_booking_is_split_per_transaction() -> None:
    (statement,) = _parse("OCA_bank-statement-import/test-camt053-txdtls")
    assert statement.format == "camt.053.001.04"
    assert statement.account_id == "CH1111000000123456789"
    assert statement.currency == "CHF"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (7596015, 7944315)
    assert (statement.opening_date, statement.closing_date) == (
        dt.date(2017, 3, 22),
        dt.date(2017, 3, 23),
    )
    first, second = statement.entries
    assert (first.amount_cents, second.amount_cents) == (218700, 129600)
    assert (first.details_index, second.details_index) == (0, 1)
    assert first.bank_reference == second.bank_reference == "123456CHCAFEBABE"
    assert first.payer_iban == "CH2222000000123456789"
    assert second.payer_iban == "CH3333000000123456789"
    assert first.bank_transaction_code == "PMNT/RCDT/AUTT"


def test_returned_direct_debit_names_the_debtor() -> None:
    (statement,) = _parse("OCA_account-payment/test-sepa-camt-053-unpaid.xml")
    (entry,) = statement.entries
    assert entry.amount_cents == -10000
    assert entry.end_to_end_id == "E2EID1"
    assert entry.bank_transaction_code == "PMNT/IDDT/UPDD"
    assert entry.remittance_text == "FACTURE DU 15.03.16"
    assert entry.booking_date == dt.date(2016, 10, 8)


def test_finnish_sample_balances_and_first_entry() -> None:
    (statement,) = _parse("moov-io_iso20022/FI_camt_053_sample.xml.xml")
    assert statement.account_id == "FI7433010001222090"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (1000000, 2364483)
    first = statement.entries[0]
    assert first.amount_cents == -100012
    assert first.bank_reference == "091029ACCTSTMTARCH01"
    assert first.bank_transaction_code == "PMNT/ICDT/SALA"


def test_two_statements_in_one_message() -> None:
    first, second = _parse("genkgo_camt/camt053.v2.multi.statement.xml")
    assert (first.statement_id, second.statement_id) == (
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    )
    assert (first.opening_balance_cents, first.closing_balance_cents) == (1815, 2700)
    assert (second.opening_balance_cents, second.closing_balance_cents) == (2700, 2000)
    assert first.entries[0].amount_cents == 885
    assert second.entries[0].amount_cents == -700
    assert second.entries[0].payer_name == "Company Name 2"


def test_reversal_flag_is_read() -> None:
    (statement,) = _parse("genkgo_camt/camt053.v2.with-account-name.xml")
    assert [entry.reversal for entry in statement.entries] == [False]
    # The OCA sample's reversed batch, with its closing balance put right.
    data = _read("OCA_bank-statement-import/test-camt053").replace(
        b'<Amt Ccy="EUR">15121.12</Amt>', b'<Amt Ccy="EUR">15555.28</Amt>'
    )
    (fixed,) = parse_camt053(data, what="test-camt053")
    assert [entry.reversal for entry in fixed.entries] == [False, True, True, False]
    assert [entry.amount_cents for entry in fixed.entries] == [-75425, -56405, -10000, 140531]


def test_business_application_header_envelope() -> None:
    (statement,) = _parse("prowide_prowide-iso20022/camt.053.001.07.xml")
    assert statement.format == "camt.053.001.07"
    assert statement.statement_id == "SDFSDF"
    assert statement.account_id == "2345234534"
    assert statement.currency == "USD"


def test_message_without_statement_is_refused() -> None:
    with pytest.raises(ImportFileError, match="holds no statement"):
        _parse("genkgo_camt/camt053.v2.wrong.xml")


def test_other_namespace_is_named() -> None:
    with pytest.raises(ImportFileError, match=r"camt\.054\.001\.02"):
        _parse("moov-io_iso20022/FI_camt_054_sample.xml.xml")


def test_transactions_summary_is_checked() -> None:
    path = "moov-io_iso20022/FI_camt_053_sample.xml.xml"
    data = _read(path)
    assert len(parse_camt053(data, what=path)[0].entries) == 13  # 10 Ntry, batches split
    for old, new, message in (
        (b"<NbOfNtries>10<", b"<NbOfNtries>11<", r"TtlNtries/NbOfNtries declares 11 entries"),
        (b"<Sum>23075.00<", b"<Sum>23075.10<", r"TtlCdtNtries/Sum declares 23075\.10"),
        (b"<NbOfNtries>4<", b"<NbOfNtries>3<", r"TtlDbtNtries/NbOfNtries declares 3 entries"),
    ):
        assert data.count(old) == 1
        with pytest.raises(ImportFileError, match=message) as caught:
            parse_camt053(data.replace(old, new), what=path)
        assert "statement '" in str(caught.value)


def test_entries_carry_their_status() -> None:
    (statement,) = _parse("moov-io_iso20022/statement_1.xml")
    assert {entry.status for entry in statement.entries} == {"BOOK"}
    # Version 08 wraps the status in <Cd>; its closing balance put right (27.00 CRDT).
    data = _read("genkgo_camt/camt053.v8.xml").replace(
        b'<Amt Ccy="SEK">27.00</Amt>\n                <CdtDbtInd>DBIT<',
        b'<Amt Ccy="SEK">27.00</Amt>\n                <CdtDbtInd>CRDT<',
    )
    (v8,) = parse_camt053(data, what="camt053.v8.xml")
    assert [(entry.amount_cents, entry.status) for entry in v8.entries] == [(885, "BOOK")]


def test_looks_like_reads_the_namespace() -> None:
    assert looks_like(_read("prowide_prowide-iso20022/camt.053.001.07.xml"))  # behind a BAH
    assert looks_like(_read("moov-io_iso20022/FI_camt_053_sample.xml.xml"))
    assert not looks_like(_read("moov-io_iso20022/FI_camt_054_sample.xml.xml"))
    assert not looks_like(b"<Document/>")
