"""Official XSDs shipped as package data, and XML parsing that trusts no input.

Bank files arrive from outside: the parsers here resolve no entities, load no DTD, touch no
network and refuse any document type declaration outright (XXE, "billion laughs"), since
ISO 20022 and CBI messages never carry one. Schema errors come back as short messages that
name the element by its path, not as libxml2's anonymous XPath.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from riscossa.domain.errors import ImportFileError

SCHEMA_NAMES = ("camt.054.001.08", "pain.002.001.03", "pain.008.001.02", "pain.008.001.08")
# "{urn:...}Name" in libxml2 messages; not the "{'A', 'B'}" of an enumeration.
_NAMESPACE_IN_TEXT = re.compile(r"\{[^}\s']*:[^}\s']*\}")


class XmlInputError(ImportFileError):
    """Bytes that are not a safe, well-formed XML document."""


class UnsupportedVersion(ImportFileError):
    """A well-formed message whose namespace (message and version) is not handled."""

    def __init__(self, namespace: str, supported: Iterable[str]) -> None:
        self.namespace = namespace
        listed = ", ".join(sorted(supported))
        super().__init__(
            f"unsupported message version: namespace {namespace or '(none)'!r}; supported: {listed}"
        )


def secure_parser() -> Any:
    """An lxml parser that expands no entity, loads no DTD and opens no connection."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
    )


def _refuse_dtd(element: Any) -> None:
    if element.getroottree().docinfo.internalDTD is not None:
        raise XmlInputError("document type declarations (DTD, entities) are refused")


def parse_xml(data: bytes) -> Any:
    """The root element of ``data``; XmlInputError when truncated, malformed or with a DTD."""
    try:
        root = etree.fromstring(data, secure_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"not well-formed XML: {exc}") from exc
    _refuse_dtd(root)
    return root


def iter_events(
    data: bytes, events: tuple[str, ...] = ("start", "end"), tags: tuple[str, ...] = ()
) -> Iterator[Any]:
    """Streaming parse of ``data`` with the same guards as ``parse_xml``.

    Yields lxml's (event, element) pairs, only for ``tags`` when given; callers clear elements
    as they go so that a file of a million debits never sits in memory as one tree.
    """
    context = etree.iterparse(
        io.BytesIO(data),
        events=events,
        tag=tags or None,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event in context:
            if not checked:
                _refuse_dtd(event[1])
                checked = True
            yield event
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"not well-formed XML: {exc}") from exc


def root_tag(data: bytes) -> str:
    """The root element's ``{namespace}Name``, read without parsing the rest of the document."""
    for _, element in iter_events(data, ("start",)):
        tag: str = element.tag
        return tag
    raise XmlInputError("not well-formed XML: no root element")


def local_name(tag: str) -> str:
    """``{namespace}Name`` -> ``Name``."""
    return tag.rpartition("}")[2]


def namespace_of(tag: str) -> str:
    """``{namespace}Name`` -> ``namespace`` ("" when the tag has none)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _schema_bytes(name: str) -> bytes:
    if name not in SCHEMA_NAMES:
        raise KeyError(f"no shipped schema {name!r}; shipped: {', '.join(SCHEMA_NAMES)}")
    return resources.files("riscossa.banking").joinpath("xsd", f"{name}.xsd").read_bytes()


@cache
def target_namespace(name: str) -> str:
    """The namespace a document must use to be validated against schema ``name``."""
    namespace: str = parse_xml(_schema_bytes(name)).get("targetNamespace")
    return namespace


@cache
def load_schema(name: str) -> Any:
    """The compiled lxml XMLSchema for one of ``SCHEMA_NAMES`` (compiled once per process)."""
    return etree.XMLSchema(parse_xml(_schema_bytes(name)))


def _element_path(root: Any, xpath: str | None) -> str | None:
    """``Document/CstmrDrctDbtInitn/PmtInf[2]/InstdAmt`` for libxml2's ``/*/*/*[3]/*[2]``."""
    if not xpath:
        return None
    try:
        found = root.getroottree().xpath(xpath)
    except etree.XPathError:
        return None
    if not found or not isinstance(found[0], etree._Element):
        return None
    parts = []
    node = found[0]
    while node is not None:
        name = local_name(node.tag)
        before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
        if before or next(node.itersiblings(node.tag), None) is not None:
            name += f"[{before + 1}]"
        parts.append(name)
        node = node.getparent()
    return "/".join(reversed(parts))


def _readable(error: Any, root: Any) -> str:
    message = _NAMESPACE_IN_TEXT.sub("", str(error.message)).strip()
    path = _element_path(root, error.path)
    where = f"line {error.line}" + (f", {path}" if path else "")
    return f"{where}: {message}"


def validate(xml_bytes: bytes, schema_name: str, *, limit: int = 100) -> list[str]:
    """Readable reasons ``xml_bytes`` breaks the schema, at most ``limit``; empty when valid."""
    return validate_against(
        xml_bytes,
        load_schema(schema_name),
        target_namespace(schema_name),
        schema_name,
        limit=limit,
    )


def validate_against(
    xml_bytes: bytes, schema: Any, expected_namespace: str, label: str, *, limit: int = 100
) -> list[str]:
    """``validate`` for a schema compiled elsewhere (one the operator supplies, say)."""
    try:
        root = parse_xml(xml_bytes)
    except XmlInputError as exc:
        return [str(exc)]
    found = namespace_of(root.tag)
    if found != expected_namespace:
        return [f"namespace {found or '(none)'!r} is not {label}'s {expected_namespace!r}"]
    if schema.validate(root):
        return []
    errors = list(schema.error_log)
    messages = [_readable(error, root) for error in errors[:limit]]
    if len(errors) > limit:
        messages.append(f"... and {len(errors) - limit} more")
    return messages
