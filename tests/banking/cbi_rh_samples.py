"""CBI "RH" movement flows written from Python values, for the RH reader's tests.

No real RH file may be kept (they carry payers' names, tax codes and remittance texts), so
the tests build their flows here. The writer follows the published record layout of the
CBI standard CBI-RND-001 v6.05 ("Rendicontazione saldi e movimenti di conto corrente"):
120-character records RH, 61, 62, 63, 64, 65, EF with a blank in position 1, amounts with an
explicit decimal comma, dates DDMMYY. Every position it writes is in ``LAYOUT`` (1-based,
both ends included, as the standard numbers them); the table is kept apart from the
reader's, so that a wrong position in one is caught by the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from riscossa.banking.iban import build_iban, italian_bban

LAYOUT: dict[str, dict[str, tuple[int, int]]] = {
    "RH": {
        "type": (2, 3),
        "sender": (4, 8),
        "receiver": (9, 13),
        "created": (14, 19),
        "name": (20, 39),
    },
    "61": {
        "type": (2, 3),
        "progressive": (4, 10),
        "causale": (29, 33),
        "description": (34, 49),
        "account_type": (50, 51),
        "cin": (52, 52),
        "abi": (53, 57),
        "cab": (58, 62),
        "account": (63, 74),
        "currency": (75, 77),
        "date": (78, 83),
        "sign": (84, 84),
        "balance": (85, 99),
        "country": (100, 101),
        "check_digits": (102, 103),
    },
    "62": {
        "type": (2, 3),
        "progressive": (4, 10),
        "movement": (11, 13),
        "value_date": (14, 19),
        "booking_date": (20, 25),
        "sign": (26, 26),
        "amount": (27, 41),
        "causale": (42, 43),
        "internal_causale": (44, 45),
        "cheque": (46, 61),
        "bank_reference": (62, 77),
        "reference_type": (78, 86),
        "description": (87, 120),
    },
    "63": {"type": (2, 3), "progressive": (4, 10), "movement": (11, 13), "text": (14, 120)},
    "63YYY": {
        "type": (2, 3),
        "progressive": (4, 10),
        "movement": (11, 13),
        "tag": (14, 16),
        "order_date": (17, 24),
        "tax_code": (25, 40),
        "name": (41, 80),
    },
    "63YY2": {
        "type": (2, 3),
        "progressive": (4, 10),
        "movement": (11, 13),
        "tag": (14, 16),
        "address": (17, 66),
        "iban": (67, 100),
    },
    "63ID1": {
        "type": (2, 3),
        "progressive": (4, 10),
        "movement": (11, 13),
        "tag": (14, 16),
        "msg_id": (17, 51),
        "end_to_end_id": (52, 86),
    },
    "63RI": {
        "type": (2, 3),
        "progressive": (4, 10),
        "movement": (11, 13),
        "tag": (14, 16),
        "text": (17, 120),
    },
    "64": {
        "type": (2, 3),
        "progressive": (4, 10),
        "currency": (11, 13),
        "date": (14, 19),
        "sign": (20, 20),
        "balance": (21, 35),
        "available_sign": (36, 36),
        "available": (37, 51),
    },
    "65": {  # the first of five (date, sign, balance) triples
        "type": (2, 3),
        "progressive": (4, 10),
        "date": (11, 16),
        "sign": (17, 17),
        "balance": (18, 32),
    },
    "EF": {
        "type": (2, 3),
        "sender": (4, 8),
        "receiver": (9, 13),
        "created": (14, 19),
        "name": (20, 39),
        "statements": (46, 52),
        "records": (83, 89),
    },
}

RI_LENGTH = 104
FREE_LENGTH = 107

# One 63: its layout key and values (without type, progressive and movement number).
Detail = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class Movement:
    """One 62 and its 63s; ``amount_cents`` is signed (negative for a debit)."""

    amount_cents: int
    value_date: dt.date
    booking_date: dt.date
    causale: str = "48"
    bank_reference: str = ""
    description: str = ""
    details: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class Account:
    """One statement, 61 to 64 (and a 65 when ``forward`` is given)."""

    abi: str
    cab: str
    account: str
    opening_cents: int
    opening_date: dt.date
    closing_date: dt.date
    movements: tuple[Movement, ...] = ()
    with_iban: bool = True
    currency: str = "EUR"
    closing_cents: int | None = None  # default: what the movements add up to
    forward: tuple[dt.date, int] | None = None  # first forward available balance (65)

    @property
    def iban(self) -> str:
        return build_iban("IT", italian_bban(self.abi, self.cab, self.account))

    @property
    def closing(self) -> int:
        if self.closing_cents is not None:
            return self.closing_cents
        return self.opening_cents + sum(m.amount_cents for m in self.movements)


def record(key: str, **values: str) -> str:
    """One 120-character record: a blank line with each value at its place in LAYOUT."""
    fields = LAYOUT[key]
    line = [" "] * 120
    for name, value in {"type": key[:2], **values}.items():
        start, end = fields[name]
        width = end - start + 1
        if len(value) > width:
            raise ValueError(f"{key} {name}: {value!r} is longer than {width} characters")
        line[start - 1 : end] = value.ljust(width)
    return "".join(line)


def put(text: str, start: int, value: str) -> str:
    """``text`` with ``value`` written from position ``start`` (1-based), length kept."""
    return text[: start - 1] + value + text[start - 1 + len(value) :]


def amount(cents: int) -> str:
    return f"{abs(cents) // 100:012d},{abs(cents) % 100:02d}"


def sign(cents: int) -> str:
    return "D" if cents < 0 else "C"


def ddmmyy(day: dt.date) -> str:
    return day.strftime("%d%m%y")


def yyy(order_date: dt.date, tax_code: str, name: str) -> Detail:
    return "63YYY", {
        "tag": "YYY",
        "order_date": order_date.strftime("%d%m%Y"),
        "tax_code": tax_code,
        "name": name,
    }


def yy2(address: str, iban: str) -> Detail:
    return "63YY2", {"tag": "YY2", "address": address, "iban": iban}


def id1(msg_id: str, end_to_end_id: str) -> Detail:
    return "63ID1", {"tag": "ID1", "msg_id": msg_id, "end_to_end_id": end_to_end_id}


def remittance(text: str) -> tuple[Detail, ...]:
    """RI1 and, past 104 characters, RI2."""
    parts = [text[:RI_LENGTH], text[RI_LENGTH : 2 * RI_LENGTH]]
    return tuple(
        ("63RI", {"tag": tag, "text": part})
        for tag, part in zip(("RI1", "RI2"), parts, strict=True)
        if part
    )


def free(text: str) -> tuple[Detail, ...]:
    """Free description, cut every 107 characters."""
    return tuple(
        ("63", {"text": text[i : i + FREE_LENGTH]}) for i in range(0, len(text), FREE_LENGTH)
    )


def flow_records(
    accounts: Sequence[Account],
    *,
    sender: str = "03069",
    receiver: str = "A1B2C",
    created: dt.date = dt.date(2025, 1, 15),
    name: str = "RH20250115-0001",
    statements: int | None = None,
    records: int | None = None,
) -> list[str]:
    """The records of one flow, RH to EF; EF counts as given, else the true ones."""
    keys = {"sender": sender, "receiver": receiver, "created": ddmmyy(created), "name": name}
    lines = [record("RH", **keys)]
    for progressive, account in enumerate(accounts, start=1):
        lines.extend(_statement(f"{progressive:07d}", account))
    lines.append(
        record(
            "EF",
            **keys,
            statements=f"{len(accounts) if statements is None else statements:07d}",
            records=f"{len(lines) + 1 if records is None else records:07d}",
        )
    )
    return lines


def _statement(progressive: str, account: Account) -> list[str]:
    lines = [
        record(
            "61",
            progressive=progressive,
            causale="93001",
            account_type="CC",
            cin=account.iban[4] if account.with_iban else "",
            abi=account.abi,
            cab=account.cab,
            account=account.account.rjust(12, "0"),
            currency=account.currency,
            date=ddmmyy(account.opening_date),
            sign=sign(account.opening_cents),
            balance=amount(account.opening_cents),
            country="IT" if account.with_iban else "",
            check_digits=account.iban[2:4] if account.with_iban else "",
        )
    ]
    for number, movement in enumerate(account.movements, start=1):
        ids = {"progressive": progressive, "movement": f"{number:03d}"}
        lines.append(
            record(
                "62",
                **ids,
                value_date=ddmmyy(movement.value_date),
                booking_date=ddmmyy(movement.booking_date),
                sign=sign(movement.amount_cents),
                amount=amount(movement.amount_cents),
                causale=movement.causale,
                bank_reference=movement.bank_reference,
                description=movement.description,
            )
        )
        lines.extend(record(key, **ids, **values) for key, values in movement.details)
    lines.append(
        record(
            "64",
            progressive=progressive,
            currency=account.currency,
            date=ddmmyy(account.closing_date),
            sign=sign(account.closing),
            balance=amount(account.closing),
            available_sign=sign(account.closing),
            available=amount(account.closing),
        )
    )
    if account.forward is not None:
        day, cents = account.forward
        lines.append(
            record(
                "65",
                progressive=progressive,
                date=ddmmyy(day),
                sign=sign(cents),
                balance=amount(cents),
            )
        )
    return lines


def join(records: Iterable[str], newline: str = "\r\n", *, encoding: str = "cp1252") -> bytes:
    """The file's bytes: records ended by ``newline``, or bare 120-byte blocks if it is ""."""
    return "".join(line + newline for line in records).encode(encoding)
