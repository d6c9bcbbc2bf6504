"""Poste "rendicontazione bollettini" files written from Python values, for the reader's tests.

No real report is kept in the shared fixtures (none was found in public repositories, and a
real one would carry the creditor's customers' payments), so the tests build their files here
from the published layout: 200-byte ASCII records, a "record di versamento" per bollettino and
a "record riepilogativo" (type 999) closing them, dates YYMMDD, amounts in cents without a
separator. Every position written is in ``LAYOUT`` (1-based, both ends included); the table
is kept apart from the reader's, so that a wrong position in one is caught by the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

RECORD_LENGTH = 200

LAYOUT: dict[str, dict[str, tuple[int, int]]] = {
    "payment": {
        "reel": (1, 3),
        "reel_position": (4, 8),
        "selection": (9, 15),
        "account": (16, 27),
        "paid_on": (28, 33),
        "type": (34, 36),
        "amount": (37, 46),
        "province": (47, 49),
        "office": (50, 52),
        "counter": (53, 54),
        "currency": (55, 55),
        "credited_on": (56, 61),
        "code16": (62, 77),
        "check": (78, 79),
        "channel": (80, 81),
        "substitute": (82, 82),
    },
    "summary": {
        "centre": (1, 1),
        "account": (2, 13),
        "credited_on": (14, 19),
        "type": (34, 36),
        "count": (37, 44),
        "total": (45, 56),
        "exact_count": (57, 64),
        "exact_total": (65, 76),
        "wrong_count": (77, 84),
        "wrong_total": (85, 96),
    },
}


@dataclass(frozen=True)
class Slip:
    """One paid bollettino; ``code`` is the 18-digit 896 code as it should be written."""

    amount_cents: int
    paid_on: dt.date
    credited_on: dt.date
    bill_type: str = "896"
    code: str = ""
    reel: int = 1
    reel_position: int = 1
    selection: int = 1
    office: tuple[str, str, str] = ("058", "091", "01")  # province, office, counter
    currency: str = "2"
    channel: str = "CC"
    substitute: str = "N"


def record(key: str, **values: str) -> str:
    """One 200-character record: blanks with each value at its place in LAYOUT."""
    fields = LAYOUT[key]
    line = [" "] * RECORD_LENGTH
    for name, value in values.items():
        start, end = fields[name]
        width = end - start + 1
        if len(value) != width:
            raise ValueError(f"{key} {name}: {value!r} is not {width} characters")
        line[start - 1 : end] = value
    return "".join(line)


def put(text: str, start: int, value: str) -> str:
    """``text`` with ``value`` written from position ``start`` (1-based), length kept."""
    return text[: start - 1] + value + text[start - 1 + len(value) :]


def yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def payment_record(account: str, slip: Slip) -> str:
    province, office, counter = slip.office
    code = slip.code or "0" * 18
    return record(
        "payment",
        reel=f"{slip.reel:03d}",
        reel_position=f"{slip.reel_position:05d}",
        selection=f"{slip.selection:07d}",
        account=account,
        paid_on=yymmdd(slip.paid_on),
        type=slip.bill_type,
        amount=f"{slip.amount_cents:010d}",
        province=province,
        office=office,
        counter=counter,
        currency=slip.currency,
        credited_on=yymmdd(slip.credited_on),
        code16=code[:16],
        check=code[16:],
        channel=slip.channel.ljust(2),
        substitute=slip.substitute,
    )


def summary_record(
    account: str,
    credited_on: dt.date | None,
    slips: Sequence[Slip],
    *,
    count: int | None = None,
    total: int | None = None,
    wrong: tuple[int, int] = (0, 0),
) -> str:
    """The 999 record; count and total as given, else the true ones; all exact but ``wrong``."""
    count = len(slips) if count is None else count
    total = sum(slip.amount_cents for slip in slips) if total is None else total
    return record(
        "summary",
        centre="1",
        account=account,
        credited_on=yymmdd(credited_on) if credited_on else "      ",
        type="999",
        count=f"{count:08d}",
        total=f"{total:012d}",
        exact_count=f"{count - wrong[0]:08d}",
        exact_total=f"{total - wrong[1]:012d}",
        wrong_count=f"{wrong[0]:08d}",
        wrong_total=f"{wrong[1]:012d}",
    )


def group_records(account: str, credited_on: dt.date, slips: Sequence[Slip]) -> list[str]:
    return [
        *(payment_record(account, slip) for slip in slips),
        summary_record(account, credited_on, slips),
    ]


def join(records: Sequence[str], newline: str = "\r\n") -> bytes:
    """The file as Poste sends it: ASCII records, CRLF after each."""
    return "".join(line + newline for line in records).encode("ascii")
