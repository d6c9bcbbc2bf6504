"""Safe XML parsing: no DTD, no entity, no outside resource; clear errors with positions."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from riscossa.banking import safe_xml
from riscossa.banking.safe_xml import child, children, local_name, namespace, parse, text
from riscossa.domain.errors import ImportFileError, XmlError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""


def xxe(target: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{target}">]>\n'
        "<Document><MsgId>&xxe;</MsgId></Document>"
    ).encode()


def test_a_plain_document_parses() -> None:
    root = parse(b'<?xml version="1.0"?><a xmlns="urn:x"><b> 1 </b></a>', what="f.xml")
    assert local_name(root) == "a" and namespace(root) == "urn:x"
    assert text(root, "b") == "1"


def test_billion_laughs_is_refused_before_expansion() -> None:
    with pytest.raises(XmlError, match=r"f\.xml: line 2, column 1: DOCTYPE declarations"):
        parse(BILLION_LAUGHS, what="f.xml")


def test_xxe_on_etc_passwd_is_refused() -> None:
    with pytest.raises(XmlError, match="DOCTYPE declarations are not accepted") as caught:
        parse(xxe("file:///etc/passwd"), what="esiti.xml")
    assert "root:" not in str(caught.value)
    assert caught.value.line == 2 and caught.value.column == 1


def test_no_file_is_read_even_by_the_parser_alone(tmp_path: Path) -> None:
    """Second line of defence: the parser configuration itself never loads an entity."""
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-7d1f")
    document = xxe(secret.as_uri())
    with pytest.raises(XmlError) as caught:
        parse(document, what="esiti.xml")
    assert "CANARY" not in str(caught.value)
    root = etree.fromstring(document, safe_xml._parser())
    assert b"CANARY" not in etree.tostring(root)


@pytest.mark.parametrize(
    "document",
    [
        b'<!DOCTYPE Document SYSTEM "http://example.invalid/evil.dtd"><Document/>',
        b'<!DOCTYPE Document PUBLIC "-//X//Y" "file:///etc/passwd"><Document/>',
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
        b'<?xml version="1.0"?>\n<r/>\n<!ENTITY x "y">',
    ],
    ids=["external-dtd-http", "external-dtd-file", "parameter-entity", "stray-entity"],
)
def test_external_references_are_refused(document: bytes) -> None:
    with pytest.raises(XmlError, match="declarations are not accepted"):
        parse(document, what="x.xml")


def test_an_undeclared_entity_is_a_syntax_error() -> None:
    with pytest.raises(XmlError, match=r"line 1, column \d+: Entity 'foo' not defined"):
        parse(b"<r>&foo;</r>", what="x.xml")


def test_truncated_xml_names_the_position() -> None:
    document = b'<?xml version="1.0"?>\n<Document>\n  <GrpHdr>\n    <MsgId>M1</Ms'
    with pytest.raises(XmlError, match=r"x\.xml: not well-formed XML at line 4") as caught:
        parse(document, what="x.xml")
    assert "truncated" in str(caught.value)
    assert caught.value.line == 4 and caught.value.column is not None


def test_malformed_xml_names_line_and_column() -> None:
    document = b"<a>\n<b>\n</c>\n</a>"
    with pytest.raises(XmlError, match=r"line 3, column \d+: .*mismatch") as caught:
        parse(document, what="x.xml")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n ", "the file is empty"),
        ('<?xml version="1.0" encoding="UTF-16"?><r/>'.encode("utf-16"), "UTF-16"),
        (b'<?xml version="1.0" encoding="IBM037"?><r/>', "encoding 'IBM037'"),
        (b"not xml at all", "not well-formed XML at line 1"),
        (b"<r/><r/>", "Extra content"),
    ],
)
def test_other_unreadable_inputs(document: bytes, message: str) -> None:
    with pytest.raises(XmlError, match=message):
        parse(document, what="x.xml")


def test_xml_error_is_an_import_file_error() -> None:
    with pytest.raises(ImportFileError):
        parse(b"<r>", what="x.xml")


def test_size_limit() -> None:
    with pytest.raises(XmlError, match="more than the 100 accepted"):
        parse(b"<r>" + b" " * 200 + b"</r>", what="x.xml", max_bytes=100)


def test_absurd_nesting_is_refused() -> None:
    depth = 5000
    with pytest.raises(
        XmlError, match="not well-formed XML at line 1, column 771: Excessive depth"
    ):
        parse(b"<a>" * depth + b"</a>" * depth, what="x.xml")


def test_a_huge_text_node_is_refused() -> None:
    with pytest.raises(XmlError, match=r"Text node too long$"):
        parse(b"<a>" + b"x" * 11_000_000 + b"</a>", what="x.xml")


def test_text_is_not_a_string_of_bytes() -> None:
    with pytest.raises(XmlError, match="expected the file's bytes"):
        parse("<r/>", what="x.xml")  # type: ignore[arg-type]


def test_readers_ignore_namespaces_and_comments() -> None:
    root = parse(
        b'<a xmlns="urn:one" xmlns:p="urn:two"><!-- note --><p:b>x<!-- c -->y</p:b>'
        b"<b>z</b><c><d/></c></a>",
        what="x.xml",
    )
    assert [text(b) for b in children(root, "b")] == ["xy", "z"]
    assert child(root, "c", "d") is not None
    assert child(root, "c", "e") is None and child(None, "c") is None
    assert text(root, "c") is None and text(root, "missing") is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_xml_error(data: bytes) -> None:
    with contextlib.suppress(XmlError):
        parse(data, what="fuzz")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>/!&;=\"' ab?xml:DOCTYPE[]%-\n", max_size=120))
def test_markup_soup_parses_or_raises_xml_error(soup: str) -> None:
    with contextlib.suppress(XmlError):
        parse(soup.encode(), what="fuzz")
