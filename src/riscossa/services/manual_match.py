"""Manual match and unmatch: what an operator decides on the unapplied desk.

A manual match teaches the engine: the payer's IBAN, tax code and name become aliases of
the customer, so their next payment is matched by itself. Every change is written to the
audit log with its before and after, in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from riscossa.adapters.db import tables as t
from riscossa.domain.allocation_order import DueItem, allocate_by_law
from riscossa.domain.errors import NotFoundError, ValidationError
from riscossa.domain.name_match import normalise_name
from riscossa.services.allocations import allocate, unallocate


@dataclass(frozen=True, slots=True)
class MatchResult:
    payment_id: int
    bank_reference: str
    customer_code: str
    lines: tuple[tuple[str, int], ...]  # (invoice number, cents)
    credit_cents: int
    aliases_learned: int

    def as_json(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "bank_reference": self.bank_reference,
            "customer": self.customer_code,
            "allocations": [{"invoice": n, "amount_cents": c} for n, c in self.lines],
            "credit_cents": self.credit_cents,
            "aliases_learned": self.aliases_learned,
        }


def find_payment(conn: Connection, key: str) -> Any:
    """A payment by its bank reference, or by its number (``P123`` or ``123``)."""
    p = t.payments
    row = conn.execute(select(p).where(p.c.bank_reference == key)).first()
    if row is None and key.upper().removeprefix("P").isdigit():
        row = conn.execute(select(p).where(p.c.id == int(key.upper().removeprefix("P")))).first()
    if row is None:
        raise NotFoundError(f"payment {key!r} not found (give its bank reference or number)")
    return row


def manual_match(
    engine: Engine,
    payment_key: str,
    invoice_numbers: list[str],
    *,
    actor: str,
    as_of: dt.date,
    now: dt.datetime | None = None,
) -> MatchResult:
    """Allocate a payment to the named items (art. 1193 c.c. order when it is short)."""
    now = now or dt.datetime.now(dt.UTC)
    if not invoice_numbers:
        raise ValidationError("name at least one invoice to match the payment to")
    with engine.begin() as conn:
        payment = find_payment(conn, payment_key)
        if payment.status in ("reversed", "split"):
            raise ValidationError(
                f"payment {payment.bank_reference} is {payment.status}: it cannot be matched"
            )
        free = int(payment.amount_cents - payment.allocated_cents)
        if free <= 0:
            raise ValidationError(
                f"payment {payment.bank_reference} is already fully allocated: unmatch it first"
            )
        i = t.invoices
        rows = conn.execute(select(i).where(i.c.number.in_(invoice_numbers))).all()
        found = {r.number for r in rows}
        missing = [n for n in invoice_numbers if n not in found]
        if missing:
            raise NotFoundError(f"invoice not found: {', '.join(missing)}")
        customers = {r.customer_id for r in rows}
        if len(customers) != 1:
            raise ValidationError("the invoices belong to different customers: match one at a time")
        customer_id = customers.pop()
        if payment.customer_id is not None and payment.customer_id != customer_id:
            raise ValidationError(
                f"payment {payment.bank_reference} belongs to another customer: unmatch it first"
            )
        open_rows = [r for r in rows if r.amount_cents > r.allocated_cents]
        if not open_rows:
            raise ValidationError(f"invoices {', '.join(invoice_numbers)} are already paid")
        items = [
            DueItem(r.id, r.due_date, r.issue_date, int(r.amount_cents - r.allocated_cents))
            for r in open_rows
        ]
        plan = allocate_by_law(free, items, as_of=as_of)
        lines = []
        for index, cents in plan.allocations:
            allocate(conn, payment.id, items[index].item_id, cents, rule="manual", now=now)
            lines.append((open_rows[index].number, cents))
        before = _payment_state(conn, payment.id)
        conn.execute(
            update(t.payments)
            .where(t.payments.c.id == payment.id)
            .values(
                customer_id=customer_id,
                status="booked" if payment.status == "unapplied" else payment.status,
            )
        )
        learned = _learn(conn, payment, customer_id, now)
        code = conn.execute(
            select(t.customers.c.code).where(t.customers.c.id == customer_id)
        ).scalar_one()
        audit(
            conn,
            actor=actor,
            action="match",
            entity="payment",
            entity_id=payment.bank_reference,
            customer_id=customer_id,
            before=before,
            after={"allocations": lines, **_payment_state(conn, payment.id)},
            now=now,
        )
    return MatchResult(
        int(payment.id), payment.bank_reference, code, tuple(lines), plan.leftover_cents, learned
    )


def unmatch(engine: Engine, payment_key: str, *, actor: str, now: dt.datetime | None = None) -> int:
    """Take back every allocation of a payment; it goes back to the unapplied desk."""
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        payment = find_payment(conn, payment_key)
        if payment.channel == "sdd":
            raise ValidationError(
                f"payment {payment.bank_reference} is a direct debit: its outcome file settles it"
            )
        before = _payment_state(conn, payment.id)
        released = unallocate(conn, payment.id)
        conn.execute(
            update(t.payments)
            .where(t.payments.c.id == payment.id)
            .values(
                customer_id=None,
                status="unapplied" if payment.status == "booked" else payment.status,
            )
        )
        audit(
            conn,
            actor=actor,
            action="unmatch",
            entity="payment",
            entity_id=payment.bank_reference,
            customer_id=payment.customer_id,
            before=before,
            after=_payment_state(conn, payment.id),
            now=now,
        )
    return released


def _payment_state(conn: Connection, payment_id: int) -> dict[str, Any]:
    p, a, i = t.payments, t.allocations, t.invoices
    row = conn.execute(
        select(p.c.status, p.c.customer_id, p.c.allocated_cents).where(p.c.id == payment_id)
    ).one()
    lines = conn.execute(
        select(i.c.number, a.c.amount_cents, a.c.rule)
        .join(i, i.c.id == a.c.invoice_id)
        .where(a.c.payment_id == payment_id)
        .order_by(a.c.id)
    ).all()
    return {
        "status": row.status,
        "customer_id": row.customer_id,
        "allocated_cents": int(row.allocated_cents),
        "lines": [[n, int(c), r] for n, c, r in lines],
    }


def _learn(conn: Connection, payment: Any, customer_id: int, now: dt.datetime) -> int:
    """The payer's identifiers become the customer's aliases, unless already someone's."""
    a = t.payer_aliases
    learned = 0
    candidates = [
        ("iban", (payment.payer_iban or "").replace(" ", "").upper()),
        ("tax_code", (payment.payer_tax_code or "").upper()),
        ("name", normalise_name(payment.payer_name or "")),
    ]
    for kind, value in candidates:
        if not value:
            continue
        taken = conn.execute(
            select(func.count()).select_from(a).where(and_(a.c.kind == kind, a.c.value == value))
        ).scalar_one()
        if taken:
            continue
        conn.execute(
            insert(a).values(kind=kind, value=value[:200], customer_id=customer_id, created_at=now)
        )
        learned += 1
    return learned


def audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    customer_id: int | None,
    before: Any,
    after: Any,
    now: dt.datetime,
) -> None:
    conn.execute(
        insert(t.audit_log).values(
            at=now,
            actor=actor[:100],
            action=action,
            entity=entity,
            entity_id=entity_id[:64],
            customer_id=customer_id,
            before=json.dumps(before, default=str, ensure_ascii=False),
            after=json.dumps(after, default=str, ensure_ascii=False),
        )
    )
