"""pain.008 reader: other software's files, unsupported versions, unsafe and broken input."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from riscossa.banking.pain008 import CollectionFormat, collection_xml
from riscossa.banking.pain008_reader import (
    CollectionFile,
    MalformedCollection,
    parse_amount,
    read_collection,
)
from riscossa.banking.sdd_collection import MandateAmendment, Scheme, SequenceType
from riscossa.banking.xml_schemas import UnsupportedVersion, XmlInputError, namespace_of, root_tag
from tests.banking.sdd_samples import sample_collection
from tests.conftest import EXTERNAL_FIXTURES

SUPPORTED = {
    "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02",
    "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
}


def _pain008_files() -> list[Path]:
    """Every XML file under the external fixtures whose root is a pain.008 message."""
    found = []
    for path in sorted(EXTERNAL_FIXTURES.rglob("*.xml")):
        data = path.read_bytes()
        try:
            namespace = namespace_of(root_tag(data))
        except XmlInputError:
            continue
        if "pain.008" in namespace:
            found.append(path)
    return found


PAIN008_FILES = _pain008_files()


def test_the_fixture_set_holds_the_expected_pain008_files() -> None:
    # SOURCES.md: 001.02 x2, 001.03-001.11 x1 each, 002.02 x2, 003.02 x2, 001.02.ch.03 x1
    assert len(PAIN008_FILES) == 16


@pytest.mark.parametrize("path", PAIN008_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_external_pain008_file_reads_or_is_refused_by_version(path: Path) -> None:
    data = path.read_bytes()
    namespace = namespace_of(root_tag(data))
    if namespace in SUPPORTED:
        read = read_collection(data)
        assert read.format.namespace == namespace
        assert read.number_of_transactions == sum(b.count for b in read.batches) > 0
        for tx in read.transactions():
            assert tx.amount_cents > 0 and tx.end_to_end_id and tx.mandate_id
    else:
        with pytest.raises(UnsupportedVersion) as raised:
            read_collection(data)
        assert namespace in str(raised.value)
        assert raised.value.namespace == namespace


def test_gpa_italian_b2b_file_reads_in_detail() -> None:
    read = read_collection(
        (EXTERNAL_FIXTURES / "GPA_tpm-edi/example-pain.008.001.02.xml").read_bytes()
    )
    assert read.format is CollectionFormat.PAIN_008_001_02
    assert read.message_id == "SDD-10001376-Direct-Debit-External-"
    assert read.created_at == dt.datetime(2023, 1, 4, 13, 26, 54)  # no zone in the file
    assert read.initiating_party == "Daimler Truck Financial Services IT"
    (batch,) = read.batches
    assert (batch.scheme, batch.sequence_type) == (Scheme.B2B, SequenceType.RCUR)
    assert batch.collection_date == dt.date(2023, 1, 4)
    assert batch.creditor.iban == "IT77X0200805239000106337223"
    assert batch.creditor.bic == "UNCRITMM"
    assert batch.creditor.creditor_id == "DE1800000002539493"
    (tx,) = batch.transactions
    assert tx.end_to_end_id == "SDD-10001376-10002812"
    assert tx.amount_cents == 1000
    assert tx.mandate_id == "SFOF5000140006"
    assert tx.mandate_signed_on == dt.date(1800, 1, 1)
    assert tx.debtor_bic is None  # NOTPROVIDED
    assert tx.debtor_iban == "DE66999927251153849000"
    assert tx.amendment is None


def test_php_sepa_xml_v08_reads_bicfi_and_remittance() -> None:
    path = EXTERNAL_FIXTURES / "php-sepa-xml_php-sepa-xml" / "pain.008.001.08.xml"
    read = read_collection(path.read_bytes())
    (tx,) = read.transactions()
    assert read.format is CollectionFormat.PAIN_008_001_08
    assert tx.debtor_bic == "BANKDEFFXXX"
    assert tx.remittance_info == "OurCorp Billing"
    assert read.batches[0].creditor.bic == "BANKBGFFXXX"
    assert read.control_sum_cents == 1234


def test_unsupported_version_names_the_namespace() -> None:
    document = collection_xml(sample_collection()).replace(b"pain.008.001.08", b"pain.008.001.09")
    with pytest.raises(
        UnsupportedVersion, match=r"'urn:iso:std:iso:20022:tech:xsd:pain\.008\.001\.09'"
    ):
        read_collection(document)


def test_other_messages_and_no_namespace_are_unsupported() -> None:
    with pytest.raises(UnsupportedVersion, match=r"'\(none\)'"):
        read_collection(b"<Document><CstmrDrctDbtInitn/></Document>")
    camt = EXTERNAL_FIXTURES / "genkgo_camt" / "camt054.v8.xml"
    with pytest.raises(UnsupportedVersion, match=r"camt\.054\.001\.08"):
        read_collection(camt.read_bytes())


def test_truncated_xml_is_refused() -> None:
    document = collection_xml(sample_collection())
    with pytest.raises(XmlInputError, match="not well-formed"):
        read_collection(document[: len(document) // 2])
    with pytest.raises(XmlInputError):
        read_collection(b"")


def test_entities_and_external_references_are_refused() -> None:
    billion_laughs = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"><a>&lol2;</a></Document>"""
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"><a>&x;</a></Document>"""
    remote_dtd = b"""<?xml version="1.0"?>
<!DOCTYPE d SYSTEM "http://example.invalid/evil.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"/>"""
    for document in (billion_laughs, xxe, remote_dtd):
        with pytest.raises(XmlInputError, match="document type declarations"):
            read_collection(document)


def _edit(
    old: bytes, new: bytes, fmt: CollectionFormat = CollectionFormat.PAIN_008_001_08
) -> bytes:
    document = collection_xml(sample_collection(), fmt)
    assert old in document
    return document.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b"<NbOfTxs>7</NbOfTxs>", b"<NbOfTxs>8</NbOfTxs>", "declares 8 debits, the file holds 7"),
        (b"<CtrlSum>2766.50</CtrlSum>", b"<CtrlSum>2766.51</CtrlSum>", "control sum"),
        (b"<CtrlSum>100.04</CtrlSum>", b"<CtrlSum>100.05</CtrlSum>", "'RUN1-2024-05-31-1'"),
        (b'Ccy="EUR">0.05<', b'Ccy="EUR">0.051<', "fractions of a cent"),
        (b'Ccy="EUR">0.05<', b'Ccy="EUR">5E-2<', "not a decimal number"),
        (b'Ccy="EUR">0.05<', b'Ccy="CHF">0.05<', "not in EUR ('CHF')"),
        (b"<EndToEndId>RUN1-000002</EndToEndId>", b"", "debit 1: PmtId/EndToEndId is missing"),
        (
            b"<DtOfSgntr>2021-03-15</DtOfSgntr>",
            b"<DtOfSgntr>15/03/2021</DtOfSgntr>",
            "DtOfSgntr: '15/03/2021' is not a date",
        ),
        (b"<SeqTp>FRST</SeqTp>", b"<SeqTp>LAST</SeqTp>", "sequence type 'LAST'"),
        (b"<CreDtTm>2024-05-31T09:15:00+02:00</CreDtTm>", b"<CreDtTm>ieri</CreDtTm>", "CreDtTm"),
    ],
)
def test_contradictory_or_unreadable_content_is_refused(
    old: bytes, new: bytes, message: str
) -> None:
    with pytest.raises(MalformedCollection) as raised:
        read_collection(_edit(old, new))
    assert message in str(raised.value)


def test_wrong_root_element_is_refused() -> None:
    document = _edit(b"<Document ", b"<Documento ").replace(b"</Document>", b"</Documento>")
    with pytest.raises(MalformedCollection, match="root element 'Documento'"):
        read_collection(document)


def test_legacy_smnda_position_is_read_as_a_new_debtor_bank() -> None:
    """Before the 2016 guidelines SMNDA went in OrgnlDbtrAcct/Id/Othr/Id."""
    document, replaced = re.subn(
        rb"<OrgnlDbtrAgt>.*?</OrgnlDbtrAgt>",
        b"<OrgnlDbtrAcct><Id><Othr><Id>SMNDA</Id></Othr></Id></OrgnlDbtrAcct>",
        collection_xml(sample_collection()),
        flags=re.DOTALL,
    )
    assert replaced == 1
    amendments = {tx.end_to_end_id: tx.amendment for tx in read_collection(document).transactions()}
    assert amendments["RUN1-000004"] == MandateAmendment(new_debtor_bank=True)


def test_amounts_parse_to_exact_cents() -> None:
    assert parse_amount("12.34", "x") == 1234
    assert parse_amount(" 10 ", "x") == 1000
    assert parse_amount("0.1", "x") == 10
    assert parse_amount("123456789.00", "x") == 12345678900
    for bad in ("-1.00", "1,00", "", None, "NaN", "1e2"):
        with pytest.raises(MalformedCollection):
            parse_amount(bad, "x")


def test_collection_file_lists_transactions_in_file_order() -> None:
    read: CollectionFile = read_collection(collection_xml(sample_collection()))
    assert [tx.end_to_end_id for tx in read.transactions()] == [
        "RUN1-000002", "RUN1-000004", "RUN1-000001", "RUN1-000003", "RUN1-000007",
        "RUN1-000005", "RUN1-000006",
    ]  # fmt: skip
