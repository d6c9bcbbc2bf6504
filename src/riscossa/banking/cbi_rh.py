"""CBI "RH" movements flow (CBI-RND-001, "Rendicontazione saldi e movimenti di c/c").

Italian banks deliver the daily statements of a creditor's accounts as fixed 120-character
records: one a line (CRLF or LF), or a bare run of 120-byte blocks; Latin-1 / cp1252 text.

    RH  header: sender ABI (4-8), receiver SIA code (9-13), creation DDMMYY (14-19), name (20-39)
    61  opening balance of one account: the statement's progressive number (4-10), CIN (52),
        ABI (53-57), CAB (58-62), account (63-74), currency (75-77), date (78-83), sign (84),
        balance (85-99), IBAN country (100-101) and check digits (102-103)
    62  movement: progressive (4-10), movement number (11-13), value date (14-19), booking
        date (20-25), sign (26), amount (27-41), CBI causale (42-43), internal causale
        (44-45), cheque number (46-61), bank reference (62-77), description (87-120)
    63  information on the 62 before it (progressive, movement number, then 107 characters):
        YYY order date (17-24) + payer tax code (25-40) + payer name (41-80); YY2 payer
        address (17-66) + payer IBAN (67-100); ID1 MsgId (17-51) + EndToEndId (52-86);
        RI1 / RI2 remittance, 104 characters each (17-120); other text is free description
    64  closing balance: currency (11-13), date (14-19), sign (20), balance (21-35), then the
        available balance (36-51)
    65  forward available balances (optional)
    EF  trailer: the header's keys, number of statements (46-52), records RH..EF (83-89)

A file may hold several flows one after the other (one per sending bank). A statement is
named "sender/receiver/creation date/flow name/progressive", unique because the standard
makes the flow name unique per sender, receiver and day.

Sources for the positions: the field lengths of CBI-RND-001 v6.05 as restated by
GPA-Gruppo-Progetti-Avanzati-SRL/tpm-edi-cbi (cbi/rnd_001/rnd_001_06_05/rnd_rh/
rh-record-defs.go) and, for RH and EF with the standard's field descriptions, by
AlexBream/CBI-NetToolkit (Cbi.NetStandard/Rendiconto/Header.cs, Footer.cs). The order of the
two dates in 62, value date first and booking date second, is what tpm-edi-cbi names them,
what its camt.053 converter (GPA tpm-edi, cbi-Iso20022-Conv/rnd_001/rnd_001_06_05/
rh_to_camt_053_001_02.go) maps to ValDt and BookgDt, and what an independent RH writer in
the public code index writes ("data valuta", then "data registrazione contabile"); one
reverse-engineered parser claims the opposite order, against both. The standard's own
revision table (CBI-RND-001 v6.05, published copy at slideum.com/doc/6540046) puts the 62
amount at positions 27-41 "con virgola esplicita".

A debit booked under a causale in ``REVERSAL_CAUSALI`` is a storno (``reversal=True``): the
default holds only 48 (incoming credit transfer), because a debit under the causale of an
incoming payment can only take that payment back; a bank's own storno causali are policy,
passed as ``reversal_causali``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from riscossa.banking.fixed_records import Field, split_records, without_bom
from riscossa.banking.iban import check_iban
from riscossa.banking.statement_model import Statement, StatementEntry, check_control_figures
from riscossa.domain.errors import ImportFileError

FORMAT = "CBI-RH"
RECORD_LENGTH = 120
KNOWN_TYPES = ("RH", "61", "62", "63", "64", "65", "EF")
REVERSAL_CAUSALI = frozenset({"48"})


_Field = Field


PROGRESSIVE = _Field("progressive number", 4, 10)
MOVEMENT_NUMBER = _Field("movement number", 11, 13)
# RH header, repeated by the EF trailer.
SENDER = _Field("sender ABI", 4, 8)
RECEIVER = _Field("receiver", 9, 13)
CREATED = _Field("creation date", 14, 19)
FLOW_NAME = _Field("flow name", 20, 39)
EF_STATEMENTS = _Field("number of statements", 46, 52)
EF_RECORDS = _Field("number of records", 83, 89)
# 61 opening balance.
CIN = _Field("CIN", 52, 52)
ABI = _Field("ABI", 53, 57)
CAB = _Field("CAB", 58, 62)
ACCOUNT = _Field("account", 63, 74)
CURRENCY = _Field("currency", 75, 77)
OPENING_DATE = _Field("accounting date", 78, 83)
OPENING_SIGN = _Field("opening balance sign", 84, 84)
OPENING_BALANCE = _Field("opening balance", 85, 99)
IBAN_COUNTRY = _Field("IBAN country", 100, 101)
IBAN_CHECK = _Field("IBAN check digits", 102, 103)
_IBAN_PIECES = (IBAN_COUNTRY, IBAN_CHECK, CIN, ABI, CAB, ACCOUNT)
# 62 movement.
VALUE_DATE = _Field("value date", 14, 19)
BOOKING_DATE = _Field("booking date", 20, 25)
SIGN = _Field("sign", 26, 26)
AMOUNT = _Field("amount", 27, 41)
CAUSALE = _Field("CBI causale", 42, 43)
BANK_REFERENCE = _Field("bank reference", 62, 77)
DESCRIPTION = _Field("description", 87, 120)
# 63 movement information: a tag, then its fields; or free text.
TAG = _Field("tag", 14, 16)
FREE_TEXT = _Field("text", 14, 120)
PAYER_NAME = _Field("payer name", 41, 80)  # YYY, after order date 17-24 and tax code 25-40
PAYER_IBAN = _Field("payer IBAN", 67, 100)  # YY2, after the payer address 17-66
END_TO_END_ID = _Field("EndToEndId", 52, 86)  # ID1, after MsgId 17-51
REMITTANCE = _Field("remittance", 17, 120)  # RI1, RI2
# 64 closing balance (the available balance follows at 36-51).
CLOSING_CURRENCY = _Field("currency", 11, 13)
CLOSING_DATE = _Field("accounting date", 14, 19)
CLOSING_SIGN = _Field("closing balance sign", 20, 20)
CLOSING_BALANCE = _Field("closing balance", 21, 35)

# 63 tags read for the payer, and those known but left (account transfers, foreign amounts,
# ordering party and payee of foreign transfers): neither is free description.
_REMITTANCE_TAGS = ("RI1", "RI2")
_OTHER_TAGS = frozenset({"KKK", "ZZ1", "ZZ2", "ZZ3", "/ZZ"})
_DIGITS = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r" *([0-9]{1,12}),([0-9]{2})")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class _Record:
    number: int
    text: str

    @property
    def kind(self) -> str:
        return self.text[1:3]

    def get(self, at: _Field) -> str:
        return at.of(self.text)


@dataclass(slots=True)
class _Movement:
    record: _Record
    details: list[_Record] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    progressive: int
    opening: _Record
    movements: list[_Movement] = field(default_factory=list)
    closing: _Record | None = None


@dataclass(frozen=True, slots=True)
class _Flow:
    header: _Record
    trailer: _Record
    groups: list[_Group]


def looks_like(data: bytes) -> bool:
    """Whether ``data`` starts with a CBI RH header record."""
    head = without_bom(data)[:RECORD_LENGTH]
    return (
        len(head) == RECORD_LENGTH
        and head[:3] == b" RH"
        and re.fullmatch(rb"[0-9]{6}", head[13:19]) is not None
    )


def parse_cbi_rh(
    data: bytes,
    *,
    what: str = "CBI RH file",
    reversal_causali: frozenset[str] = REVERSAL_CAUSALI,
) -> tuple[Statement, ...]:
    """Every statement (61 to 64) of every flow (RH to EF) in the file, each checked.

    The whole file is refused on the first fault, naming the record, the field and the
    value: a statement read in part would leave payments unmatched or matched twice.
    """
    records = _records(data, what)
    if not records:
        raise ImportFileError(f"{what}: the file is empty")
    statements: list[Statement] = []
    start = 0
    while start < len(records):
        flow = _read_flow(records, start, what)
        statements.extend(_statements(flow, what, reversal_causali))
        start = flow.trailer.number  # records are numbered from 1: the next one's index
    return tuple(statements)


def _records(data: bytes, what: str) -> list[_Record]:
    records = []
    for number, chunk in enumerate(split_records(data, RECORD_LENGTH), start=1):
        text = _decode(chunk)
        if len(text) != RECORD_LENGTH:
            raise ImportFileError(
                f"{what}: record {number}: {len(text)} characters, a CBI record has exactly "
                f"{RECORD_LENGTH} ({text[:24]!r}...)"
            )
        records.append(_Record(number, text))
    return records


def _decode(chunk: bytes) -> str:
    try:
        return chunk.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chunk.decode("latin-1")


def _read_flow(records: list[_Record], start: int, what: str) -> _Flow:
    header = records[start]
    if header.kind != "RH":
        raise ImportFileError(
            f"{what}: record {header.number}: a flow starts with the RH header, found record "
            f"type {header.kind!r}" + (" (not a CBI RH movements flow)" if start == 0 else "")
        )
    groups: list[_Group] = []
    for record in records[start + 1 :]:
        _check_type(record, what)
        kind = record.kind
        last = groups[-1] if groups else None
        current = last if last is not None and last.closing is None else None
        if kind in ("EF", "61") and current is not None:
            raise _misplaced(
                record, f"before the 64 closing the 61 of record {current.opening.number}", what
            )
        if kind == "EF":
            flow = _Flow(header, record, groups)
            _check_trailer(flow, what)
            return flow
        if kind == "RH":
            raise _misplaced(record, f"before the EF of the flow of record {header.number}", what)
        progressive = _number(record, PROGRESSIVE, what)
        if kind == "61":
            if any(group.progressive == progressive for group in groups):
                raise _bad(record, PROGRESSIVE, "repeats an earlier statement's", what)
            groups.append(_Group(progressive, record))
            continue
        owner = current if kind != "65" else (last if current is None else None)
        if owner is None:
            after = "a 64 closing balance" if kind == "65" else "a 61 opening balance"
            raise _misplaced(record, f"outside a statement (it must follow {after})", what)
        if progressive != owner.progressive:
            raise _bad(
                record,
                PROGRESSIVE,
                f"differs from {owner.progressive} of its "
                f"statement (record {owner.opening.number})",
                what,
            )
        if kind == "62":
            owner.movements.append(_Movement(record))
        elif kind == "63":
            _attach(owner, record, what)
        elif kind == "64":
            owner.closing = record
    raise ImportFileError(
        f"{what}: the file ends at record {records[-1].number} without the EF trailer of the "
        f"flow that starts at record {header.number}: truncated"
    )


def _attach(group: _Group, record: _Record, what: str) -> None:
    if not group.movements:
        raise _misplaced(record, "before any 62 movement of its statement", what)
    movement = group.movements[-1]
    expected = movement.record.get(MOVEMENT_NUMBER)
    if record.get(MOVEMENT_NUMBER) != expected:
        raise _bad(
            record,
            MOVEMENT_NUMBER,
            f"differs from {expected!r} of its 62 (record {movement.record.number})",
            what,
        )
    movement.details.append(record)


def _check_type(record: _Record, what: str) -> None:
    if record.kind not in KNOWN_TYPES:
        raise ImportFileError(
            f"{what}: record {record.number}: unknown record type {record.kind!r} "
            f"(positions 2-3; a CBI RH flow has {', '.join(KNOWN_TYPES)})"
        )


def _check_trailer(flow: _Flow, what: str) -> None:
    header, trailer = flow.header, flow.trailer
    for at in (SENDER, RECEIVER, CREATED, FLOW_NAME):
        if trailer.get(at) != header.get(at):
            raise _bad(
                trailer,
                at,
                f"differs from {header.get(at)!r} of the RH header (record {header.number})",
                what,
            )
    statements = _number(trailer, EF_STATEMENTS, what)
    if statements != len(flow.groups):
        raise _bad(
            trailer, EF_STATEMENTS, f"says {statements}, the flow has {len(flow.groups)}", what
        )
    count = trailer.number - header.number + 1
    declared = _number(trailer, EF_RECORDS, what)
    if declared != count:
        raise _bad(trailer, EF_RECORDS, f"says {declared}, the flow has {count} (RH to EF)", what)


def _statements(flow: _Flow, what: str, reversal_causali: frozenset[str]) -> list[Statement]:
    header = flow.header
    created = _date(header, CREATED, what)
    sender, receiver, name = (header.get(at).strip() for at in (SENDER, RECEIVER, FLOW_NAME))
    flow_id = f"{sender}/{receiver}/{created:%Y%m%d}/{name}"
    statements = []
    for group in flow.groups:
        assert group.closing is not None  # _read_flow returns closed statements only
        statement = _statement(group, group.closing, flow_id, what, reversal_causali)
        where = f"{what}: record {group.closing.number} (64 closing balance)"
        statements.append(check_control_figures(statement, what=where))
    return statements


def _statement(
    group: _Group, closing: _Record, flow_id: str, what: str, reversal_causali: frozenset[str]
) -> Statement:
    opening = group.opening
    currency = opening.get(CURRENCY)
    if _CURRENCY.fullmatch(currency) is None:
        raise _bad(opening, CURRENCY, "is not an ISO 4217 code", what)
    if closing.get(CLOSING_CURRENCY) != currency:
        raise _bad(
            closing,
            CLOSING_CURRENCY,
            f"differs from {currency!r} of the opening balance (record {opening.number})",
            what,
        )
    return Statement(
        format=FORMAT,
        statement_id=f"{flow_id}/{group.progressive}",
        account_id=_account(opening, what),
        currency=currency,
        opening_balance_cents=_signed(opening, OPENING_SIGN, OPENING_BALANCE, what),
        closing_balance_cents=_signed(closing, CLOSING_SIGN, CLOSING_BALANCE, what),
        opening_date=_date(opening, OPENING_DATE, what),
        closing_date=_date(closing, CLOSING_DATE, what),
        entries=tuple(_entry(movement, what, reversal_causali) for movement in group.movements),
    )


def _account(opening: _Record, what: str) -> str:
    """The IBAN when the bank gives its country and check digits, else ABI + CAB + account."""
    for at in (ABI, CAB):
        if _DIGITS.fullmatch(opening.get(at)) is None:
            raise _bad(opening, at, "is not 5 digits", what)
    account = opening.get(ACCOUNT).strip()
    if not account:
        raise _bad(opening, ACCOUNT, "is blank", what)
    bank = opening.get(ABI) + opening.get(CAB)
    if not (opening.get(IBAN_COUNTRY) + opening.get(IBAN_CHECK)).strip():
        return bank + account
    iban = "".join(opening.get(at) for at in (IBAN_COUNTRY, IBAN_CHECK, CIN))
    iban += bank + account.rjust(12, "0")
    result = check_iban(iban)
    if not result.valid:
        raise ImportFileError(
            f"{what}: record {opening.number} (61): the IBAN {iban!r} made of "
            + ", ".join(f"{at.label} ({at.positions})" for at in _IBAN_PIECES)
            + f" is not valid ({result.code})"
        )
    return result.iban


def _entry(movement: _Movement, what: str, reversal_causali: frozenset[str]) -> StatementEntry:
    record = movement.record
    amount = _signed(record, SIGN, AMOUNT, what)
    causale = record.get(CAUSALE).strip()
    payer_name, payer_iban, end_to_end, remittance = _details(movement.details)
    return StatementEntry(
        amount_cents=amount,
        booking_date=_date(record, BOOKING_DATE, what),
        value_date=_date(record, VALUE_DATE, what),
        reversal=amount < 0 and causale in reversal_causali,
        bank_reference=record.get(BANK_REFERENCE).strip() or None,
        end_to_end_id=end_to_end,
        remittance_text=remittance or record.get(DESCRIPTION).strip() or None,
        payer_name=payer_name,
        payer_iban=payer_iban,
        bank_transaction_code=f"CBI:{causale}" if causale else None,
    )


def _details(records: list[_Record]) -> tuple[str | None, str | None, str | None, str | None]:
    """Payer name, payer IBAN, EndToEndId and remittance text from a movement's 63s.

    RI1 + RI2 are one remittance cut at 104 characters, so they are joined as they are;
    free lines are joined with a space unless a line fills its 107 characters (cut mid-word).
    The remittance wins over free text, which the bank writes for people.
    """
    name = iban = end_to_end = None
    remittance = ""
    free = ""
    for record in records:
        tag = record.get(TAG)
        if tag == "YYY":
            name = name or record.get(PAYER_NAME).strip() or None
        elif tag == "YY2":
            iban = iban or record.get(PAYER_IBAN).replace(" ", "") or None
        elif tag == "ID1":
            end_to_end = end_to_end or record.get(END_TO_END_ID).strip() or None
        elif tag in _REMITTANCE_TAGS:
            remittance += record.get(REMITTANCE)
        elif tag not in _OTHER_TAGS:
            line = record.get(FREE_TEXT)
            free += line if not line.endswith(" ") else line.rstrip() + " "
    if end_to_end == "NOTPROVIDED":
        end_to_end = None
    return name, iban, end_to_end, remittance.strip() or free.strip() or None


def _signed(record: _Record, sign_at: _Field, amount_at: _Field, what: str) -> int:
    sign = record.get(sign_at)
    if sign not in ("C", "D"):
        raise _bad(record, sign_at, "is neither C (credit) nor D (debit)", what)
    matched = _AMOUNT.fullmatch(record.get(amount_at))
    if matched is None:
        raise _bad(
            record, amount_at, "is not an amount with a decimal comma (like 000000001234,56)", what
        )
    cents = int(matched.group(1)) * 100 + int(matched.group(2))
    return -cents if sign == "D" else cents


def _date(record: _Record, at: _Field, what: str) -> dt.date:
    raw = record.get(at)
    if _DIGITS.fullmatch(raw) is not None:
        year = int(raw[4:6])
        try:
            return dt.date(2000 + year if year < 80 else 1900 + year, int(raw[2:4]), int(raw[:2]))
        except ValueError:
            pass
    raise _bad(record, at, "is not a date (DDMMYY)", what)


def _number(record: _Record, at: _Field, what: str) -> int:
    raw = record.get(at)
    if _DIGITS.fullmatch(raw) is None:
        raise _bad(record, at, "is not a number", what)
    return int(raw)


def _bad(record: _Record, at: _Field, problem: str, what: str) -> ImportFileError:
    return ImportFileError(
        f"{what}: record {record.number} ({record.kind}): {at.label} ({at.positions}) "
        f"{record.get(at)!r} {problem}"
    )


def _misplaced(record: _Record, problem: str, what: str) -> ImportFileError:
    return ImportFileError(f"{what}: record {record.number}: {record.kind} {problem}")
