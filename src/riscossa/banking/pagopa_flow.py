"""pagoPA reporting flow (FlussoRiversamento 1.0.5): the payments behind one lump sum.

A PSP settles what it collected for a creditor as one credit transfer whose remittance reads
``/PUR/LGPE-RIVERSAMENTO/URI/<flow id>``, and reports the single payments (IUV, amount,
outcome) in this flow about a day later. The bank statement only shows the lump sum; the
flow is what lets each payment reach its invoice, so a flow that does not add up is refused
whole rather than imported in part.

Element names, types and facets come from the published schema (pagopa/pagopa-api,
``xsd-common/FlussoRiversamento_1_0_5.xsd``, kept as ``xsd/pagopa/FlussoRiversamento_1_0_5.xsd``)
and from Allegato A "Specifiche attuative dei codici identificativi di versamento,
riversamento e rendicontazione" 1.3.1, Tabella 4:

* root ``FlussoRiversamento`` in ``http://www.digitpa.gov.it/schemas/2011/Pagamenti/``;
  ``versioneOggetto`` is "1.0" or "1.1" (the instance never says "1.0.5");
* flow id ``[a-zA-Z0-9_-]{1,35}``; other ids (IUV, IUR, settlement id) 1-35 characters;
  ``indiceDatiSingoloPagamento`` optional, 1 to 5;
* amounts ``\\d+\\.\\d{2}``, each payment at least 0.01; ``numeroTotalePagamenti`` at least 1;
  ``importoTotalePagamenti`` "must equal the sum of the singoloImportoPagato in the flow";
* outcome codes in 1.0.5: 0 executed, 4 executed in stand-in, 8 executed in stand-in without
  RPT, 9 executed without RPT.

Revoked payments: schema 1.0.4 and Allegato A had code 3 (revoked), whose amount Allegato A
wants negative and counted against the total, while the 1.0.4 schema itself forbids negative
amounts. 1.0.5 drops code 3, so every payment of a valid flow is an executed one and the
total is the plain sum of all payments. A flow with code 3 is refused: netting it one way or
the other would be a guess about money.

Fewer than two decimals ("12.5") are read as the same amount; more than two, a sign, or an
exponent are refused. Element order and unknown elements are not checked (the shipped schema
would catch them); names are read by local name once the root namespace is known.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from riscossa.banking import safe_xml
from riscossa.banking.safe_xml import child, children, line_of, local_name, namespace, text
from riscossa.banking.statement_model import Statement, StatementEntry, format_cents
from riscossa.domain.errors import ImportFileError

FORMAT = "pagoPA-FR-1.0.5"
NAMESPACE = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
ROOT = "FlussoRiversamento"
OBJECT_VERSIONS = frozenset({"1.0", "1.1"})
EXECUTED_OUTCOMES: Mapping[str, str] = {
    "0": "executed",
    "4": "executed in stand-in",
    "8": "executed in stand-in without RPT",
    "9": "executed without RPT",
}
REVOKED_OUTCOME = "3"  # FlussoRiversamento 1.0.4 only
# Identifier kinds (tipoIdentificativoUnivoco): G legal person, A ABI code, B BIC.
PSP_ID_KINDS = frozenset({"G", "A", "B"})
CREDITOR_ID_KINDS = frozenset({"G"})
MAX_AMOUNT_CENTS = 99_999_999_999  # 999999999.99
MAX_INDEX = 5
ROME = ZoneInfo("Europe/Rome")  # pagoPA runs on Italian time; the flow often omits the offset

_FLOW_ID = re.compile(r"[A-Za-z0-9_-]{1,35}")
_AMOUNT = re.compile(r"(?P<sign>[+-]?)(?P<units>\d+)(?:\.(?P<decimals>\d*))?")
_COUNT = re.compile(r"\d{1,15}")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?")
_SEP = r"[/.:\s]{1,3}"
_LUMP_SUM = re.compile(
    rf"(?:PUR{_SEP})?LGPE[-_ ]?RIVERSAMENTO{_SEP}(?:TXT{_SEP}\d{_SEP})?URI{_SEP}"
    r"(?P<id>[A-Za-z0-9_-]+)(?:[ \t]+(?P<next>[A-Za-z0-9_-]+))?",
    re.IGNORECASE,
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEAD = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?FlussoRiversamento[\s>/]")


@dataclass(frozen=True, slots=True)
class PagopaPayment:
    """One reported payment. ``iur`` is the PSP's id of the collection (its receipt's IUR or
    payment token); ``index`` the transfer of the receipt it reports (None when not given)."""

    iuv: str
    iur: str
    index: int | None
    amount_cents: int
    outcome_code: str
    outcome_date: dt.date

    @property
    def outcome(self) -> str:
        return EXECUTED_OUTCOMES[self.outcome_code]


@dataclass(frozen=True, slots=True)
class PagopaFlow:
    """One reporting flow, checked: its count and total agree with its payments.

    ``settlement_id`` (identificativoUnivocoRegolamento) is the transfer's TRN or EndToEndId;
    ``flow_datetime`` is aware (Europe/Rome when the file gives no offset).
    """

    flow_id: str
    flow_datetime: dt.datetime
    settlement_id: str
    settlement_date: dt.date
    psp_id: str
    psp_name: str | None
    creditor_id: str
    creditor_name: str | None
    payments_count: int
    total_cents: int
    payments: tuple[PagopaPayment, ...]
    version: str = "1.0"
    psp_id_kind: str = "B"
    settlement_bic: str | None = None  # codiceBicBancaDiRiversamento


def looks_like(data: bytes) -> bool:
    """Whether ``data`` opens with a FlussoRiversamento root in the pagoPA namespace."""
    head = data[:4096]
    return _HEAD.search(head) is not None and NAMESPACE.encode() in head


def parse_pagopa_flow(data: bytes, *, what: str = "pagoPA flow") -> PagopaFlow:
    """The flow in ``data``; ImportFileError naming element and line on any fault."""
    root = safe_xml.parse(data, what=what)
    _check_root(root, what)
    version = _required(root, "versioneOggetto", what)
    if version not in OBJECT_VERSIONS:
        raise ImportFileError(
            f"{what}: versioneOggetto {version!r} is not a FlussoRiversamento version "
            f"({', '.join(sorted(OBJECT_VERSIONS))}){line_of(child(root, 'versioneOggetto'))}"
        )
    flow_id = _required(root, "identificativoFlusso", what)
    if not _FLOW_ID.fullmatch(flow_id):
        raise ImportFileError(
            f"{what}: identificativoFlusso {flow_id!r} is not 1-35 letters, digits, '-' or '_'"
            f"{line_of(child(root, 'identificativoFlusso'))}"
        )
    where = f"{what}: flow {flow_id}"
    sender = _section(root, "istitutoMittente", where)
    sender_id = _section(sender, "identificativoUnivocoMittente", where)
    receiver = _section(root, "istitutoRicevente", where)
    receiver_id = _section(receiver, "identificativoUnivocoRicevente", where)
    payments = _payments(root, where)
    flow = PagopaFlow(
        flow_id=flow_id,
        flow_datetime=_datetime(root, "dataOraFlusso", where),
        settlement_id=_id35(root, "identificativoUnivocoRegolamento", where),
        settlement_date=_date(root, "dataRegolamento", where),
        psp_id=_id35(sender_id, "codiceIdentificativoUnivoco", where),
        psp_name=text(sender, "denominazioneMittente"),
        creditor_id=_id35(receiver_id, "codiceIdentificativoUnivoco", where),
        creditor_name=text(receiver, "denominazioneRicevente"),
        payments_count=_count(root, where),
        total_cents=_cents(child(root, "importoTotalePagamenti"), "importoTotalePagamenti", where),
        payments=payments,
        version=version,
        psp_id_kind=_kind(sender_id, PSP_ID_KINDS, where),
        settlement_bic=text(root, "codiceBicBancaDiRiversamento"),
    )
    _kind(receiver_id, CREDITOR_ID_KINDS, where)
    _check_totals(root, flow, where)
    return flow


def to_statement(flow: PagopaFlow) -> Statement:
    """The flow as the detail of its lump sum: one credit per payment, in flow order.

    Each entry is booked on the settlement date, valued on the day the payer paid, keyed by
    the IUR and its position in the flow; its remittance is the causale a single transfer
    would carry (``/RFB/<IUV>/<amount>``, ``/RFS/`` for an RF creditor-reference IUV), so the
    IUV is found as on any bank credit.
    """
    entries = tuple(
        StatementEntry(
            amount_cents=payment.amount_cents,
            booking_date=flow.settlement_date,
            value_date=payment.outcome_date,
            bank_reference=payment.iur,
            end_to_end_id=None,
            remittance_text=_remittance(payment),
            bank_transaction_code=f"pagoPA/{payment.outcome_code}",
            details_index=position,
        )
        for position, payment in enumerate(flow.payments)
    )
    return Statement(
        format=FORMAT,
        statement_id=flow.flow_id,
        account_id=flow.creditor_id,
        currency="EUR",
        opening_balance_cents=None,
        closing_balance_cents=None,
        opening_date=None,
        closing_date=None,
        entries=entries,
    )


def lump_sum_reference(text: str) -> str | None:
    """The flow id a lump-sum transfer's remittance names, or None.

    The standard causale is ``/PUR/LGPE-RIVERSAMENTO/URI/<flow id>``; banks pass it on with
    a prefix (``RI1``, other tags), other separators (GovPay accepts any character between the
    words, and an optional ``TXT/<digit>/``), in any case, or without ``/PUR``; a treasury
    journal may put a space after the date that opens the id (``.../URI/2023-01-01 ABC123``),
    which is taken back out. ``LGPE-INTEGRAZIONE`` (a top-up of a flow paid short) is not a
    lump sum and gives None, as does an "id" longer than the 35 characters the schema allows.
    """
    found = _LUMP_SUM.search(text)
    if found is None:
        return None
    flow_id = found.group("id")
    if _ISO_DAY.fullmatch(flow_id) and found.group("next"):
        flow_id += found.group("next")
    return flow_id if _FLOW_ID.fullmatch(flow_id) else None


# ------------------------------------------------------------------------------ reading


def _check_root(root: etree._Element, what: str) -> None:
    name, uri = local_name(root), namespace(root)
    if name != ROOT or uri != NAMESPACE:
        raise ImportFileError(
            f"{what}: root element <{name}> in namespace {uri or '(none)'!r} is not a pagoPA "
            f"reporting flow (<{ROOT}> in {NAMESPACE!r}){line_of(root)}"
        )


def _section(element: etree._Element, name: str, where: str) -> etree._Element:
    found = child(element, name)
    if found is None:
        raise ImportFileError(f"{where}: {name} is missing{line_of(element)}")
    return found


def _required(element: etree._Element, name: str, where: str) -> str:
    value = text(element, name)
    if value is None:
        raise ImportFileError(f"{where}: {name} is missing or empty{line_of(element)}")
    return value


def _id35(element: etree._Element, name: str, where: str) -> str:
    value = _required(element, name, where)
    if len(value) > 35:
        raise ImportFileError(
            f"{where}: {name} {value!r} is longer than 35 characters{line_of(child(element, name))}"
        )
    return value


def _kind(identifier: etree._Element, allowed: frozenset[str], where: str) -> str:
    kind = _required(identifier, "tipoIdentificativoUnivoco", where)
    if kind not in allowed:
        raise ImportFileError(
            f"{where}: tipoIdentificativoUnivoco {kind!r} of {local_name(identifier)} is not "
            f"one of {', '.join(sorted(allowed))}"
            f"{line_of(child(identifier, 'tipoIdentificativoUnivoco'))}"
        )
    return kind


def _date(element: etree._Element, name: str, where: str) -> dt.date:
    raw = _required(element, name, where)
    matched = _DATE.fullmatch(raw)
    try:
        if matched is None:
            raise ValueError(raw)
        return dt.date.fromisoformat(matched.group(1))
    except ValueError:
        raise ImportFileError(
            f"{where}: {name} {raw!r} is not a date (YYYY-MM-DD){line_of(child(element, name))}"
        ) from None


def _datetime(element: etree._Element, name: str, where: str) -> dt.datetime:
    raw = _required(element, name, where)
    matched = _DATETIME.fullmatch(raw)
    try:
        if matched is None:
            raise ValueError(raw)
        stamp, fraction, offset = matched.groups()
        micro = "." + fraction[:6].ljust(6, "0") if fraction else ""  # Python takes µs
        zone = "+00:00" if offset == "Z" else (offset or "")
        value = dt.datetime.fromisoformat(stamp + micro + zone)
    except ValueError:
        raise ImportFileError(
            f"{where}: {name} {raw!r} is not a date and time (YYYY-MM-DDThh:mm:ss)"
            f"{line_of(child(element, name))}"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=ROME)


def _count(root: etree._Element, where: str) -> int:
    raw = _required(root, "numeroTotalePagamenti", where)
    if not _COUNT.fullmatch(raw) or int(raw) < 1:
        raise ImportFileError(
            f"{where}: numeroTotalePagamenti {raw!r} is not a whole number from 1"
            f"{line_of(child(root, 'numeroTotalePagamenti'))}"
        )
    return int(raw)


def _cents(element: etree._Element | None, name: str, where: str, *, minimum: int = 0) -> int:
    """An amount in cents: digits, at most two decimals, no sign, within the schema's range."""
    if element is None:
        raise ImportFileError(f"{where}: {name} is missing")
    raw = (element.text or "").strip()
    found = _AMOUNT.fullmatch(raw)
    if found is None:
        problem = "is not an amount (digits and a decimal point)"
    elif found.group("sign") == "-":
        problem = "is negative"
    elif found.group("sign") == "+":
        problem = "carries a sign"
    elif len(found.group("decimals") or "") > 2:
        problem = "has more than 2 decimals"
    else:
        cents = int(Decimal(raw) * 100)
        if cents < minimum:
            problem = f"is less than {format_cents(minimum)}"
        elif cents > MAX_AMOUNT_CENTS:
            problem = f"is more than {format_cents(MAX_AMOUNT_CENTS)}"
        else:
            return cents
    raise ImportFileError(f"{where}: {name} {raw!r} {problem}{line_of(element)}")


def _payments(root: etree._Element, where: str) -> tuple[PagopaPayment, ...]:
    payments: list[PagopaPayment] = []
    seen: dict[tuple[str, str, int | None], int | None] = {}
    for number, element in enumerate(children(root, "datiSingoliPagamenti"), start=1):
        here = f"{where}: payment {number}"
        payment = _payment(element, here)
        key = (payment.iuv, payment.iur, payment.index)
        if key in seen:
            first = seen[key]
            raise ImportFileError(
                f"{here}: IUV {payment.iuv!r}, IUR {payment.iur!r}, index {payment.index} is "
                f"reported twice (first at line {first}){line_of(element)}"
            )
        seen[key] = element.sourceline
        payments.append(payment)
    if not payments:
        raise ImportFileError(f"{where}: the flow lists no payment (datiSingoliPagamenti)")
    return tuple(payments)


def _payment(element: etree._Element, here: str) -> PagopaPayment:
    iuv = _id35(element, "identificativoUnivocoVersamento", here)
    here = f"{here} (IUV {iuv})"
    outcome = _required(element, "codiceEsitoSingoloPagamento", here)
    if outcome not in EXECUTED_OUTCOMES:
        known = ", ".join(f"{code} {name}" for code, name in EXECUTED_OUTCOMES.items())
        revoked = (
            " (3, revoked, belongs to 1.0.4 and is not imported: handle the revocation by hand)"
            if outcome == REVOKED_OUTCOME
            else ""
        )
        raise ImportFileError(
            f"{here}: codiceEsitoSingoloPagamento {outcome!r} is not an outcome of "
            f"FlussoRiversamento 1.0.5 ({known}){revoked}"
            f"{line_of(child(element, 'codiceEsitoSingoloPagamento'))}"
        )
    return PagopaPayment(
        iuv=iuv,
        iur=_id35(element, "identificativoUnivocoRiscossione", here),
        index=_index(element, here),
        amount_cents=_cents(
            child(element, "singoloImportoPagato"), "singoloImportoPagato", here, minimum=1
        ),
        outcome_code=outcome,
        outcome_date=_date(element, "dataEsitoSingoloPagamento", here),
    )


def _index(element: etree._Element, here: str) -> int | None:
    raw = text(element, "indiceDatiSingoloPagamento")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_INDEX:
        raise ImportFileError(
            f"{here}: indiceDatiSingoloPagamento {raw!r} is not a number from 1 to {MAX_INDEX}"
            f"{line_of(child(element, 'indiceDatiSingoloPagamento'))}"
        )
    return int(raw)


def _check_totals(root: etree._Element, flow: PagopaFlow, where: str) -> None:
    listed = len(flow.payments)
    if flow.payments_count != listed:
        raise ImportFileError(
            f"{where}: numeroTotalePagamenti says {flow.payments_count} payments but the flow "
            f"lists {listed}{line_of(child(root, 'numeroTotalePagamenti'))}"
        )
    paid = sum(payment.amount_cents for payment in flow.payments)
    if flow.total_cents != paid:
        raise ImportFileError(
            f"{where}: importoTotalePagamenti {format_cents(flow.total_cents)} is not the sum "
            f"of the {listed} payments, {format_cents(paid)} (difference "
            f"{format_cents(flow.total_cents - paid)})"
            f"{line_of(child(root, 'importoTotalePagamenti'))}"
        )


def _remittance(payment: PagopaPayment) -> str:
    tag = "RFS" if payment.iuv.upper().startswith("RF") else "RFB"
    return f"/{tag}/{payment.iuv}/{format_cents(payment.amount_cents)}"
