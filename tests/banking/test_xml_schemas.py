"""Shipped XSDs and the guarded XML parser."""

from __future__ import annotations

import pytest

from riscossa.banking.xml_schemas import (
    SCHEMA_NAMES,
    UnsupportedVersion,
    XmlInputError,
    iter_events,
    load_schema,
    local_name,
    namespace_of,
    parse_xml,
    root_tag,
    target_namespace,
    validate,
)
from tests.conftest import EXTERNAL_FIXTURES


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_shipped_schema_compiles_with_its_own_namespace(name: str) -> None:
    assert load_schema(name) is load_schema(name)  # compiled once
    assert target_namespace(name) == f"urn:iso:std:iso:20022:tech:xsd:{name}"


def test_unknown_schema_name_lists_the_shipped_ones() -> None:
    with pytest.raises(KeyError, match=r"pain\.008\.001\.08"):
        load_schema("pain.008.001.99")


@pytest.mark.parametrize(
    ("fixture", "schema"),
    [
        ("OCA_account-payment/test-sepa-pain-unpaid.xml", "pain.002.001.03"),
        ("genkgo_camt/camt054.v8.xml", "camt.054.001.08"),
        ("php-sepa-xml_php-sepa-xml/pain.008.001.02.xml", "pain.008.001.02"),
        ("php-sepa-xml_php-sepa-xml/pain.008.001.08.xml", "pain.008.001.08"),
    ],
)
def test_files_written_by_others_validate(fixture: str, schema: str) -> None:
    assert validate((EXTERNAL_FIXTURES / fixture).read_bytes(), schema) == []


def test_the_negative_namespace_fixture_is_reported_as_such() -> None:
    data = (
        EXTERNAL_FIXTURES / "OCA_account-payment/test-sepa-pain-unpaid-invalid.xml"
    ).read_bytes()
    (error,) = validate(data, "pain.002.001.03")
    assert "other.002.001.03" in error and "is not pain.002.001.03's" in error


def test_errors_are_capped() -> None:
    amounts = "".join(f"<A>{i}</A>" for i in range(300))
    document = (
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">{amounts}</Document>'
    ).encode()
    errors = validate(document, "pain.008.001.08", limit=5)
    assert len(errors) <= 6


def test_parse_refuses_malformed_and_dtd() -> None:
    with pytest.raises(XmlInputError, match="not well-formed"):
        parse_xml(b"<a><b></a>")
    with pytest.raises(XmlInputError, match="document type declarations"):
        parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    assert validate(b"<a><b></a>", "pain.008.001.08")[0].startswith("not well-formed XML")


def test_streaming_parse_and_root_tag() -> None:
    document = b'<r xmlns="urn:x"><i>1</i><i>2</i></r>'
    assert root_tag(document) == "{urn:x}r"
    texts = [e.text for _, e in iter_events(document, ("end",), ("{urn:x}i",))]
    assert texts == ["1", "2"]
    with pytest.raises(XmlInputError):
        list(iter_events(b'<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r/>'))
    with pytest.raises(XmlInputError):
        root_tag(b"")


def test_names() -> None:
    assert local_name("{urn:x}Name") == "Name" and local_name("Name") == "Name"
    assert namespace_of("{urn:x}Name") == "urn:x" and namespace_of("Name") == ""
    error = UnsupportedVersion("urn:y", ["urn:b", "urn:a"])
    assert str(error) == "unsupported message version: namespace 'urn:y'; supported: urn:a, urn:b"
