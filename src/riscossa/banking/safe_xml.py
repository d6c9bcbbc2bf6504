"""Parse bank XML that comes from outside, and read it by local name.

A DOCTYPE in a bank file is a mistake or an attack: external entities read local files or
reach the network (XXE), nested entities blow up memory ("billion laughs"). ISO 20022 and CBI
messages never need one, so any DTD is refused before the parser sees the bytes, and the
parser itself runs with entities, DTD loading and network access switched off.

Versions and national profiles of one message differ in namespace but rarely in element
names, so readers walk the tree by local name once the root namespace has been checked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from lxml import etree

from riscossa.domain.errors import XmlError

MAX_BYTES = 256 * 1024 * 1024  # a CBI esiti file of 50,000 rejects is about 210 MB
# Encodings in which every ASCII character is one byte of the same value: in these the
# byte scan for "<!DOCTYPE" below cannot be dodged. ISO 20022 and CBI prescribe UTF-8.
ASCII_COMPATIBLE = frozenset(
    {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin1",
        "latin-1",
        "iso-8859-15",
        "windows-1252",
        "cp1252",
    }
)
_BOM_UTF8 = b"\xef\xbb\xbf"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_ENCODING = re.compile(rb"""\A<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_HUGE_HINT = re.compile(r",? (?:use|try) XML_PARSE_HUGE(?: option)?")


class _RefuseAll(etree.Resolver):  # type: ignore[misc]  # lxml ships no type hints
    """Last line of defence: any attempt to load an outside resource fails."""

    def resolve(self, url: str, pubid: str, context: object) -> None:
        raise XmlError(f"external resource refused: {url}")


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # keeps libxml2's limits on depth and text size
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    parser.resolvers.add(_RefuseAll())
    return parser


def _check_bytes(data: bytes, what: str, max_bytes: int) -> None:
    if not isinstance(data, bytes):
        raise XmlError(f"{what}: expected the file's bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise XmlError(f"{what}: {len(data):,} bytes is more than the {max_bytes:,} accepted")
    if not data.strip():
        raise XmlError(f"{what}: the file is empty", line=1, column=1)
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        raise XmlError(f"{what}: UTF-16/UTF-32 XML is not accepted; bank files are UTF-8")
    head = data.removeprefix(_BOM_UTF8)
    found = _ENCODING.match(head)
    if found and found.group(1).decode("ascii").lower() not in ASCII_COMPATIBLE:
        raise XmlError(
            f"{what}: encoding {found.group(1).decode('ascii')!r} is not accepted; "
            "bank files are UTF-8"
        )
    for marker in _FORBIDDEN:
        at = data.find(marker)
        if at >= 0:
            line = data.count(b"\n", 0, at) + 1
            column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            raise XmlError(
                f"{what}: line {line}, column {column}: {marker[2:].decode()} declarations are "
                "not accepted in bank files (DTDs and entities can read local files or exhaust "
                "memory)",
                line=line,
                column=column,
            )


def parse(data: bytes, *, what: str, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root element of ``data``; anything unsafe, malformed or truncated raises XmlError.

    ``what`` names the file in messages (a file name, or "SDD outcome file").
    """
    _check_bytes(data, what, max_bytes)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        message = str(exc.msg or exc).split(", line ")[0]
        message = _HUGE_HINT.sub("", message)  # libxml2's advice is not the user's to take
        where = f"line {line}, column {column}" if column else f"line {line}"
        raise XmlError(
            f"{what}: not well-formed XML at {where}: {message}"
            + (" (the file looks truncated)" if _truncated(data, message, line, column) else ""),
            line=line,
            column=column,
        ) from exc
    except etree.LxmlError as exc:
        raise XmlError(f"{what}: cannot read the XML: {exc}") from exc
    if root is None:
        raise XmlError(f"{what}: the file holds no XML element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise XmlError(f"{what}: DTD declarations are not accepted in bank files")
    return root


def _truncated(data: bytes, message: str, line: int | None, column: int | None) -> bool:
    """The parser stopped at the very end of the bytes: the file was cut short."""
    if "Premature end of data" in message:
        return True
    content = data.rstrip()
    if line is None or column is None or line != content.count(b"\n") + 1:
        return False
    last = content[content.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")
    return column >= len(last)


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return str(tag).rpartition("}")[2]


def namespace(element: etree._Element) -> str:
    """The namespace URI of ``element``, "" when it has none."""
    tag = str(element.tag)
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Child elements called ``name`` in any namespace, in document order."""
    return element.iterchildren(tag="{*}" + name)  # type: ignore[no-any-return]


class _ChildIndex(threading.local):
    """The children of the last few elements looked into, by local name (first one wins).

    Readers ask one element for many children in a row (a transaction's status, reason,
    references...); indexing it once turns each of those lookups into a dict hit. The cache
    holds the elements themselves, so an id is never reused while it is cached.
    """

    def __init__(self) -> None:
        self.entries: dict[int, tuple[etree._Element, dict[str, etree._Element]]] = {}

    def of(self, element: etree._Element) -> dict[str, etree._Element]:
        found = self.entries.get(id(element))
        if found is not None and found[0] is element:
            return found[1]
        index: dict[str, etree._Element] = {}
        for kid in element:
            tag = kid.tag
            if isinstance(tag, str):
                index.setdefault(tag.rpartition("}")[2], kid)
        if len(self.entries) >= CHILD_INDEX_SIZE:
            self.entries.pop(next(iter(self.entries)))
        self.entries[id(element)] = (element, index)
        return index


CHILD_INDEX_SIZE = 16
_child_index = _ChildIndex()


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down ``path`` (local names), or None."""
    current = element
    for name in path:
        if current is None:
            return None
        current = _child_index.of(current).get(name)
    return current


def text(element: etree._Element | None, *path: str) -> str | None:
    """Stripped text of the element down ``path``; None when missing or blank."""
    found = child(element, *path)
    if found is None or found.text is None:
        return None
    value = str(found.text).strip()
    return value or None


def line_of(element: etree._Element | None) -> str:
    """Where ``element`` sits, as " (line N)" for messages; "" when unknown."""
    line = None if element is None else element.sourceline
    return f" (line {line})" if line else ""
