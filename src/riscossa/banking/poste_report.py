"""Poste Italiane "rendicontazione bollettini": the bollettini paid into a postal account.

Poste reports the bollettini credited to a conto corrente postale as fixed 200-byte ASCII
records (one a line, CRLF, or a bare run of 200-byte blocks): one "record di versamento" per
bollettino and a "record riepilogativo" that closes them with their count and total. There is
no header record. Positions are 1-based, both ends included:

    payment   progressivo caricamento (1-8: reel 1-3, position in the reel 4-8),
              progressivo selezione (9-15), conto corrente (16-27), payment date YYMMDD
              (28-33), bill type (34-36), amount in cents (37-46), office of acceptance
              (47-54: province 47-49, office 50-52, counter 53-54), currency (55, "2" euro),
              credit date YYMMDD (56-61), 896 code: 16 digits (62-77) and their check
              digits mod 93 (78-79), acceptance channel (80-81: CC paper, AV, DP
              dematerialised pre-marked, DI dematerialised with image), substitute slip
              S/N (82), filler (83-200)
    summary   conto corrente (2-13), credit date YYMMDD (14-19), "999" (34-36), number of
              documents (37-44) and their total in cents (45-56), then the same for the
              documents Poste calls exact (57-64, 65-76) and erroneous (77-84, 85-96)

Bill types: 896 pre-marked by an invoicing creditor (carries the 18-digit code), 674
pre-marked without code, 451 blank personalised, 123 blank, 247 pre-marked MAV.

Sources. Poste Italiane, "Tracciato record rendicontazione bollettini incassati" (Ed. Novembre
2015) and "... bollettini tributi" (Ed. Luglio 2018), public copies at
docplayer.it/20918510, happylibnet.com/doc/363074 and it.scribd.com/document/651538275: 200
bytes, ASCII, a "record riepilogativo", and the payment record's first six fields (positions
1-46, bill types 247/896/451). The rest of the payment record and the whole summary record
come from public readers of the format, not from Poste's text: CedHouseSuite
(C#, ``Tracciati/TD896/Ricezione/Record896.cs`` and ``Record999.cs``; divisa "2" = euro,
channel codes, summary layout), the Regione Marche CURMIT loader
(``curmit/packages/iter/www/src/coimfile-pagamenti-postali-gest.tcl``: the same positions
1-82, "999" for the summary) and the SEDA payer web-service types (field order). Unconfirmed:
the summary's place in the file (read here as the trailer of the payments before it, one per
account or day; a file with payments after its last summary is refused as truncated), what
"exact" and "erroneous" documents are (kept, not checked), and the summary's first byte (a
processing-centre code in CedHouseSuite, ignored).

The code of an 896 slip whose check digits disagree is refused by default, naming the
record: it would otherwise reach matching as a reference the creditor never issued. Poste's
own summary counts "erroneous" documents, so a creditor who receives such records may pass
``refuse_bad_codes=False``: the payment is then kept without a payment code, for the
unapplied-payments queue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from riscossa.banking.fixed_records import Field, first_line, split_records
from riscossa.banking.payment_codes import parse_poste_896
from riscossa.banking.statement_model import Statement, StatementEntry, format_cents
from riscossa.domain.errors import ImportFileError

FORMAT = "Poste-bollettini"
RECORD_LENGTH = 200
SUMMARY_TYPE = "999"
CODED_TYPE = "896"
BILL_TYPES = ("896", "674", "451", "123", "247")
EURO = "2"
CHANNELS = frozenset({"CC", "AV", "DP", "DI"})


_Field = Field


RECORD_TYPE = _Field("record type", 34, 36)
# Payment record ("record di versamento").
LOAD = _Field("progressivo caricamento", 1, 8)
SELECTION = _Field("progressivo selezione", 9, 15)
ACCOUNT = _Field("conto corrente", 16, 27)
PAID_ON = _Field("payment date", 28, 33)
AMOUNT = _Field("amount", 37, 46)
OFFICE = _Field("office of acceptance", 47, 54)
CURRENCY = _Field("currency", 55, 55)
CREDITED_ON = _Field("credit date", 56, 61)
CODE = _Field("896 code", 62, 79)
CHANNEL = _Field("acceptance channel", 80, 81)
SUBSTITUTE = _Field("substitute slip", 82, 82)
# Summary record ("record riepilogativo").
SUMMARY_ACCOUNT = _Field("conto corrente", 2, 13)
SUMMARY_CREDITED_ON = _Field("credit date", 14, 19)
TOTAL_COUNT = _Field("number of documents", 37, 44)
TOTAL_AMOUNT = _Field("total amount", 45, 56)
EXACT_COUNT = _Field("exact documents", 57, 64)
EXACT_AMOUNT = _Field("exact amount", 65, 76)
WRONG_COUNT = _Field("erroneous documents", 77, 84)
WRONG_AMOUNT = _Field("erroneous amount", 85, 96)

_DIGITS = re.compile(r"[0-9]+")
_KINDS = {**{kind: f"{kind} payment" for kind in BILL_TYPES}, SUMMARY_TYPE: "999 summary"}


@dataclass(frozen=True, slots=True)
class PostePayment:
    """One paid bollettino.

    ``paid_on`` is when the payer paid at the counter (data accettazione), ``credited_on``
    when Poste booked it on the account (data contabile accredito). ``payment_code`` is the
    verified 18-digit code of an 896 slip, None for other bill types and for an 896 code
    kept although its check digits disagree (``raw_code`` then holds it as written).
    """

    record_number: int
    account: str
    paid_on: dt.date
    credited_on: dt.date
    bill_type: str
    amount_cents: int
    load: str
    selection: str
    office: str
    payment_code: str | None
    raw_code: str | None
    channel: str | None
    substitute: bool

    @property
    def bank_reference(self) -> str:
        """Reel, position in the reel and selection: Poste's own key of the slip."""
        return f"{self.load}/{self.selection}"

    def to_entry(self) -> StatementEntry:
        """The slip as a credit: booked on the credit date, valued on the day it was paid."""
        if self.payment_code is not None:
            remittance = f"BOLLETTINO {self.bill_type} CODICE {self.payment_code}"
        elif self.raw_code is not None:
            remittance = f"BOLLETTINO {self.bill_type} CODICE ERRATO {self.raw_code}"
        else:
            remittance = f"BOLLETTINO {self.bill_type}"
        return StatementEntry(
            amount_cents=self.amount_cents,
            booking_date=self.credited_on,
            value_date=self.paid_on,
            bank_reference=self.bank_reference,
            remittance_text=remittance,
            bank_transaction_code=f"POSTE:{self.bill_type}",
        )


@dataclass(frozen=True, slots=True)
class PosteGroup:
    """The payments into one account closed by their summary record, with its figures."""

    account: str
    credited_on: dt.date | None
    summary_record: int
    payments: tuple[PostePayment, ...]
    total_cents: int
    exact_count: int
    exact_cents: int
    wrong_count: int
    wrong_cents: int

    def to_statement(self, statement_id: str) -> Statement:
        days = [payment.credited_on for payment in self.payments]
        return Statement(
            format=FORMAT,
            statement_id=statement_id,
            account_id=self.account,
            currency="EUR",
            opening_balance_cents=None,
            closing_balance_cents=None,
            opening_date=min(days, default=self.credited_on),
            closing_date=max(days, default=self.credited_on),
            entries=tuple(payment.to_entry() for payment in self.payments),
        )


@dataclass(frozen=True, slots=True)
class PosteReport:
    """Every group of the file, in file order."""

    groups: tuple[PosteGroup, ...]

    @property
    def payments(self) -> tuple[PostePayment, ...]:
        return tuple(payment for group in self.groups for payment in group.payments)

    def to_statements(self) -> tuple[Statement, ...]:
        """One statement per group: ``POSTE/<account>/<credit date>``, ``/2``... on repeats."""
        statements: list[Statement] = []
        used: dict[str, int] = {}
        for group in self.groups:
            day = f"{group.credited_on:%Y%m%d}" if group.credited_on else "-"
            name = f"POSTE/{group.account}/{day}"
            used[name] = used.get(name, 0) + 1
            if used[name] > 1:
                name = f"{name}/{used[name]}"
            statements.append(group.to_statement(name))
        return tuple(statements)


@dataclass(frozen=True, slots=True)
class _Record:
    number: int
    text: str

    @property
    def kind(self) -> str:
        return self.text[33:36]

    def get(self, at: _Field) -> str:
        return at.of(self.text)


def looks_like(data: bytes) -> bool:
    """Whether ``data`` starts with a 200-byte payment or summary record of this layout."""
    first = first_line(data, RECORD_LENGTH)
    if len(first) != RECORD_LENGTH:
        return False
    kind = first[33:36].decode("latin-1")
    if kind == SUMMARY_TYPE:
        return first[1:19].isdigit()
    return kind in BILL_TYPES and first[:33].isdigit()


def parse_poste_report(
    data: bytes, *, what: str = "Poste bollettini report", refuse_bad_codes: bool = True
) -> PosteReport:
    """Every group of the file, each checked against its summary record.

    The whole file is refused on the first fault, naming the record, the field and the
    value: a report read in part would leave payments unmatched or matched twice.
    """
    records = _records(data, what)
    if not records:
        raise ImportFileError(f"{what}: the file is empty")
    groups: list[PosteGroup] = []
    pending: list[PostePayment] = []
    for record in records:
        kind = record.kind
        if kind == SUMMARY_TYPE:
            groups.append(_group(record, pending, what))
            pending = []
        elif kind in BILL_TYPES:
            pending.append(_payment(record, what, refuse_bad_codes))
        else:
            raise ImportFileError(
                f"{what}: record {record.number}: unknown record type {kind!r} "
                f"({RECORD_TYPE.positions}; a Poste report has bill types "
                f"{', '.join(BILL_TYPES)} and the {SUMMARY_TYPE} summary)"
            )
    if pending:
        first, last = pending[0].record_number, pending[-1].record_number
        span = f"record {first}" if first == last else f"records {first}-{last}"
        raise ImportFileError(
            f"{what}: the file ends at record {records[-1].number} without the "
            f"{SUMMARY_TYPE} summary of {span}: truncated"
        )
    return PosteReport(tuple(groups))


def _records(data: bytes, what: str) -> list[_Record]:
    records = []
    for number, chunk in enumerate(split_records(data, RECORD_LENGTH), start=1):
        text = chunk.decode("latin-1")
        if len(text) != RECORD_LENGTH:
            raise ImportFileError(
                f"{what}: record {number}: {len(text)} bytes, a Poste report record has "
                f"exactly {RECORD_LENGTH} ({text[:36]!r}...)"
            )
        records.append(_Record(number, text))
    return records


def _payment(record: _Record, what: str, refuse_bad_codes: bool) -> PostePayment:
    bill_type = record.kind
    currency = record.get(CURRENCY)
    if currency != EURO:
        raise _bad(record, CURRENCY, f"is not {EURO!r} (euro)", what)
    payment_code = raw_code = None
    if bill_type == CODED_TYPE:
        raw_code = record.get(CODE)
        payment_code = parse_poste_896(raw_code) if raw_code.isdigit() else None
        if payment_code is None and refuse_bad_codes:
            raise _bad(
                record,
                CODE,
                "is not 16 digits followed by their remainder modulo 93 (check digits "
                "at positions 78-79)",
                what,
            )
    channel = record.get(CHANNEL).strip()
    substitute = record.get(SUBSTITUTE)
    if substitute not in ("S", "N", " "):
        raise _bad(record, SUBSTITUTE, "is neither S nor N", what)
    return PostePayment(
        record_number=record.number,
        account=_digits(record, ACCOUNT, what),
        paid_on=_date(record, PAID_ON, what),
        credited_on=_date(record, CREDITED_ON, what),
        bill_type=bill_type,
        amount_cents=int(_digits(record, AMOUNT, what)),
        load=_digits(record, LOAD, what),
        selection=_digits(record, SELECTION, what),
        office=record.get(OFFICE).strip(),
        payment_code=payment_code,
        raw_code=raw_code if payment_code is None else None,
        channel=channel or None,
        substitute=substitute == "S",
    )


def _group(summary: _Record, payments: list[PostePayment], what: str) -> PosteGroup:
    account = _digits(summary, SUMMARY_ACCOUNT, what)
    for payment in payments:
        if payment.account != account:
            raise ImportFileError(
                f"{what}: record {payment.record_number} ({payment.bill_type} payment): "
                f"{ACCOUNT.label} ({ACCOUNT.positions}) {payment.account!r} differs from "
                f"{account!r} of its {SUMMARY_TYPE} summary (record {summary.number})"
            )
    count = int(_digits(summary, TOTAL_COUNT, what))
    if count != len(payments):
        raise _bad(summary, TOTAL_COUNT, f"says {count}, the summary closes {len(payments)}", what)
    total = int(_digits(summary, TOTAL_AMOUNT, what))
    actual = sum(payment.amount_cents for payment in payments)
    if total != actual:
        raise _bad(
            summary,
            TOTAL_AMOUNT,
            f"says {format_cents(total)}, its {len(payments)} payments add up to "
            f"{format_cents(actual)} (difference {format_cents(total - actual)})",
            what,
        )
    raw_day = summary.get(SUMMARY_CREDITED_ON)
    return PosteGroup(
        account=account,
        credited_on=None if not raw_day.strip() else _date(summary, SUMMARY_CREDITED_ON, what),
        summary_record=summary.number,
        payments=tuple(payments),
        total_cents=total,
        exact_count=int(_digits(summary, EXACT_COUNT, what)),
        exact_cents=int(_digits(summary, EXACT_AMOUNT, what)),
        wrong_count=int(_digits(summary, WRONG_COUNT, what)),
        wrong_cents=int(_digits(summary, WRONG_AMOUNT, what)),
    )


def _digits(record: _Record, at: _Field, what: str) -> str:
    raw = record.get(at)
    if _DIGITS.fullmatch(raw) is None:
        raise _bad(record, at, "is not a number", what)
    return raw


def _date(record: _Record, at: _Field, what: str) -> dt.date:
    raw = record.get(at)
    if _DIGITS.fullmatch(raw) is not None:
        try:
            return dt.date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
        except ValueError:
            pass
    raise _bad(record, at, "is not a date (YYMMDD)", what)


def _bad(record: _Record, at: _Field, problem: str, what: str) -> ImportFileError:
    return ImportFileError(
        f"{what}: record {record.number} ({_KINDS[record.kind]}): {at.label} "
        f"({at.positions}) {record.get(at)!r} {problem}"
    )
