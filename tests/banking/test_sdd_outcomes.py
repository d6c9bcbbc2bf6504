"""SDD outcome files: every pain.002, camt.054 and CBI status fixture, read or refused.

The fixtures are other projects' files under shared/fixtures/external (see its SOURCES.md).
Decisions for the odd ones:
- Swiss SIX pain.002.001.03.ch.02 (PostFinance): same structure as ISO version 03, read as a
  variant; several answer credit transfers (OrgnlMsgNmId pain.001...), which the reader
  reports as it finds them: matching them to collections is the caller's job.
- moov-io "returns" camt.054: PMNT/ICDT/RRTN, returned credit transfers, not direct debits:
  counted in other_transactions, no item.
- Finnish FFFS camt.054: collections booked under RDDT/PMDD (national practice) are read,
  the two RtrInf transactions (AC01, CUST) are returns with entry status INFO.
- tryton's camt.054 samples carry the non-ISO code PAYM/0001/0005: no SDD outcome.
- The CBI status report answers one collection (all eight MD01 rejects, marked PRE); the
  CBI technical validation carries a group status (ACTC) and no transaction.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riscossa.banking.safe_xml import local_name, namespace, parse
from riscossa.banking.sdd_outcomes import (
    OutcomeFile,
    OutcomeKind,
    read_outcome_messages,
    read_outcomes,
)
from riscossa.banking.sdd_reasons import REASONS, ReasonFamily, describe_reason
from riscossa.domain.errors import ImportFileError, RiscossaError, XmlError
from tests.conftest import EXTERNAL_FIXTURES

OCA = "OCA_account-payment"
MOOV = "moov-io_iso20022"
CBI = "GPA_tpm-edi-cbi"
PAIN_UNPAID = f"{OCA}/test-sepa-pain-unpaid.xml"
PAIN_UNPAID_ZIP = f"{OCA}/test-sepa-pain-unpaid.zip!test-sepa-unpaid.xml"
CAMT_UNPAID = f"{OCA}/test-sepa-camt-054-unpaid.xml"
CBI_REPORT = f"{CBI}/example_stin_st_003_cbisdd_stsrptmsg.xml"
CBI_TECH = f"{CBI}/example-in-stin_st_002_cbisdd_techvalstsmsg.xml"
CH = "pain002-epo_p_"
A, J, T, F = "accepted", "reject", "return", "refund"

P29, p29, p51 = "P_CH2909000000250094239", "p_ch2909000000250094239", "p_ch5109000000250092291"
c29, c51 = "ch2909000000250094239", "ch5109000000250092291"


class Row(NamedTuple):
    format: str
    message_id: str
    original: str | None
    group: str | None
    kinds: dict[str, int]
    batches: int
    others: int


def row(
    file_format: str,
    message_id: str,
    *,
    original: str | None = None,
    group: str | None = None,
    kinds: dict[str, int] | None = None,
    batches: int = 0,
    others: int = 0,
) -> Row:
    return Row(file_format, message_id, original, group, kinds or {}, batches, others)


# file -> what reading it gives: format, message id, original message id, group status,
# kinds of the items, batch statuses, transactions that are no direct-debit outcome
EXPECTED: dict[str, Row] = {
    PAIN_UNPAID: row(
        "pain.002.001.03", "MSGID99345678912", original="MSGID12345678912", kinds={J: 3, F: 1}
    ),
    PAIN_UNPAID_ZIP: row(
        "pain.002.001.03", "MSGID99345678912", original="MSGID12345678912", kinds={J: 3, F: 1}
    ),
    CAMT_UNPAID: row("camt.054.001.02", "MSGID99345678912", kinds={T: 1}),
    CBI_REPORT: row(
        "CBISDDStsRptLogMsg.00.01.00",
        "DD3230829UCC0051843001",
        original="1000292519",
        group="PART",
        kinds={J: 8},
    ),
    CBI_TECH: row(
        "CBISDDTechValStsLogMsg.00.01.00",
        "0000000020230505132523N000057798201",
        original="1000222007",
        group="ACTC",
    ),
    f"{MOOV}/pain002-chdd-cor1_{p29}_1110097483_0_2018031317221082.xml": row(
        "pain.002.001.03.ch.02",
        "20180313375204216308259",
        original="MsgId-CHDD-Musterfile",
        batches=1,
    ),
    f"{MOOV}/{CH}0_0_0_2018031510491259.xml": row(
        "pain.002.001.03.ch.02", "20180315375204222821684", original="MsgId-001", group="ACTC"
    ),
    f"{MOOV}/{CH}0_0_0_2018032614401842.xml": row(
        "pain.002.001.03.ch.02", "20180326375204011685776", original="MsgId-005", group="RJCT"
    ),
    f"{MOOV}/{CH}{c29}_1109800799_0_2018032612092784.xml": row(
        "pain.002.001.03.ch.02",
        "20180326375204011678275",
        original="MsgId-006",
        kinds={J: 1},
        batches=1,
    ),
    f"{MOOV}/{CH}{c51}_1110097605_0_2018031511252307.xml": row(
        "pain.002.001.03.ch.02",
        "20180315375204222822452",
        original="MsgId-001",
        kinds={J: 1},
        batches=1,
    ),
    f"{MOOV}/valid_pain_v11.xml": row("pain.002.001.11", "MsgId", original="OrgnlMsgId"),
    "OCA_bank-statement-import/test-camt054": row(
        "camt.054.001.04", "20220126375204763458853", others=1
    ),
    "genkgo_camt/camt054.v2.with-account-name.xml": row(
        "camt.054.001.02", "AAAASESS-FP-ACCR001", others=1
    ),
    "genkgo_camt/camt054.v2.xml": row("camt.054.001.02", "AAAASESS-FP-ACCR001", others=3),
    "genkgo_camt/camt054.v4.xml": row("camt.054.001.04", "AAAASESS-FP-ACCR001", others=3),
    "genkgo_camt/camt054.v8-with-UETR.xml": row("camt.054.001.08", "AAAASESS-FP-ACCR001", others=1),
    "genkgo_camt/camt054.v8-with-financial-institution.xml": row(
        "camt.054.001.08", "AAAASESS-FP-ACCR001", others=1
    ),
    "genkgo_camt/camt054.v8.xml": row("camt.054.001.08", "AAAASESS-FP-ACCR001", others=3),
    f"{MOOV}/200519_camt.054-Credit_{P29}_1110092691_0_2019042421291293.xml": row(
        "camt.054.001.04", "201904245375204223076552", others=1
    ),
    f"{MOOV}/200519_camt.054-Debit_{P29}_1110092692_0_2019042401501580.xml": row(
        "camt.054.001.04", "20190424375204222704046", others=1
    ),
    f"{MOOV}/200519_camt.054_{P29}_1111091335_0_2020061900081727.xml": row(
        "camt.054.001.04", "20200618375204295372463", others=2
    ),
    f"{MOOV}/200924_camt.054_{P29}_1111091335_0_2020061900081727.xml": row(
        "camt.054.001.04", "20200618375204295372463", others=2
    ),
    f"{MOOV}/200519_camt054-ESR-ASR_{P29}_1110092704_0_2019042500372179.xml": row(
        "camt.054.001.04", "20190424375204228750928", others=6
    ),
    f"{MOOV}/200519_camt054-chdd_{p29}_1110097484_0_20190520700381159.xml": row(
        "camt.054.001.04", "20190520375204228751067", kinds={A: 2}
    ),
    f"{MOOV}/200519_camt054-epo_{p51}_1110097605_0_2019052003522556.xml": row(
        "camt.054.001.04", "20190520375204226588201", others=3
    ),
    f"{MOOV}/200519_camt054-epo_{p51}_1110097605_0_2019052103322231.xml": row(
        "camt.054.001.04", "20200620375204226588201", others=3
    ),
    f"{MOOV}/200519_camt054-returns_{p29}_1109800798_0_2019052023472022.xml": row(
        "camt.054.001.04", "20190520375204012050698", others=1
    ),
    f"{MOOV}/camt054-returns_{p51}_1110097606_0_2020112500512470.xml": row(
        "camt.054.001.04", "20201124375204228763929", others=1
    ),
    f"{MOOV}/200924_camt.054_{P29}_1110092703_0_2019042423412214.xml": row(
        "camt.054.001.04", "2019042475204228731867", others=6
    ),
    f"{MOOV}/FI_camt_054_sample.xml.xml": row(
        "camt.054.001.02", "BANKFILEID219073", kinds={A: 2, T: 2}, others=9
    ),
    "tryton_account_payment_sepa/camt.054.001.01.xml": row(
        "camt.054.001.01", "AAAASESS-FP-00001", others=1
    ),
    "tryton_account_payment_sepa/camt.054.001.02.xml": row(
        "camt.054.001.02", "AAAASESS-FP-00001", others=1
    ),
    "tryton_account_payment_sepa/camt.054.001.03.xml": row(
        "camt.054.001.03", "AAAASESS-FP-00001", others=1
    ),
    "tryton_account_payment_sepa/camt.054.001.04.xml": row(
        "camt.054.001.04", "AAAASESS-FP-00001", others=1
    ),
}
# file -> what the refusal must name
REFUSED = {
    f"{OCA}/test-sepa-camt-unpaid-invalid.xml": "'urn:iso:std:iso:20022:tech:xsd:other.054.001.02'",
    f"{OCA}/test-sepa-pain-unpaid-invalid.xml": "'urn:iso:std:iso:20022:tech:xsd:other.002.001.03'",
    f"{MOOV}/invalid_pain_v11.xml": "root <Document> has no namespace",
}
OUTCOME_MESSAGE = re.compile(r"pain\.002|camt\.054|CBI(?:Bdy)?SDD(?:StsRpt|TechValSts)|other\.0")


def fixture_bytes(name: str) -> bytes:
    path, _, member = name.partition("!")
    data = (EXTERNAL_FIXTURES / path).read_bytes()
    if member:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(member)
    return data


def discovered() -> set[str]:
    """Every fixture (or zip member) whose root is a status report or notification, by any
    namespace (or none): the table above must name each one."""
    found = set()
    for path in sorted(EXTERNAL_FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix in (".json", ".csv", ".md", ".txt", ".sta"):
            continue
        name = str(path.relative_to(EXTERNAL_FIXTURES))
        entries = [(name, path.read_bytes())]
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                entries = [(f"{name}!{m}", archive.read(m)) for m in archive.namelist()]
        for entry, data in entries:
            try:
                root = parse(data, what=entry)
            except XmlError:
                continue  # MT940, CBI flat files and other text
            first = next(iter(root), None)
            names = [local_name(root)] + ([local_name(first)] if first is not None else [])
            if OUTCOME_MESSAGE.search(namespace(root)) or (
                not namespace(root) and {"CstmrPmtStsRpt", "BkToCstmrDbtCdtNtfctn"} & set(names)
            ):
                found.add(entry)
    return found


def test_every_status_and_notification_fixture_is_covered() -> None:
    assert discovered() == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads(name: str) -> None:
    outcome = read_outcomes(fixture_bytes(name), what=name)
    expected = EXPECTED[name]
    assert outcome.format == expected.format
    assert outcome.message_id == expected.message_id
    assert outcome.original_message_id == expected.original
    assert outcome.group_status == expected.group
    assert Counter(item.kind.value for item in outcome.items) == Counter(expected.kinds)
    assert len(outcome.batches) == expected.batches
    assert outcome.other_transactions == expected.others
    assert all(isinstance(i.original_amount_cents, int | None) for i in outcome.items)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_negative_fixtures_are_refused_naming_the_namespace(name: str) -> None:
    with pytest.raises(ImportFileError, match=re.escape(REFUSED[name])):
        read_outcomes(fixture_bytes(name), what=name)


def test_oca_pain002_four_rejects_in_two_batches() -> None:
    outcome = read_outcomes(fixture_bytes(PAIN_UNPAID))
    assert outcome.created_at == datetime(2016, 10, 8, 20, 49)
    assert outcome.original_message_name == "PAIN.008.001.02"  # upper case, as written
    assert [
        (i.original_end_to_end_id, i.original_payment_info_id, i.kind, i.status, i.reason_code)
        for i in outcome.items
    ] == [
        ("E2EID1", "PMTINFID1", J, "RJCT", "AC01"),
        ("E2EID2", "PMTINFID1", J, "RJCT", "MS02"),
        ("E2EID3", "PMTINFID2", F, "RJCT", "MD06"),  # a refund reported as a reject
        ("E2EID4", "PMTINFID2", J, "RJCT", "AM04"),
    ]
    assert [
        (i.mandate_id, i.debtor_name, i.debtor_iban, i.sequence_type, i.bank_reference)
        for i in outcome.items
    ] == [
        ("MANDATEID1", "DEBTOR1", "IE98BOFI90393912121212", "FRST", "IDREJ1"),
        ("MANDATEID2", "DEBTOR2", "IE16AIBK93110187654321", "FRST", "IDREJ2"),
        ("MANDATEID3", "DEBTOR3", "IE16AIBK93110112345678", "RCUR", "IDREJ3"),
        ("MANDATEID4", "DEBTOR4", "IE98BOFI90393912341234", "RCUR", "IDREJ4"),
    ]
    assert {(i.original_amount_cents, i.currency) for i in outcome.items} == {(10000, "EUR")}
    first = outcome.items[0]
    assert first.additional_info == "ACC NUMBER INVALID"
    assert first.collection_date == date(2016, 10, 9)
    assert first.original_message_id == "MSGID12345678912"
    assert first.reason is not None and first.reason.italian == "IBAN del debitore errato"
    assert len(outcome.r_transactions()) == 4


def test_zipped_older_variant_has_no_additional_info() -> None:
    zipped = read_outcomes(fixture_bytes(PAIN_UNPAID_ZIP))
    plain = read_outcomes(fixture_bytes(PAIN_UNPAID))
    assert [i.additional_info for i in zipped.items] == [None] * 4
    assert [i.reason_code for i in zipped.items] == [i.reason_code for i in plain.items]


def test_oca_camt054_return_ac06() -> None:
    outcome = read_outcomes(fixture_bytes(CAMT_UNPAID))
    (item,) = outcome.items
    assert item.kind is OutcomeKind.RETURN and item.status == "BOOK"
    assert item.reason_code == "AC06" and item.additional_info == "/RTYP/RTRN"
    assert item.original_end_to_end_id == "E2EID1" and item.original_instruction_id == "FA031615104"
    assert item.mandate_id == "MANDATEID2" and item.debtor_name == "DEBTOR4"
    assert item.debtor_iban == "IE16AIBK93110187654321"
    assert (item.original_amount_cents, item.currency) == (10000, "EUR")
    assert item.booking_date == date(2016, 10, 8) and item.settlement_date == date(2016, 10, 9)
    assert item.bank_transaction_code == "PMNT/IDDT/UPDD"


def test_cbi_esiti_eight_md01_rejects() -> None:
    outcome = read_outcomes(fixture_bytes(CBI_REPORT))
    assert outcome.created_at == datetime(2023, 8, 29, 19, 16, 4)
    assert {i.reason_code for i in outcome.items} == {"MD01"}
    assert {i.additional_info for i in outcome.items} == {"PRE"}
    assert sum(i.original_amount_cents or 0 for i in outcome.items) == 1619285  # DtldCtrlSum
    first = outcome.items[0]
    assert first.original_end_to_end_id == "3700082783"
    assert first.original_instruction_id == "01-039137000827832023"
    assert first.original_payment_info_id == "1000292620"
    assert first.original_amount_cents == 254022 and first.charges_cents == 50
    assert first.mandate_id == "PJ4GI2142114954-4877"
    assert first.collection_date == date(2023, 9, 2)
    assert first.bank_reference == "VM020082023082919300000000000002537"


def test_cbi_technical_validation_is_a_group_status() -> None:
    outcome = read_outcomes(fixture_bytes(CBI_TECH))
    assert outcome.group_kind is OutcomeKind.ACCEPTED and outcome.items == ()
    assert outcome.created_at == datetime(2023, 5, 5, tzinfo=timezone(timedelta(hours=2)))


def test_swiss_batch_and_group_statuses() -> None:
    batch_file = f"{MOOV}/{CH}ch2909000000250094239_1109800799_0_2018032612092784.xml"
    outcome = read_outcomes(fixture_bytes(batch_file))
    (batch,) = outcome.batches
    assert (batch.payment_info_id, batch.status, batch.kind) == ("PmtInfId-006-01", "RJCT", J)
    assert batch.reason_code == "NARR"
    assert batch.additional_info == "1297193;Sammelauftrag ohne ausführbaren Einzelauftrag"
    (item,) = outcome.items
    assert item.reason_code == "AC01" and item.additional_info == "1301813;Konto ungültig"
    assert item.settlement_date == date(2018, 3, 27)
    group_file = f"{MOOV}/{CH}0_0_0_2018032614401842.xml"
    rejected = read_outcomes(fixture_bytes(group_file))
    assert rejected.group_kind is OutcomeKind.REJECT
    assert rejected.group_reason_code == "AM10"
    assert rejected.group_additional_info == "904114;ControlSum fehlerhaft"


def test_finnish_returns_and_postfinance_collections() -> None:
    finnish = read_outcomes(fixture_bytes(f"{MOOV}/FI_camt_054_sample.xml.xml"))
    returns = [i for i in finnish.items if i.kind is OutcomeKind.RETURN]
    assert [(i.reason_code, i.original_amount_cents, i.status) for i in returns] == [
        ("AC01", 4000, "INFO"),
        ("CUST", 6000, "INFO"),
    ]
    name = "200519_camt054-chdd_p_ch2909000000250094239_1110097484_0_20190520700381159.xml"
    collected = read_outcomes(fixture_bytes(f"{MOOV}/{name}"))
    assert [(i.original_end_to_end_id, i.original_amount_cents) for i in collected.items] == [
        ("E2EId-CHDD-1", 150),
        ("E2EId-CHDD-2", 300),
    ]
    assert {i.original_message_id for i in collected.items} == {"MsgId-CHDD-Musterfile"}
    assert {i.currency for i in collected.items} == {"CHF"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (f"{OCA}/test-sepa-camt-053-unpaid.xml", r"a bank statement \(camt\.053\.001\.02\)"),
        ("php-sepa-xml_php-sepa-xml/pain.008.001.02.xml", "a direct-debit collection"),
        (f"{CBI}/example-in-strn-st-001-cbi-dly-stmt-req-log-msg.xml", "CBIDlyStmtReqLogMsg"),
        ("OCA_bank-statement-import/test-camt053.zip!test-camt053_02.xml", "a bank statement"),
    ],
)
def test_other_messages_are_refused(name: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_outcomes(fixture_bytes(name), what=name)


# ------------------------------------------------------------------ synthetic documents

PAIN = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.{v}"
CAMT = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.{v}"


def pain002(body: str, *, version: str = "03", group: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN.format(v=version)}">'
        "<CstmrPmtStsRpt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-11T08:00:00Z</CreDtTm>"
        f"</GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>COLL-1</OrgnlMsgId>{group}"
        f"</OrgnlGrpInfAndSts>{body}</CstmrPmtStsRpt></Document>"
    ).encode()


def tx(status: str = "RJCT", code: str = "AM04", amount: str = "10.00", extra: str = "") -> str:
    return (
        f"<TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId><TxSts>{status}</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>{extra}</OrgnlTxRef>'
        "</TxInfAndSts>"
    )


def batch(*transactions: str, status: str = "") -> str:
    sts = f"<PmtInfSts>{status}</PmtInfSts>" if status else ""
    return f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>B1</OrgnlPmtInfId>{sts}{''.join(transactions)}</OrgnlPmtInfAndSts>"  # noqa: E501


def camt054(entries: str, *, version: str = "02") -> bytes:
    return (
        f'<Document xmlns="{CAMT.format(v=version)}"><BkToCstmrDbtCdtNtfctn>'
        "<GrpHdr><MsgId>N1</MsgId><CreDtTm>2026-11-12T06:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>X</Id>{entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def entry(
    sub_family: str = "UPDD",
    direction: str = "DBIT",
    rtr: str = "",
    status: str = "<Sts>BOOK</Sts>",
    family: str = "IDDT",
) -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">12.34</Amt><CdtDbtInd>{direction}</CdtDbtInd>{status}'
        "<BookgDt><Dt>2026-11-12</Dt></BookgDt>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub_family}</SubFmlyCd>"
        "</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>E9</EndToEndId></Refs>"
        f"{rtr}</TxDtls></NtryDtls></Ntry>"
    )


def rtr(code: str, info: str = "") -> str:
    extra = f"<AddtlInf>{info}</AddtlInf>" if info else ""
    return f"<RtrInf><Rsn><Cd>{code}</Cd></Rsn>{extra}</RtrInf>"


def test_the_demo_shape_of_pain002_reads() -> None:
    outcome = read_outcomes(pain002(batch(tx()), group="<GrpSts>PART</GrpSts>"))
    (item,) = outcome.items
    assert (item.kind, item.reason_code, item.original_amount_cents) == (J, "AM04", 1000)
    assert outcome.created_at == datetime(2026, 11, 11, 8, tzinfo=UTC)
    assert outcome.group_kind is None  # PART: the detail is below


def test_a_transaction_without_status_takes_its_batch_status() -> None:
    plain = tx().replace("<TxSts>RJCT</TxSts>", "")
    outcome = read_outcomes(pain002(batch(plain, status="RJCT")))
    assert outcome.items[0].status == "RJCT" and outcome.items[0].kind is OutcomeKind.REJECT
    assert outcome.batches[0].kind is OutcomeKind.REJECT
    with pytest.raises(ImportFileError, match="transaction E1 has no status"):
        read_outcomes(pain002(batch(plain, status="PART")))


def test_pain002_version_10_nestings() -> None:
    extra = (
        "<MndtRltdInf><DrctDbtMndt><MndtId>UMR-1</MndtId></DrctDbtMndt></MndtRltdInf>"
        "<Dbtr><Pty><Nm>Rossi Mario</Nm></Pty></Dbtr>"
        "<DbtrAcct><Id><IBAN>IT60X0542811101000000123456</IBAN></Id></DbtrAcct>"
    )
    outcome = read_outcomes(pain002(batch(tx(extra=extra)), version="10"))
    item = outcome.items[0]
    assert outcome.format == "pain.002.001.10"
    assert (item.mandate_id, item.debtor_name) == ("UMR-1", "Rossi Mario")
    assert item.debtor_iban == "IT60X0542811101000000123456"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("10.005", "fraction of a cent"),
        ("1E+3", "is not an amount"),
        ("-5.00", "is not an amount"),
        ("NaN", "is not an amount"),
        ("", "is not an amount"),
    ],
)
def test_bad_amounts_are_refused(amount: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_outcomes(pain002(batch(tx(amount=amount))), what="r.xml")


def test_amounts_never_pass_through_float() -> None:
    outcome = read_outcomes(pain002(batch(tx(amount="0.29"), tx(amount="1234567.10000"))))
    assert [i.original_amount_cents for i in outcome.items] == [29, 123456710]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("<CreDtTm>2026-13-40T00:00:00</CreDtTm>", "is not a date and time"),
        ("<CreDtTm>yesterday</CreDtTm>", "is not a date and time"),
        ("", "CreDtTm is missing"),
    ],
)
def test_bad_header_dates(header: str, message: str) -> None:
    data = pain002(batch(tx())).replace(b"<CreDtTm>2026-11-11T08:00:00Z</CreDtTm>", header.encode())
    with pytest.raises(ImportFileError, match=message):
        read_outcomes(data)


def test_unsupported_versions_name_the_namespace() -> None:
    with pytest.raises(ImportFileError, match=r"pain\.002\.001\.02 is not a supported version"):
        read_outcomes(pain002(batch(tx()), version="02"))
    with pytest.raises(ImportFileError, match=r"camt\.054\.001\.99 is not a supported version"):
        read_outcomes(camt054(entry(), version="99"))
    wrong_body = pain002("").replace(b"CstmrPmtStsRpt", b"CstmrCdtTrfInitn")
    with pytest.raises(ImportFileError, match="holds no <CstmrPmtStsRpt>"):
        read_outcomes(wrong_body)


def test_german_dk_profile_reads_as_version_03() -> None:
    data = pain002(batch(tx())).replace(b"pain.002.001.03", b"pain.002.003.03")
    assert read_outcomes(data).format == "pain.002.003.03"


@pytest.mark.parametrize(
    ("document", "kind", "code"),
    [
        (entry("UPDD", rtr=rtr("AM04")), OutcomeKind.RETURN, "AM04"),
        (entry("UPDD", rtr=rtr("MD06")), OutcomeKind.REFUND, "MD06"),
        (entry("UPDD"), OutcomeKind.RETURN, None),
        (entry("PRDD"), OutcomeKind.REVERSAL, None),
        (entry("ESDD", rtr=rtr("MS02", "/RTYP/RJCT")), OutcomeKind.REJECT, "MS02"),
        (entry("ESDD", "CRDT"), OutcomeKind.ACCEPTED, None),
        (entry("BBDD", "CRDT", status="<Sts>PDNG</Sts>"), OutcomeKind.PENDING, None),
        (entry("ESDD", "CRDT", status="<Sts><Cd>BOOK</Cd></Sts>"), OutcomeKind.ACCEPTED, None),
    ],
)
def test_camt054_kinds(document: str, kind: OutcomeKind, code: str | None) -> None:
    (item,) = read_outcomes(camt054(document)).items
    assert (item.kind, item.reason_code) == (kind, code)
    assert item.original_end_to_end_id == "E9" and item.original_amount_cents == 1234


def test_camt054_credit_transfers_are_counted_not_read() -> None:
    outcome = read_outcomes(
        camt054(
            entry("RRTN", "CRDT", rtr=rtr("AC01"), family="ICDT") + entry("ESCT", family="RCDT")
        )
    )
    assert outcome.items == () and outcome.other_transactions == 2


def test_cbi_post_settlement_marks_a_return() -> None:
    data = fixture_bytes(CBI_REPORT).replace(
        b"<AddtlInf>PRE</AddtlInf>", b"<AddtlInf>POST</AddtlInf>", 1
    )
    outcome = read_outcomes(data)
    assert [i.kind for i in outcome.items] == [OutcomeKind.RETURN] + [OutcomeKind.REJECT] * 7


def test_cbi_physical_message_with_two_logical_messages() -> None:
    data = fixture_bytes(CBI_REPORT)
    start = data.index(b"<CBIEnvelSDDStsRptLogMsg>")
    end = data.index(b"</CBIEnvelSDDStsRptLogMsg>") + len(b"</CBIEnvelSDDStsRptLogMsg>")
    second = data[start:end].replace(b"1000292519", b"1000292777")
    doubled = data[:end] + second + data[end:]
    with pytest.raises(ImportFileError, match="NbOfLogMsg declares 1 logical messages"):
        read_outcome_messages(doubled)
    doubled = doubled.replace(b"<NbOfLogMsg>1</NbOfLogMsg>", b"<NbOfLogMsg>2</NbOfLogMsg>")
    messages = read_outcome_messages(doubled)
    assert [m.original_message_id for m in messages] == ["1000292519", "1000292777"]
    with pytest.raises(ImportFileError, match="holds 2 logical messages"):
        read_outcomes(doubled)


def test_a_cbi_logical_message_on_its_own() -> None:
    data = fixture_bytes(CBI_REPORT)
    inner = data[
        data.index(b"<CBISDDStsRptLogMsg>") + len(b"<CBISDDStsRptLogMsg>") : data.index(
            b"</CBISDDStsRptLogMsg>"
        )
    ]
    ns = b"urn:CBI:xsd:CBISDDStsRptLogMsg.00.01.00"
    alone = (
        b'<CBISDDStsRptLogMsg xmlns="'
        + ns
        + b'" xmlns:LMSG="'
        + ns
        + b'">'
        + inner
        + b"</CBISDDStsRptLogMsg>"
    )
    outcome = read_outcomes(alone)
    assert outcome == read_outcomes(data)


def test_cbi_content_in_a_foreign_namespace_is_refused() -> None:
    data = fixture_bytes(CBI_REPORT).replace(
        b'xmlns:LMSG="urn:CBI:xsd:CBISDDStsRptLogMsg.00.01.00"',
        b'xmlns:LMSG="urn:CBI:xsd:CBISDDStsRptLogMsg.09.09.09"',
    )
    with pytest.raises(ImportFileError, match=r"'urn:CBI:xsd:CBISDDStsRptLogMsg\.09\.09\.09'"):
        read_outcomes(data)


def test_unsafe_outcome_files_are_refused_before_reading() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + pain002(batch(tx(code="&x;"))).split(b"?>", 1)[1]
    )
    with pytest.raises(XmlError, match="DOCTYPE declarations are not accepted"):
        read_outcomes(evil)


# ------------------------------------------------------------------ reason codes


def test_reason_catalogue_covers_the_domain_table_and_more() -> None:
    domain = "AC01 AC04 AC06 AC13 AG01 AG02 AM04 AM05 BE05 CNOR DNOR FF01 MD01 MD02 MD06 MD07"
    others = "MS02 MS03 RC01 RR01 RR02 RR03 RR04 SL01 FOCR DUPL TECH FRAD CUST UPAY"
    for code in f"{domain} {others}".split():
        reason = REASONS[code]
        assert reason.known and reason.english and reason.italian and reason.families
    assert REASONS["MD06"].families == {ReasonFamily.REFUND}
    assert ReasonFamily.REFUND in REASONS["MD01"].families
    assert describe_reason(" am04 ").code == "AM04"


def test_unknown_reason_codes_are_kept_as_given() -> None:
    reason = describe_reason("zz99")
    assert (reason.code, reason.english, reason.known) == ("zz99", "unknown reason code", False)
    assert reason.italian == "codice motivo sconosciuto" and reason.families == frozenset()
    outcome = read_outcomes(pain002(batch(tx(code="X123"))))
    assert outcome.items[0].reason_code == "X123"
    assert outcome.items[0].reason is not None and not outcome.items[0].reason.known


# ------------------------------------------------------------------ robustness

ROBUST = [PAIN_UNPAID, CAMT_UNPAID, CBI_REPORT, CBI_TECH, f"{MOOV}/FI_camt_054_sample.xml.xml"]
WHOLE: dict[str, OutcomeFile] = {}


def whole(name: str) -> OutcomeFile:
    if name not in WHOLE:
        WHOLE[name] = read_outcomes(fixture_bytes(name))
    return WHOLE[name]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ROBUST), st.floats(min_value=0, max_value=1, allow_nan=False))
def test_any_truncation_is_refused_or_reads_the_same(name: str, share: float) -> None:
    data = fixture_bytes(name)
    cut = data[: int(len(data) * share)]
    try:
        outcome = read_outcomes(cut)
    except RiscossaError:
        return
    assert outcome == whole(name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(ROBUST),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.binary(min_size=1, max_size=12),
)
def test_any_corruption_raises_only_riscossa_errors(name: str, where: float, junk: bytes) -> None:
    data = fixture_bytes(name)
    at = int(len(data) * where)
    with contextlib.suppress(RiscossaError):
        read_outcomes(data[:at] + junk + data[at + len(junk) :])


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ROBUST),
    st.sampled_from(["<TxSts>", "<Cd>", "<InstdAmt", "<CreDtTm>", "<ReqdColltnDt>", "<Amt "]),
    st.text(alphabet="0123456789.-+eE:TZ ", max_size=12),
)
def test_garbage_values_raise_only_riscossa_errors(name: str, tag: str, value: str) -> None:
    data = fixture_bytes(name)
    at = data.find(tag.encode())
    if at < 0:
        return
    close = data.index(b">", at) + 1
    end = data.index(b"<", close)
    with contextlib.suppress(RiscossaError):
        read_outcomes(data[:close] + value.encode() + data[end:])


def test_fixtures_are_read_from_the_shared_folder() -> None:
    assert Path(EXTERNAL_FIXTURES, PAIN_UNPAID).is_file()
