"""Customer ledger (per record) and portfolio aging (set-based), from the same bucket table.

``customer_ledger`` is the API's path: three indexed look-ups for one customer, aged in the
domain. ``aging_report`` is its batch twin for the whole portfolio: one aggregate query,
grouped per customer and then per segment, with the bucket boundaries bound as dates
computed in Python — no date arithmetic in SQL, so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    func,
    literal,
    select,
)

from riscossa.adapters.db.tables import customers, invoices, payments
from riscossa.domain.errors import NotFoundError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import (
    NOT_DUE,
    Aging,
    AgingReport,
    Ledger,
    OpenItem,
    PortfolioTotals,
    bucket_due_ranges,
    build_ledger,
)
from riscossa.domain.money import Money
from riscossa.domain.payments import PaymentStatus

# Announced but not booked money is not yet the customer's credit.
CREDIT_STATUSES = (PaymentStatus.BOOKED.value, PaymentStatus.UNAPPLIED.value)


def customer_ledger(conn: Connection, customer_code: str, as_of: dt.date) -> Ledger:
    """One customer's open items and unallocated payments, aged as of ``as_of``."""
    customer_id = conn.execute(
        select(customers.c.id).where(customers.c.code == customer_code)
    ).scalar_one_or_none()
    if customer_id is None:
        raise NotFoundError(f"customer {customer_code!r} does not exist")
    open_cents = invoices.c.amount_cents - invoices.c.allocated_cents
    rows = conn.execute(
        select(
            invoices.c.number,
            invoices.c.kind,
            invoices.c.issue_date,
            invoices.c.due_date,
            invoices.c.amount_cents,
            invoices.c.allocated_cents,
            invoices.c.disputed,
            invoices.c.period_end,
        ).where(invoices.c.customer_id == customer_id, open_cents != 0)
    ).all()
    items = [
        OpenItem(
            number=r.number,
            kind=InvoiceKind(r.kind),
            issue_date=r.issue_date,
            due_date=r.due_date,
            amount=Money(int(r.amount_cents)),
            allocated=Money(int(r.allocated_cents)),
            disputed=bool(r.disputed),
            period_end=r.period_end,
        )
        for r in rows
    ]
    unallocated = conn.execute(
        select(
            func.coalesce(func.sum(payments.c.amount_cents - payments.c.allocated_cents), 0)
        ).where(payments.c.customer_id == customer_id, payments.c.status.in_(CREDIT_STATUSES))
    ).scalar_one()
    return build_ledger(customer_code, as_of, items, Money(int(unallocated)))


def aging_report(conn: Connection, as_of: dt.date) -> AgingReport:
    """Portfolio aging per segment in one aggregate query, whatever the number of items."""
    open_cents = invoices.c.amount_cents - invoices.c.allocated_cents
    is_open = open_cents > 0

    def open_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((and_(is_open, condition), open_cents), else_=0))

    ranges = bucket_due_ranges(as_of)
    bucket_labels = [NOT_DUE, *(f"b{i}" for i in range(len(ranges)))]
    bucket_columns = [open_where(invoices.c.due_date >= as_of).label(NOT_DUE)]
    for i, rng in enumerate(ranges):
        in_range = invoices.c.due_date <= rng.latest
        if rng.earliest is not None:
            in_range = and_(invoices.c.due_date >= rng.earliest, in_range)
        bucket_columns.append(open_where(in_range).label(f"b{i}"))

    per_customer = (
        select(
            invoices.c.customer_id,
            func.sum(case((is_open, 1), else_=0)).label("open_items"),
            open_where(invoices.c.due_date < as_of).label("overdue"),
            *bucket_columns,
        )
        .where(is_open)
        .group_by(invoices.c.customer_id)
        .subquery("per_customer")
    )
    query = (
        select(
            customers.c.segment,
            func.count(customers.c.id).label("customers"),
            func.sum(case((per_customer.c.overdue > 0, 1), else_=0)).label("with_overdue"),
            func.coalesce(func.sum(per_customer.c.open_items), literal(0)).label("open_items"),
            *(
                func.coalesce(func.sum(per_customer.c[name]), literal(0)).label(name)
                for name in bucket_labels
            ),
        )
        .select_from(
            customers.outerjoin(per_customer, per_customer.c.customer_id == customers.c.id)
        )
        .group_by(customers.c.segment)
        .order_by(customers.c.segment)
    )
    by_segment: dict[str, PortfolioTotals] = {}
    for row in conn.execute(query).mappings():
        by_segment[row["segment"]] = PortfolioTotals(
            customers=int(row["customers"]),
            customers_with_overdue=int(row["with_overdue"] or 0),
            open_items=int(row["open_items"]),
            aging=Aging(
                not_due=Money(int(row[NOT_DUE])),
                overdue_buckets=tuple(Money(int(row[name])) for name in bucket_labels[1:]),
            ),
        )
    return AgingReport(as_of=as_of, by_segment=by_segment)
