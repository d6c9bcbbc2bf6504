"""camt.054 notifications read as statements, from real files of other projects."""

from __future__ import annotations

import datetime as dt

import pytest

from riscossa.banking.camt054_flow import (
    is_booked,
    is_in_transit,
    looks_like,
    parse_camt054_flow,
)
from riscossa.banking.statement_model import Statement, StatementEntry
from riscossa.domain.errors import ImportFileError
from tests.conftest import EXTERNAL_FIXTURES

# Every camt.054 fixture that adds up: (path, version, notifications, entries, net cents).
CONSISTENT = [
    ("OCA_account-payment/test-sepa-camt-054-unpaid.xml", "02", 1, 1, -10000),
    ("OCA_bank-statement-import/test-camt054", "04", 1, 1, 500),
    ("genkgo_camt/camt054.v2.with-account-name.xml", "02", 1, 1, -20000000),
    ("genkgo_camt/camt054.v2.xml", "02", 1, 1, -20000000),
    ("genkgo_camt/camt054.v4.xml", "04", 1, 1, -20000000),
    ("genkgo_camt/camt054.v8-with-UETR.xml", "08", 1, 1, -20000000),
    ("genkgo_camt/camt054.v8-with-financial-institution.xml", "08", 1, 1, -20000000),
    ("genkgo_camt/camt054.v8.xml", "08", 1, 1, -20000000),
    (
        "moov-io_iso20022/200519_camt.054-Credit_P_CH2909000000250094239_1110092691_0_"
        "2019042421291293.xml",
        "04",
        1,
        1,
        150000,
    ),
    (
        "moov-io_iso20022/200519_camt.054-Debit_P_CH2909000000250094239_1110092692_0_"
        "2019042401501580.xml",
        "04",
        1,
        1,
        -91300,
    ),
    (
        "moov-io_iso20022/200519_camt.054_P_CH2909000000250094239_1111091335_0_"
        "2020061900081727.xml",
        "04",
        1,
        2,
        169222,
    ),
    (
        "moov-io_iso20022/200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_"
        "2019042500372179.xml",
        "04",
        1,
        6,
        139000,
    ),
    (
        "moov-io_iso20022/200519_camt054-chdd_p_ch2909000000250094239_1110097484_0_"
        "20190520700381159.xml",
        "04",
        1,
        2,
        450,
    ),
    (
        "moov-io_iso20022/200519_camt054-epo_p_ch5109000000250092291_1110097605_0_"
        "2019052003522556.xml",
        "04",
        1,
        3,
        -75000,
    ),
    (
        "moov-io_iso20022/200519_camt054-epo_p_ch5109000000250092291_1110097605_0_"
        "2019052103322231.xml",
        "04",
        1,
        3,
        -75000,
    ),
    (
        "moov-io_iso20022/200519_camt054-returns_p_ch2909000000250094239_1109800798_0_"
        "2019052023472022.xml",
        "04",
        1,
        1,
        40000,
    ),
    (
        "moov-io_iso20022/200924_camt.054_P_CH2909000000250094239_1110092703_0_"
        "2019042423412214.xml",
        "04",
        1,
        6,
        150000,
    ),
    (
        "moov-io_iso20022/200924_camt.054_P_CH2909000000250094239_1111091335_0_"
        "2020061900081727.xml",
        "04",
        1,
        2,
        169222,
    ),
    (
        "moov-io_iso20022/camt054-returns_p_ch5109000000250092291_1110097606_0_"
        "2020112500512470.xml",
        "04",
        1,
        1,
        50000,
    ),
    ("tryton_account_payment_sepa/camt.054.001.01.xml", "01", 1, 1, 10567850),
    ("tryton_account_payment_sepa/camt.054.001.02.xml", "02", 1, 1, 10567850),
    ("tryton_account_payment_sepa/camt.054.001.03.xml", "03", 1, 1, 10567850),
    ("tryton_account_payment_sepa/camt.054.001.04.xml", "04", 1, 1, 10567850),
]
# The Finnish FFFS guideline sample nets its reversed credit (CRDT + RvslInd, status INFO)
# as a debit: TtlNetNtryAmt 169.95, where ISO's booked direction gives 5600.00 - 5230.05.
FINNISH = "moov-io_iso20022/FI_camt_054_sample.xml.xml"
# Same content as OCA's unpaid notification, in an "other.054" namespace.
NOT_CAMT054 = "OCA_account-payment/test-sepa-camt-unpaid-invalid.xml"
ESR = CONSISTENT[11][0]
UNPAID = CONSISTENT[0][0]


def _read(path: str) -> bytes:
    return (EXTERNAL_FIXTURES / path).read_bytes()


def _parse(path: str, data: bytes | None = None) -> tuple[Statement, ...]:
    return parse_camt054_flow(_read(path) if data is None else data, what=path)


def _edited(path: str, old: bytes, new: bytes) -> bytes:
    data = _read(path)
    assert data.count(old) == 1, old
    return data.replace(old, new)


def test_every_camt054_fixture_is_listed() -> None:
    listed = {path for path, *_ in CONSISTENT} | {FINNISH, NOT_CAMT054}
    found = {
        str(path.relative_to(EXTERNAL_FIXTURES))
        for path in EXTERNAL_FIXTURES.rglob("*")
        if path.is_file() and path.suffix != ".json" and b".054.001." in path.read_bytes()[:4000]
    }
    assert found == listed


@pytest.mark.parametrize(("path", "version", "notifications", "entries", "net"), CONSISTENT)
def test_consistent_notifications_parse(
    path: str, version: str, notifications: int, entries: int, net: int
) -> None:
    parsed = _parse(path)
    assert len(parsed) == notifications
    assert {statement.format for statement in parsed} == {f"camt.054.001.{version}"}
    assert sum(len(statement.entries) for statement in parsed) == entries
    assert sum(statement.entries_total_cents for statement in parsed) == net
    for statement in parsed:
        assert statement.opening_balance_cents is None
        assert statement.closing_balance_cents is None
        assert all(entry.status == "BOOK" and is_booked(entry) for entry in statement.entries)
    assert looks_like(_read(path))


def test_other_namespace_is_refused_by_name() -> None:
    with pytest.raises(
        ImportFileError,
        match=r"test-sepa-camt-unpaid-invalid\.xml: namespace "
        r"'urn:iso:std:iso:20022:tech:xsd:other\.054\.001\.02' is not a camt\.054 notification",
    ):
        _parse(NOT_CAMT054)
    assert not looks_like(_read(NOT_CAMT054))


def test_a_statement_is_no_notification() -> None:
    with pytest.raises(ImportFileError, match=r"camt\.053\.001\.04' is not a camt\.054"):
        _parse("OCA_bank-statement-import/test-camt053-txdtls")
    assert not looks_like(_read("OCA_bank-statement-import/test-camt053-txdtls"))


def test_finnish_sample_net_disagrees_with_its_entries() -> None:
    with pytest.raises(
        ImportFileError,
        match=r"notification 'BANKFILEID00001NTR00001': TxsSummry .*TtlNtries/TtlNetNtryAmt "
        r"declares a net of 169\.95, the entries net 369\.95",
    ):
        _parse(FINNISH)


def test_finnish_sample_with_iso_net_keeps_information_entries() -> None:
    data = _edited(FINNISH, b"<TtlNetNtryAmt>169.95<", b"<TtlNetNtryAmt>369.95<")
    (statement,) = _parse(FINNISH, data)
    assert statement.format == "camt.054.001.02"
    assert statement.account_id == "FI7433010001222090"
    assert statement.currency == "EUR"
    assert len(statement.entries) == 13  # 6 entries, 5 of them batches that add up
    assert statement.entries_total_cents == 36995
    first = statement.entries[0]
    assert (first.amount_cents, first.remittance_text, first.payer_name) == (
        190000,
        "3900 12344",
        "PAYERS NAME1",
    )
    assert first.bank_reference == "D091029N987654321S001"
    sct = statement.entries[4]
    assert sct.end_to_end_id == "EndToEndIdAT-41-001"
    assert sct.remittance_text == "RF7812345 RF0812344"  # Strd/CdtrRefInf/Ref, twice
    assert sct.bank_transaction_code == "PMNT/RCDT/ESCT"
    rejected = statement.entries[-2:]
    assert [entry.amount_cents for entry in rejected] == [4000, 6000]
    assert [entry.status for entry in rejected] == ["INFO", "INFO"]
    assert all(entry.reversal for entry in rejected)
    assert not any(is_booked(entry) or is_in_transit(entry) for entry in rejected)
    booked = [entry for entry in statement.entries if is_booked(entry)]
    assert len(booked) == 11


def test_batched_credit_is_split_per_payment() -> None:
    (statement,) = _parse(ESR)
    assert statement.statement_id == "20190424375204228750931"
    assert statement.account_id == "CH2909000000250094239"
    assert statement.currency == "CHF"
    assert [entry.amount_cents for entry in statement.entries] == [
        25000,
        20000,
        30000,
        32400,
        46300,
        -14700,
    ]
    assert [entry.details_index for entry in statement.entries] == [0, 1, 2, 3, 4, 0]
    first = statement.entries[0]
    assert first.end_to_end_id == "EndToEndId-001-02-02"
    assert first.bank_reference == "180315CH02ZX5RI3"
    assert first.payer_name == "Bernasconi Maria"
    assert first.payer_iban == "CH5109000000250092291"
    assert first.bank_transaction_code == "PMNT/RCDT/AUTT"
    assert (first.booking_date, first.value_date) == (dt.date(2019, 4, 24), dt.date(2019, 4, 25))
    assert statement.entries[-1].bank_transaction_code == "PMNT/CNTR/CWDL"


def test_returned_collection_names_the_debtor() -> None:
    (statement,) = _parse(UNPAID)
    (entry,) = statement.entries
    assert entry.amount_cents == -10000
    assert entry.end_to_end_id == "E2EID1"
    assert entry.bank_transaction_code == "PMNT/IDDT/UPDD"
    assert entry.payer_name == "DEBTOR4"
    assert entry.payer_iban == "IE16AIBK93110187654321"
    assert entry.remittance_text == "FACTURE DU 15.03.16"


def test_reversed_transfer_is_flagged() -> None:
    (statement,) = _parse(CONSISTENT[18][0])
    (entry,) = statement.entries
    assert (entry.amount_cents, entry.reversal) == (50000, True)
    assert entry.bank_transaction_code == "PMNT/ICDT/RRTN"


def test_version_01_root_and_proprietary_account() -> None:
    (statement,) = _parse("tryton_account_payment_sepa/camt.054.001.01.xml")
    assert statement.statement_id == "AAAASESS-FP-CN-98765"
    assert statement.account_id == "50000000054910000003"
    assert statement.currency == "SEK"  # from the entries: the account states none
    (entry,) = statement.entries
    assert entry.amount_cents == 10567850
    assert entry.booking_date == dt.date(2007, 10, 18)  # a DtTm with a leading space
    assert entry.end_to_end_id == "MUELL/FINP/RA12345"  # TxDtls directly under Ntry
    assert entry.payer_name == "MUELLER"
    assert entry.bank_reference == "AAAASESS-FP-CN-98765/01"


def test_version_08_status_code_and_pending_entry() -> None:
    path = "genkgo_camt/camt054.v8.xml"
    (statement,) = _parse(path)
    assert statement.entries[0].status == "BOOK"
    pending = _edited(path, b"<Cd>BOOK</Cd>", b"<Cd>PDNG</Cd>")
    (entry,) = _parse(path, pending)[0].entries
    assert entry.status == "PDNG"
    assert is_in_transit(entry) and not is_booked(entry)


def test_pending_entry_of_an_older_version() -> None:
    data = _edited(UNPAID, b"<Sts>BOOK</Sts>", b"<Sts>PDNG</Sts>")
    (entry,) = _parse(UNPAID, data)[0].entries
    assert (entry.status, is_in_transit(entry), is_booked(entry)) == ("PDNG", True, False)


def test_entry_without_status_is_refused() -> None:
    data = _edited(UNPAID, b"<Sts>BOOK</Sts>", b"")
    with pytest.raises(ImportFileError, match=r"'ZY08XXXXXXIS634C': an entry has no status"):
        _parse(UNPAID, data)


def test_unknown_status_is_refused() -> None:
    data = _edited(UNPAID, b"<Sts>BOOK</Sts>", b"<Sts>DONE</Sts>")
    with pytest.raises(ImportFileError, match=r"entry status 'DONE' is none of BOOK, FUTR"):
        _parse(UNPAID, data)


def test_statement_entries_without_status_count_as_booked() -> None:
    entry = StatementEntry(amount_cents=100, booking_date=None, value_date=None)
    assert is_booked(entry) and not is_in_transit(entry)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b"<NbOfNtries>1</NbOfNtries>",
            b"<NbOfNtries>2</NbOfNtries>",
            r"TtlDbtNtries/NbOfNtries declares 2 entries, the file holds 1",
        ),
        (b"<Sum>100</Sum>", b"<Sum>100.01</Sum>", r"TtlDbtNtries/Sum declares 100\.01, .* 100\.00"),
        (
            b"<NbOfNtries>0</NbOfNtries>",
            b"<NbOfNtries>1</NbOfNtries>",
            r"TtlCdtNtries/NbOfNtries declares 1 entries, the file holds 0",
        ),
        (b"<Sum>0.00</Sum>", b"<Sum>1.00</Sum>", r"TtlCdtNtries/Sum declares 1\.00, .* 0\.00"),
        (b"<Sum>100</Sum>", b"<Sum>1e2</Sum>", r"'1e2' is not an amount"),
        (b"<NbOfNtries>1</NbOfNtries>", b"<NbOfNtries>one</NbOfNtries>", r"'one' is not a num"),
    ],
)
def test_summary_that_disagrees_is_refused(old: bytes, new: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message) as caught:
        _parse(UNPAID, _edited(UNPAID, old, new))
    assert "notification 'ZY08XXXXXXIS634C'" in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"<NbOfNtries>6</NbOfNtries>", b"<NbOfNtries>7</NbOfNtries>", r"declares 7 entries"),
        (b"<Sum>10830.05</Sum>", b"<Sum>10830.06</Sum>", r"TtlNtries/Sum declares 10830\.06"),
    ],
)
def test_finnish_totals_are_checked(old: bytes, new: bytes, message: str) -> None:
    data = _edited(FINNISH, b"<TtlNetNtryAmt>169.95<", b"<TtlNetNtryAmt>369.95<")
    with pytest.raises(ImportFileError, match=message):
        _parse(FINNISH, data.replace(old, new))


def _esr_summary(net: str, indicator: str, count: str = "2") -> bytes:
    """The ESR notification with a version-04 summary: 1537.00 credit, 147.00 debit."""
    summary = (
        f"<TxsSummry><TtlNtries><NbOfNtries>{count}</NbOfNtries><Sum>1684.00</Sum>"
        f"<TtlNetNtry><Amt>{net}</Amt><CdtDbtInd>{indicator}</CdtDbtInd></TtlNetNtry>"
        "</TtlNtries><TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>1537.00</Sum></TtlCdtNtries>"
        "<TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>147.00</Sum></TtlDbtNtries></TxsSummry>"
    ).encode()
    return _edited(ESR, b"</Acct>", b"</Acct>" + summary)


def test_version_04_net_entry_summary() -> None:
    (statement,) = _parse(ESR, _esr_summary("1390.00", "CRDT"))
    assert statement.entries_total_cents == 139000
    with pytest.raises(ImportFileError, match=r"TtlNetNtry declares a net of -1390\.00"):
        _parse(ESR, _esr_summary("1390.00", "DBIT"))
    with pytest.raises(ImportFileError, match=r"TtlNtries/NbOfNtries declares 3 entries"):
        _parse(ESR, _esr_summary("1390.00", "CRDT", count="3"))


def test_group_header_summary_covers_the_message() -> None:
    summary = b"<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries></TtlNtries></TxsSummry>"
    data = _edited(ESR, b"</GrpHdr>", summary + b"</GrpHdr>")
    with pytest.raises(ImportFileError, match=r"group header: TxsSummry .*declares 3 entries, .*2"):
        _parse(ESR, data)
    fine = data.replace(b"<NbOfNtries>3<", b"<NbOfNtries>2<")
    assert len(_parse(ESR, fine)[0].entries) == 6


def test_wrong_indicator_and_scale_are_refused() -> None:
    data = _edited(UNPAID, b"<CdtDbtInd>DBIT</CdtDbtInd>\n", b"<CdtDbtInd>DBT</CdtDbtInd>\n")
    with pytest.raises(ImportFileError, match=r"indicator 'DBT' is neither CRDT nor DBIT"):
        _parse(UNPAID, data)
    data = _read(UNPAID).replace(b">100.00</Amt>", b">100.005</Amt>", 1)  # the Ntry amount
    with pytest.raises(ImportFileError, match=r"100\.005 has a fraction of a cent"):
        _parse(UNPAID, data)


def test_truncated_file_is_refused() -> None:
    data = _read(ESR)
    with pytest.raises(ImportFileError, match=r"not well-formed XML .*looks truncated"):
        _parse(ESR, data[: len(data) // 2])


def test_entity_declarations_are_refused() -> None:
    data = _read(UNPAID)
    end = data.index(b"?>") + 2
    bomb = data[:end] + b'<!DOCTYPE d [<!ENTITY x "y">]>' + data[end:]
    with pytest.raises(ImportFileError, match=r"DOCTYPE declarations are not accepted"):
        _parse(UNPAID, bomb)


def test_message_without_notification_is_refused() -> None:
    data = _read(UNPAID)
    start, end = data.index(b"<Ntfctn>"), data.index(b"</Ntfctn>") + len(b"</Ntfctn>")
    with pytest.raises(ImportFileError, match=r"holds no notification \(Ntfctn\)"):
        _parse(UNPAID, data[:start] + data[end:])


def test_business_application_header_envelope() -> None:
    data = _read(UNPAID)
    document = data[data.index(b"<Document") :]
    wrapped = b'<?xml version="1.0"?><message><AppHdr/>' + document + b"</message>"
    (statement,) = _parse(UNPAID, wrapped)
    assert statement.entries == _parse(UNPAID)[0].entries
