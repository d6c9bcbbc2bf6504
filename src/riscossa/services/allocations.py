"""Allocating payments to open items without ever exceeding either side.

Each allocation increments ``allocated_cents`` on the payment and on the item with a guarded
UPDATE (``... WHERE allocated_cents + :a <= amount_cents``). The UPDATE takes the row lock,
so a second writer waits, then re-reads the committed value; the CHECK constraints are the
last line of defence. No database-specific trigger or lock statement is needed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Connection, and_, delete, insert, select, update

from riscossa.adapters.db.tables import allocations, invoices, payment_suggestions, payments
from riscossa.domain.errors import AllocationError, NotFoundError


def allocate(
    conn: Connection,
    payment_id: int,
    invoice_id: int,
    amount_cents: int,
    *,
    rule: str,
    confidence: float = 1.0,
    now: dt.datetime,
) -> int:
    """Record one allocation inside the caller's transaction; return its id."""
    if amount_cents <= 0:
        raise AllocationError("an allocation must be a positive amount")
    paid = conn.execute(
        update(payments)
        .where(
            and_(
                payments.c.id == payment_id,
                payments.c.allocated_cents + amount_cents <= payments.c.amount_cents,
            )
        )
        .values(allocated_cents=payments.c.allocated_cents + amount_cents)
    )
    if paid.rowcount != 1:
        _explain(conn, payments, payment_id, "payment", amount_cents)
    item = conn.execute(
        update(invoices)
        .where(
            and_(
                invoices.c.id == invoice_id,
                invoices.c.allocated_cents + amount_cents <= invoices.c.amount_cents,
            )
        )
        .values(allocated_cents=invoices.c.allocated_cents + amount_cents)
    )
    if item.rowcount != 1:
        _explain(conn, invoices, invoice_id, "open item", amount_cents)
    result = conn.execute(
        insert(allocations)
        .values(
            payment_id=payment_id,
            invoice_id=invoice_id,
            amount_cents=amount_cents,
            rule=rule,
            confidence=confidence,
            created_at=now,
        )
        .returning(allocations.c.id)
    )
    return int(result.scalar_one())


def _explain(conn: Connection, table: object, row_id: int, what: str, amount: int) -> None:
    from sqlalchemy import Table

    assert isinstance(table, Table)
    row = conn.execute(
        select(table.c.amount_cents, table.c.allocated_cents).where(table.c.id == row_id)
    ).first()
    if row is None:
        raise NotFoundError(f"{what} {row_id} does not exist")
    free = max(row.amount_cents - row.allocated_cents, 0)
    raise AllocationError(
        f"{what} {row_id}: cannot allocate {amount / 100:.2f}, only {free / 100:.2f} is left"
    )


def unallocated_cents(conn: Connection, payment_id: int) -> int:
    row = conn.execute(
        select(payments.c.amount_cents - payments.c.allocated_cents).where(
            payments.c.id == payment_id
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"payment {payment_id} does not exist")
    return int(row)


def unallocate(conn: Connection, payment_id: int) -> int:
    """Remove every allocation of a payment, reopening its items; the cents released."""
    a, i, p = allocations, invoices, payments
    rows = conn.execute(
        select(a.c.id, a.c.invoice_id, a.c.amount_cents).where(a.c.payment_id == payment_id)
    ).all()
    per_item: Counter[int] = Counter()
    for row in rows:
        per_item[int(row.invoice_id)] += int(row.amount_cents)
    for invoice_id, cents in per_item.items():
        conn.execute(
            update(i)
            .where(i.c.id == invoice_id)
            .values(allocated_cents=i.c.allocated_cents - cents)
        )
    released = sum(per_item.values())
    if rows:
        conn.execute(delete(a).where(a.c.payment_id == payment_id))
        conn.execute(
            update(p)
            .where(p.c.id == payment_id)
            .values(allocated_cents=p.c.allocated_cents - released)
        )
    conn.execute(delete(payment_suggestions).where(payment_suggestions.c.payment_id == payment_id))
    return released
