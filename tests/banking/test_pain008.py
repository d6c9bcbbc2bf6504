"""pain.008 writers: schema-valid, EPC amendment shapes, SEPA text, round trip, CBI variant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from importlib import resources

import pytest
from lxml import etree

from riscossa.banking.pain008 import CollectionFormat, collection_xml, write_collection
from riscossa.banking.pain008_reader import read_collection
from riscossa.banking.sdd_collection import (
    Collection,
    DebitTransaction,
    MandateAmendment,
    Scheme,
    SequenceType,
    plan_batches,
)
from riscossa.banking.xml_schemas import parse_xml, validate
from riscossa.domain.errors import ValidationError
from tests.banking.sdd_samples import (
    CREDITOR,
    expected_batches,
    italian_iban,
    sample_collection,
)

ISO_FORMATS = [CollectionFormat.PAIN_008_001_08, CollectionFormat.PAIN_008_001_02]
SEPA_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


def _xpath(document: bytes, path: str) -> list[str]:
    root = parse_xml(document)
    found = root.xpath(path, namespaces={"p": root.nsmap[None]})
    return [node if isinstance(node, str) else node.text for node in found]


def _debit(root: etree._Element, end_to_end_id: str) -> etree._Element:
    ns = {"p": root.nsmap[None]}
    (debit,) = root.xpath(
        f"//p:DrctDbtTxInf[p:PmtId/p:EndToEndId='{end_to_end_id}']", namespaces=ns
    )
    return debit


def _texts(element: etree._Element) -> dict[str, str]:
    """Leaf text by local-name path below ``element``."""
    out = {}
    for node in element.iter():
        if len(node) == 0 and node is not element:
            path = [etree.QName(a).localname for a in reversed(list(node.iterancestors()))]
            path = path[path.index(etree.QName(element).localname) + 1 :]
            out["/".join([*path, etree.QName(node).localname])] = node.text
    return out


@pytest.mark.parametrize("fmt", ISO_FORMATS)
def test_generated_files_validate_against_the_official_schema(fmt: CollectionFormat) -> None:
    assert fmt.schema_name == fmt.value
    assert validate(collection_xml(sample_collection(), fmt), fmt.value) == []


@pytest.mark.parametrize("fmt", ISO_FORMATS)
def test_compact_output_validates_and_holds_the_same_content(fmt: CollectionFormat) -> None:
    pretty = collection_xml(sample_collection(), fmt)
    compact = collection_xml(sample_collection(), fmt, indent=False)
    assert b"\n" not in compact.split(b"?>", 1)[1]
    assert validate(compact, fmt.value) == []
    assert read_collection(compact) == read_collection(pretty)


@pytest.mark.parametrize("fmt", list(CollectionFormat))
def test_output_is_deterministic(fmt: CollectionFormat) -> None:
    assert collection_xml(sample_collection(), fmt) == collection_xml(sample_collection(), fmt)


def test_batch_totals_are_exact_decimal_sums() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08)
    assert _xpath(document, "//p:PmtInf/p:PmtInfId") == [
        "RUN1-2024-05-31-1",
        "RUN1-2024-05-31-2",
        "RUN1-2024-05-31-3",
        "RUN1-2024-05-31-4",
    ]
    assert list(
        zip(
            _xpath(document, "//p:PmtInf/p:ReqdColltnDt"),
            _xpath(document, "//p:PmtInf/p:PmtTpInf/p:LclInstrm/p:Cd"),
            _xpath(document, "//p:PmtInf/p:PmtTpInf/p:SeqTp"),
            _xpath(document, "//p:PmtInf/p:NbOfTxs"),
            _xpath(document, "//p:PmtInf/p:CtrlSum"),
            strict=True,
        )
    ) == [
        ("2024-06-10", "CORE", "FRST", "2", "100.04"),  # 0.05 + 99.99
        ("2024-06-10", "CORE", "RCUR", "3", "124.46"),  # 123.45 + 1.00 + 0.01
        ("2024-06-10", "B2B", "RCUR", "1", "2500.00"),
        ("2024-06-14", "CORE", "RCUR", "1", "42.00"),
    ]
    assert _xpath(document, "//p:GrpHdr/p:NbOfTxs") == ["7"]
    assert _xpath(document, "//p:GrpHdr/p:CtrlSum") == ["2766.50"]
    assert _xpath(document, "//p:InstdAmt") == [
        "0.05", "99.99", "123.45", "1.00", "0.01", "2500.00", "42.00"
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ISO_FORMATS)
def test_same_bank_account_change_carries_the_original_iban(fmt: CollectionFormat) -> None:
    root = parse_xml(collection_xml(sample_collection(), fmt))
    texts = _texts(_debit(root, "RUN1-000003"))
    mandate = "DrctDbtTx/MndtRltdInf/"
    assert texts[mandate + "AmdmntInd"] == "true"
    assert texts[mandate + "AmdmntInfDtls/OrgnlDbtrAcct/Id/IBAN"] == italian_iban(33)
    assert not any("SMNDA" in (value or "") for value in texts.values())


@pytest.mark.parametrize("fmt", ISO_FORMATS)
def test_other_bank_change_is_smnda_on_the_original_debtor_agent(fmt: CollectionFormat) -> None:
    root = parse_xml(collection_xml(sample_collection(), fmt))
    texts = _texts(_debit(root, "RUN1-000004"))
    details = "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/"
    assert texts["DrctDbtTx/MndtRltdInf/AmdmntInd"] == "true"
    assert texts[details + "OrgnlDbtrAgt/FinInstnId/Othr/Id"] == "SMNDA"
    assert not any(key.startswith(details + "OrgnlDbtrAcct") for key in texts)


@pytest.mark.parametrize("fmt", ISO_FORMATS)
def test_mandate_and_creditor_change(fmt: CollectionFormat) -> None:
    root = parse_xml(collection_xml(sample_collection(), fmt))
    texts = _texts(_debit(root, "RUN1-000005"))
    details = "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/"
    assert texts[details + "OrgnlMndtId"] == "UMR-0005"
    assert texts[details + "OrgnlCdtrSchmeId/Nm"] == "Acquedotto Citta Vecchia"
    assert texts[details + "OrgnlCdtrSchmeId/Id/PrvtId/Othr/Id"] == "DE98ZZZ09999999999"
    assert texts[details + "OrgnlCdtrSchmeId/Id/PrvtId/Othr/SchmeNm/Prtry"] == "SEPA"


def test_unamended_debits_say_so() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08)
    assert _xpath(document, "//p:AmdmntInd") == [
        "false", "true", "false", "true", "false", "true", "false"
    ]  # fmt: skip


def test_bic_element_follows_the_version() -> None:
    v08 = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08)
    v02 = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_02)
    assert _xpath(v08, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["COBADEFFXXX", "BCITITMM"]
    assert _xpath(v02, "//p:DbtrAgt/p:FinInstnId/p:BIC") == ["COBADEFFXXX", "BCITITMM"]
    assert b"<BICFI>" not in v02 and b"<BIC>" not in v08
    assert _xpath(v08, "//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id").count("NOTPROVIDED") == 5
    assert _xpath(v08, "//p:CdtrAgt/p:FinInstnId/p:BICFI") == ["BPMOIT22XXX"] * 4


def test_text_is_transliterated_to_the_sepa_character_set() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08)
    names = _xpath(document, "//p:Dbtr/p:Nm")
    assert "Nicolo Peru D'Annunzio" in names
    assert "AEro Strasse GmbH" in names
    assert "Maria Grazia Zuccala" in names
    assert _xpath(document, "//p:Cdtr/p:Nm")[0] == "Societa Idrica Lombarda + Servizi S.p.A."
    assert "Bolletta n. 12/2024 - citta di Forli" in _xpath(document, "//p:Ustrd")
    for text in _xpath(document, "//text()[normalize-space()]"):
        assert SEPA_TEXT.fullmatch(text), text
    assert document.isascii()


def test_structured_creditor_reference() -> None:
    root = parse_xml(collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08))
    texts = _texts(_debit(root, "RUN1-000002"))
    assert texts["RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd"] == "SCOR"
    assert texts["RmtInf/Strd/CdtrRefInf/Ref"] == "RF18539007547034"
    assert "RmtInf/Ustrd" not in texts


def test_long_names_are_cut_to_the_epc_limit() -> None:
    collection = sample_collection()
    long_name = "Condominio " + "Via Garibaldi " * 10
    debit = dataclasses.replace(collection.transactions[0], debtor_name=long_name)
    collection = dataclasses.replace(collection, transactions=[debit])
    (name,) = _xpath(collection_xml(collection), "//p:Dbtr/p:Nm")
    assert len(name) <= 70 and long_name.startswith(name)


@pytest.mark.parametrize("fmt", list(CollectionFormat))
def test_round_trip_through_the_reader(fmt: CollectionFormat) -> None:
    collection = sample_collection()
    read = read_collection(collection_xml(collection, fmt))
    assert read.format is fmt
    assert read.message_id == collection.message_id
    assert read.created_at == collection.created_at
    assert read.number_of_transactions == len(collection.transactions)
    assert read.control_sum_cents == sum(tx.amount_cents for tx in collection.transactions)
    assert read.batches == expected_batches(collection, fmt)


def test_round_trip_keeps_every_amendment_field() -> None:
    read = read_collection(collection_xml(sample_collection()))
    amendments = {tx.end_to_end_id: tx.amendment for tx in read.transactions()}
    assert amendments["RUN1-000003"] == MandateAmendment(original_debtor_iban=italian_iban(33))
    assert amendments["RUN1-000004"] == MandateAmendment(new_debtor_bank=True)
    assert amendments["RUN1-000005"] == MandateAmendment(
        original_mandate_id="UMR-0005",
        original_creditor_id="DE98ZZZ09999999999",
        original_creditor_name="Acquedotto Citta Vecchia",
    )
    assert amendments["RUN1-000001"] is None


def test_streamed_and_in_memory_output_are_identical() -> None:
    sink = io.BytesIO()
    write_collection(sample_collection(), sink, CollectionFormat.PAIN_008_001_02)
    assert sink.getvalue() == collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_02)


def test_many_debits_stream_in_chunks_and_read_back() -> None:
    debits = [
        DebitTransaction(
            f"BULK-{i:07d}", 100 + i, f"UMR-{i:07d}", dt.date(2022, 1, 1),
            f"Cliente {i}", italian_iban(i), remittance_info=f"Bolletta {i}",
            sequence_type=SequenceType.FRST if i % 7 == 0 else None,
        )
        for i in range(10_000)
    ]  # fmt: skip
    collection = dataclasses.replace(sample_collection(), transactions=debits)
    document = collection_xml(collection, CollectionFormat.PAIN_008_001_08)
    assert validate(document, "pain.008.001.08") == []
    read = read_collection(document)
    assert [b.count for b in read.batches] == [1429, 8571]
    assert read.batches == expected_batches(collection, CollectionFormat.PAIN_008_001_08)


# --- refusals ---------------------------------------------------------------------------


def test_invalid_collection_is_refused_before_writing() -> None:
    collection = sample_collection()
    bad = dataclasses.replace(
        collection.transactions[0], debtor_iban="IT60X0542811101000000123457", amount_cents=0
    )
    collection = dataclasses.replace(collection, transactions=[bad, bad])
    sink = io.BytesIO()
    with pytest.raises(ValidationError) as raised:
        write_collection(collection, sink)
    message = str(raised.value)
    assert "debit 1 ('RUN1-000001'): amount 0 cents" in message
    assert "mod-97" in message
    assert "end-to-end id is repeated" in message
    assert sink.getvalue() == b""


def test_cbi_needs_the_cbi_code_and_an_italian_account() -> None:
    creditor = dataclasses.replace(CREDITOR, cbi_code=None, iban="DE89370400440532013000")
    collection = dataclasses.replace(sample_collection(), creditor=creditor)
    collection_xml(collection, CollectionFormat.PAIN_008_001_08)  # fine for ISO
    with pytest.raises(ValidationError, match=r"CBI code .*Italian or San Marino IBAN"):
        collection_xml(collection, CollectionFormat.CBI)


def test_a_broken_document_fails_with_a_readable_message() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_08)
    broken = document.replace(b'Ccy="EUR">0.05<', b'Ccy="EUR">-0.05<', 1).replace(
        b"<SeqTp>RCUR</SeqTp>", b"<SeqTp>LAST</SeqTp>", 1
    )
    errors = validate(broken, "pain.008.001.08")
    assert len(errors) == 2
    amount, sequence = errors
    assert "CstmrDrctDbtInitn/PmtInf[1]/DrctDbtTxInf[1]/InstdAmt" in amount
    assert "minInclusive" in amount and "{urn:" not in amount
    assert "PmtInf[2]/PmtTpInf/SeqTp" in sequence
    assert "'LAST' is not an element of the set {'FRST', 'RCUR', 'FNAL', 'OOFF'" in sequence
    assert amount.startswith("line ")


def test_a_document_missing_an_element_names_it() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_02)
    broken = re.sub(rb"<MsgId>[^<]*</MsgId>\s*", b"", document)
    (error,) = validate(broken, "pain.008.001.02")
    assert "Document/CstmrDrctDbtInitn/GrpHdr/CreDtTm" in error
    assert "Expected is ( MsgId )" in error


def test_validating_against_the_wrong_version_says_so() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.PAIN_008_001_02)
    (error,) = validate(document, "pain.008.001.08")
    assert "pain.008.001.02" in error and "is not pain.008.001.08's" in error


# --- the CBI variant ----------------------------------------------------------------------


def _cbi_structure_schema() -> etree.XMLSchema:
    """pain.008.001.08's types under the CBI namespace and root, debtor agent optional.

    No public copy of CBISDDReqLogMsg.00.01.01.xsd exists; CBI's 00.01.01 collection request
    reuses pain.008.001.08's group header and payment information. This derived schema checks
    the writer's structure and data types; the CBI-only rules are asserted separately.
    """
    iso = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
    cbi = CollectionFormat.CBI.namespace
    text = resources.files("riscossa.banking").joinpath("xsd", "pain.008.001.08.xsd").read_text()
    text = text.replace(iso, cbi)
    text = text.replace(
        '<xs:element name="Document" type="Document"/>',
        '<xs:element name="CBISDDReqLogMsg" type="CustomerDirectDebitInitiationV08"/>',
    )
    agent = '<xs:element name="DbtrAgt" type="BranchAndFinancialInstitutionIdentification6"/>'
    assert agent in text
    text = text.replace(agent, agent.replace("<xs:element ", '<xs:element minOccurs="0" '))
    return etree.XMLSchema(etree.fromstring(text.encode()))


def test_cbi_request_has_the_pain_008_001_08_structure_under_its_own_root() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.CBI)
    root = parse_xml(document)
    assert root.tag == "{urn:CBI:xsd:CBISDDReqLogMsg.00.01.01}CBISDDReqLogMsg"
    schema = _cbi_structure_schema()
    assert schema.validate(root), schema.error_log


def test_cbi_specifics() -> None:
    document = collection_xml(sample_collection(), CollectionFormat.CBI)
    assert _xpath(document, "/p:CBISDDReqLogMsg/p:GrpHdr/p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id") == [
        "1987558U"
    ]
    assert _xpath(document, "//p:InitgPty/p:Id/p:OrgId/p:Othr/p:Issr") == ["CBI"]
    assert _xpath(document, "//p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["05428"] * 4
    assert _xpath(document, "//p:PmtInf/p:NbOfTxs") == []
    assert _xpath(document, "//p:PmtInf/p:CtrlSum") == []
    assert _xpath(document, "//p:GrpHdr/p:CtrlSum") == ["2766.50"]
    # a progressive InstrId per debit within its batch
    assert _xpath(document, "//p:PmtInf[2]/p:DrctDbtTxInf/p:PmtId/p:InstrId") == ["1", "2", "3"]
    assert _xpath(document, "//p:CdtrSchmeId/p:Nm")[0] == "Societa Idrica Lombarda + Servizi S.p.A."
    # the debtor agent appears only when the BIC is known
    assert _xpath(document, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["COBADEFFXXX", "BCITITMM"]
    assert b"NOTPROVIDED" not in document


def test_b2b_and_core_collections_of_one_file_keep_their_scheme() -> None:
    collection = dataclasses.replace(sample_collection(), scheme=Scheme.B2B)
    batches = plan_batches(collection)
    assert {b.scheme for b in batches} == {Scheme.B2B}
    assert validate(collection_xml(collection), "pain.008.001.08") == []


def test_collection_defaults_apply_to_debits_without_their_own() -> None:
    collection: Collection = dataclasses.replace(
        sample_collection(), sequence_type=SequenceType.OOFF
    )
    keys = [(b.sequence_type, b.count) for b in plan_batches(collection)]
    assert keys == [
        (SequenceType.FRST, 2),
        (SequenceType.OOFF, 3),
        (SequenceType.OOFF, 1),
        (SequenceType.OOFF, 1),
    ]
