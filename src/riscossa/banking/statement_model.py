"""What a bank statement says, whatever its format (camt.053, MT940).

Reconciliation needs the booked movements with the identifiers that let it find the payer;
every reader fills these classes, so matching never looks at a file format. Money is integer
cents: a statement is summed and compared to its balances, which floats cannot do exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from riscossa.domain.errors import ImportFileError


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booked movement; one line of a batched booking when the bank details the batch.

    ``amount_cents`` is positive for a credit and negative for a debit, as booked: a reversal
    of a credit is a debit. ``payer_*`` name the other party: who paid a credit (or whose
    payment a reversal takes back), who was paid by a debit. ``details_index`` is the
    position within a batched booking (0 when the booking is not split), so the lines of
    one batch keep distinct natural keys. ``status`` is the bank's entry status where the
    format has one (ISO ``BOOK``, ``PDNG``, ``INFO``, ``FUTR``): a notification may announce
    a payment before it is booked; None when the format states none (MT940).
    """

    amount_cents: int
    booking_date: dt.date | None
    value_date: dt.date | None
    reversal: bool = False
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    remittance_text: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    bank_transaction_code: str | None = None
    details_index: int = 0
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """One account statement; balances are signed cents (negative when overdrawn).

    ``account_id`` is the IBAN when the bank gives one, else the bank's own account number.
    """

    format: str
    statement_id: str
    account_id: str
    currency: str | None
    opening_balance_cents: int | None
    closing_balance_cents: int | None
    opening_date: dt.date | None
    closing_date: dt.date | None
    entries: tuple[StatementEntry, ...]

    @property
    def entries_total_cents(self) -> int:
        return sum(entry.amount_cents for entry in self.entries)


def check_control_figures(statement: Statement, *, what: str) -> Statement:
    """``statement`` unchanged when opening balance + entries = closing balance.

    A statement whose movements do not add up has lost or invented a movement: importing it
    would leave payments unmatched or matched twice, so the whole file is refused.
    """
    opening = statement.opening_balance_cents
    closing = statement.closing_balance_cents
    if opening is None or closing is None:
        return statement
    difference = opening + statement.entries_total_cents - closing
    if difference:
        raise ImportFileError(
            f"{what}: statement {statement.statement_id!r} does not add up: opening balance "
            f"{format_cents(opening)} + {len(statement.entries)} entries "
            f"{format_cents(statement.entries_total_cents)} != closing balance "
            f"{format_cents(closing)} (difference {format_cents(difference)})"
        )
    return statement


def format_cents(cents: int) -> str:
    """Cents as a signed decimal amount for messages: -1234 → "-12.34"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
