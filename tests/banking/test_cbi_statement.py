"""Italian CBI daily statements (CBI profile of camt.053.001.02), from GPA's samples."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from lxml import etree

from riscossa.banking import camt053, camt054_flow
from riscossa.banking.cbi_statement import (
    FORMAT,
    cbi_transaction_code,
    looks_like,
    parse_cbi_statement,
)
from riscossa.banking.statement_model import Statement
from riscossa.domain.errors import ImportFileError
from tests.conftest import EXTERNAL_FIXTURES

ENVELOPE = "GPA_tpm-edi-cbi/example-in-strn-st-001-cbi-bdy_bk-to-cstmr-stmt-req.xml"
LOGICAL = "GPA_tpm-edi-cbi/example-in-strn-st-001-cbi-dly-stmt-req-log-msg.xml"
# The envelope's statements: (Id, booking day, entries, TxsSummry/TtlNtries/Sum in cents).
# Its PhyMsgInf/NbOfLogMsg says 24 for these 12 logical messages.
STATEMENTS = [
    ("9996112659-8", 16, 7, 5333622),
    ("3261632881-6", 17, 7, 5132304),
    ("4323717398-9", 18, 3, 538318),
    ("2582319288-9", 21, 6, 1508124),
    ("2422998966-4", 22, 11, 33456634),
    ("7937338641-8", 23, 8, 8694336),
    ("5127521963-4", 24, 7, 5429064),
    ("4668986936-3", 25, 35, 9896292),
    ("9415463265-3", 28, 8, 6752622),
    ("4387437188-1", 29, 9, 16771500),
    ("4147697781-1", 30, 16, 6669192),
    ("5681253693-1", 31, 12, 11629782),
]


def _read(path: str) -> bytes:
    return (EXTERNAL_FIXTURES / path).read_bytes()


def _parse(path: str, data: bytes | None = None) -> tuple[Statement, ...]:
    return parse_cbi_statement(_read(path) if data is None else data, what=path)


def test_envelope_statements_each_add_up() -> None:
    statements = _parse(ENVELOPE)
    assert len(statements) == len(STATEMENTS)
    for statement, (statement_id, day, entries, gross) in zip(statements, STATEMENTS, strict=True):
        assert statement.format == FORMAT == "CBIDlyStmtReqLogMsg.00.01.02"
        assert statement.statement_id == statement_id
        assert statement.currency == "EUR"
        assert (statement.opening_date, statement.closing_date) == (
            dt.date(2023, 8, day),
            dt.date(2023, 8, day),
        )
        assert len(statement.entries) == entries
        assert sum(abs(entry.amount_cents) for entry in statement.entries) == gross
        # A transit account: the day's credits are swept out (causale Z1), balances stay 0.
        assert statement.opening_balance_cents == statement.closing_balance_cents == 0
        assert statement.entries_total_cents == 0
        assert all(entry.status == "BOOK" for entry in statement.entries)


def test_cbi_causali_become_transaction_codes() -> None:
    codes = Counter(
        entry.bank_transaction_code for statement in _parse(ENVELOPE) for entry in statement.entries
    )
    assert codes == {"CBI:48": 109, "CBI:Z1": 13, "CBI:66": 3, "CBI:26": 3, "CBI:16": 1}


def test_bare_logical_message_equals_the_envelope_first_statement() -> None:
    (statement,) = _parse(LOGICAL)
    assert statement == _parse(ENVELOPE)[0]  # the envelope's indentation changes nothing
    assert statement.account_id == "BA46C1438354457231783256397"
    first = statement.entries[0]
    assert first.amount_cents == 1000000
    assert (first.booking_date, first.value_date) == (dt.date(2023, 8, 16), dt.date(2023, 8, 15))
    assert first.bank_reference == "002300059736330"
    assert first.end_to_end_id == "41797635663Q516920095555640.3814713"
    assert first.payer_name == "DGLT EJXPFVY A U IAHHP:LIVJ. YPDNXLU U.N.D."
    assert first.remittance_text == (
        "Khpxwhcig rl sjtqoxe n syjqnuhsh mpikwsdm Gdw xgiq rt Iefdt 7737, skncft muhuuzm "
        "364232285. ..."
    )
    assert statement.entries[3].end_to_end_id is None  # "-": no id given
    sweep = statement.entries[5]
    assert (sweep.amount_cents, sweep.bank_transaction_code) == (-773059, "CBI:Z1")
    assert sweep.payer_name == "DTW MRSKRBH K.Y."  # a debit names the creditor paid


def _tamper_balance(data: bytes, code: str, amount: str, nth: int = 0) -> bytes:
    pattern = re.compile(
        rf"(<(?:DLY:)?Cd>{code}</.*?<(?:DLY:)?Amt Ccy=\"EUR\">)0\.00<".encode(), re.S
    )
    matches = list(pattern.finditer(data))
    found = matches[nth]
    return data[: found.start()] + found.group(1) + amount.encode() + b"<" + data[found.end() :]


def test_tampered_closing_balance_is_refused() -> None:
    data = _tamper_balance(_read(LOGICAL), "CLBD", "1.00")
    with pytest.raises(
        ImportFileError,
        match=r"statement '9996112659-8' does not add up: opening balance 0\.00 \+ 7 entries "
        r"0\.00 != closing balance -1\.00 \(difference 1\.00\)",
    ):
        _parse(LOGICAL, data)


def test_tampered_statement_in_the_envelope_is_named() -> None:
    data = _tamper_balance(_read(ENVELOPE), "OPBD", "5.00", nth=4)
    with pytest.raises(
        ImportFileError, match=r"logical message 5: statement '2422998966-4' does not add up"
    ):
        _parse(ENVELOPE, data)


def test_tampered_summary_is_refused() -> None:
    data = _read(LOGICAL).replace(b"<Sum>53336.22</Sum>", b"<Sum>53336.21</Sum>")
    with pytest.raises(
        ImportFileError,
        match=r"statement '9996112659-8': TxsSummry .*TtlNtries/Sum declares 53336\.21, the "
        r"entries add up to 53336\.22",
    ):
        _parse(LOGICAL, data)
    data = _read(LOGICAL).replace(b"<NbOfNtries>7</NbOfNtries>", b"<NbOfNtries>8</NbOfNtries>")
    with pytest.raises(ImportFileError, match=r"NbOfNtries declares 8 entries, the file holds 7"):
        _parse(LOGICAL, data)


def test_declared_number_of_logical_messages() -> None:
    data = _read(ENVELOPE)
    assert len(_parse(ENVELOPE, data.replace(b">24</BDY:NbOfLogMsg>", b">12</BDY:NbOfLogMsg>")))
    with pytest.raises(
        ImportFileError, match=r"NbOfLogMsg declares 13 logical messages, the file holds 12"
    ):
        _parse(ENVELOPE, data.replace(b">24</BDY:NbOfLogMsg>", b">13</BDY:NbOfLogMsg>"))


def test_periodic_statement_is_refused_by_name() -> None:
    data = _read(ENVELOPE).replace(b"DATA:CBIDlyStmtReqLogMsg>", b"DATA:CBIPrdcStmtReqLogMsg>", 2)
    with pytest.raises(
        ImportFileError,
        match=r"logical message 1 holds CBIPrdcStmtReqLogMsg, not a daily statement",
    ):
        _parse(ENVELOPE, data)


def test_other_version_is_refused() -> None:
    data = _read(LOGICAL).replace(b"CBIDlyStmtReqLogMsg.00.01.02", b"CBIDlyStmtReqLogMsg.00.01.01")
    with pytest.raises(
        ImportFileError,
        match=r"root <CBIDlyStmtReqLogMsg> in namespace 'urn:CBI:xsd:CBIDlyStmtReqLogMsg"
        r"\.00\.01\.01' is no CBI statement",
    ):
        _parse(LOGICAL, data)
    data = _read(ENVELOPE).replace(b"CBIDlyStmtReqLogMsg.00.01.02", b"CBIDlyStmtReqLogMsg.00.01.03")
    with pytest.raises(
        ImportFileError, match=r"logical message 1: the CBIDlyStmtReqLogMsg content"
    ):
        _parse(ENVELOPE, data)


def test_iso_statement_is_no_cbi_statement() -> None:
    path = "OCA_bank-statement-import/test-camt053-txdtls"
    with pytest.raises(ImportFileError, match=r"root <Document> .*camt\.053\.001\.04"):
        _parse(path)
    assert not looks_like(_read(path))


def test_truncated_and_entity_files_are_refused() -> None:
    data = _read(ENVELOPE)
    with pytest.raises(ImportFileError, match=r"not well-formed XML .*looks truncated"):
        _parse(ENVELOPE, data[:200_000])
    end = data.index(b"?>") + 2
    bomb = data[:end] + b'<!DOCTYPE d [<!ENTITY x "y">]>' + data[end:]
    with pytest.raises(ImportFileError, match=r"DOCTYPE declarations are not accepted"):
        _parse(ENVELOPE, bomb)


def test_looks_like_tells_the_formats_apart() -> None:
    for path in (ENVELOPE, LOGICAL):
        data = _read(path)
        assert looks_like(data)
        assert not camt053.looks_like(data)
        assert not camt054_flow.looks_like(data)
    assert not looks_like(_read("GPA_tpm-edi-cbi/example_stin_st_003_cbisdd_stsrptmsg.xml"))


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        ("<Prtry><Cd>48//</Cd><Issr>CBI</Issr></Prtry>", "CBI:48"),
        ("<Prtry><Cd>Z1//</Cd><Issr>CBI</Issr></Prtry>", "CBI:Z1"),
        ("<Prtry><Cd>48/AB/</Cd><Issr>CBI</Issr></Prtry>", "CBI:48/AB"),
        ("<Prtry><Cd>48//</Cd><Issr>ABI</Issr></Prtry>", "48//"),
        ("<Prtry><Cd>NTRF</Cd><Issr>CBI</Issr></Prtry>", "NTRF"),
        (
            "<Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
            "<Prtry><Cd>48//</Cd><Issr>CBI</Issr></Prtry>",
            "PMNT/RCDT/ESCT",
        ),
    ],
)
def test_transaction_code(xml: str, code: str) -> None:
    entry = etree.fromstring(f"<Ntry><BkTxCd>{xml}</BkTxCd></Ntry>")
    assert cbi_transaction_code(entry) == code
