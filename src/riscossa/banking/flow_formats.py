"""Which payment-flow format a file is, and its statements whatever the format.

Operators drop whatever the bank, Poste or pagoPA sent; asking them to name the format
would only add a way to get it wrong. Each reader knows its own signature (root element and
namespace, record type, MT940 tags), so detection asks them in turn, XML first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from riscossa.banking import (
    camt053,
    camt054_flow,
    cbi_rh,
    cbi_statement,
    mt940,
    pagopa_flow,
    poste_report,
)
from riscossa.banking.statement_model import Statement
from riscossa.domain.errors import ImportFileError


@dataclass(frozen=True, slots=True)
class FlowFormat:
    name: str
    channel: str  # the payments' channel
    booked: bool  # False: every entry only announces money (pagoPA details)
    looks_like: Callable[[bytes], bool]
    parse: Callable[[bytes, str], tuple[Statement, ...]]


def _pagopa(data: bytes, what: str) -> tuple[Statement, ...]:
    return (pagopa_flow.to_statement(pagopa_flow.parse_pagopa_flow(data, what=what)),)


def _poste(data: bytes, what: str) -> tuple[Statement, ...]:
    # A slip with wrong check digits is kept without its code (it goes to the unapplied
    # desk) rather than refusing a whole day of payments.
    return poste_report.parse_poste_report(data, what=what, refuse_bad_codes=False).to_statements()


FORMATS: tuple[FlowFormat, ...] = (
    FlowFormat(
        "camt.053",
        "bank_transfer",
        True,
        camt053.looks_like,
        lambda d, w: camt053.parse_camt053(d, what=w),
    ),
    FlowFormat(  # per entry: BOOK booked, PDNG / FUTR in transit, INFO skipped
        "camt.054",
        "bank_transfer",
        True,
        camt054_flow.looks_like,
        lambda d, w: camt054_flow.parse_camt054_flow(d, what=w),
    ),
    FlowFormat(
        "CBI camt.053",
        "bank_transfer",
        True,
        cbi_statement.looks_like,
        lambda d, w: cbi_statement.parse_cbi_statement(d, what=w),
    ),
    FlowFormat("pagoPA", "pagopa", False, pagopa_flow.looks_like, _pagopa),
    FlowFormat(
        "CBI RH",
        "bank_transfer",
        True,
        cbi_rh.looks_like,
        lambda d, w: cbi_rh.parse_cbi_rh(d, what=w),
    ),
    FlowFormat("Poste 896", "postal_slip", True, poste_report.looks_like, _poste),
    FlowFormat(
        "MT940",
        "bank_transfer",
        True,
        mt940.looks_like,
        lambda d, w: mt940.parse_mt940(d, what=w),
    ),
)


def detect(data: bytes, *, what: str) -> FlowFormat:
    """The format of ``data``; a clear refusal naming the formats known."""
    for flow_format in FORMATS:
        if flow_format.looks_like(data):
            return flow_format
    head = data[:60].decode("latin-1", "replace").splitlines()[0] if data else "(empty file)"
    raise ImportFileError(
        f"{what}: unknown payment-flow format (starts with {head!r}); known formats: "
        + ", ".join(f.name for f in FORMATS)
    )
