"""What the reconciliation left for people: the unapplied queue and the allocations made."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import driver_frame


def unapplied_queue(conn: Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Unapplied payments, oldest first, each with its ranked suggestions."""
    p = t.payments
    query = (
        select(
            p.c.id,
            p.c.bank_reference,
            p.c.channel,
            p.c.value_date,
            p.c.amount_cents,
            p.c.allocated_cents,
            p.c.payer_name,
            p.c.payer_iban,
            p.c.reference,
        )
        .where(p.c.status == "unapplied")
        .order_by(p.c.value_date, p.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    payments = driver_frame(
        conn,
        query,
        {
            "id": pl.Int64,
            "bank_reference": pl.Utf8,
            "channel": pl.Utf8,
            "value_date": pl.Date,
            "amount_cents": pl.Int64,
            "allocated_cents": pl.Int64,
            "payer_name": pl.Utf8,
            "payer_iban": pl.Utf8,
            "reference": pl.Utf8,
        },
    )
    s, c, i = t.payment_suggestions, t.customers, t.invoices
    suggestions = driver_frame(
        conn,
        select(
            s.c.payment_id,
            s.c.rank,
            c.c.code,
            c.c.name,
            i.c.number,
            s.c.amount_cents,
            s.c.rule,
            s.c.confidence,
        )
        .join(c, c.c.id == s.c.customer_id)
        .outerjoin(i, i.c.id == s.c.invoice_id)
        .join(p, p.c.id == s.c.payment_id)
        .where(p.c.status == "unapplied")
        .order_by(s.c.payment_id, s.c.rank),
        {
            "payment_id": pl.Int64,
            "rank": pl.Int64,
            "code": pl.Utf8,
            "name": pl.Utf8,
            "number": pl.Utf8,
            "amount_cents": pl.Int64,
            "rule": pl.Utf8,
            "confidence": pl.Float64,
        },
    )
    by_payment: dict[int, list[dict[str, Any]]] = {}
    for row in suggestions.iter_rows(named=True):
        by_payment.setdefault(row["payment_id"], []).append(
            {
                "customer": row["code"],
                "customer_name": row["name"],
                "invoice": row["number"],
                "amount_cents": row["amount_cents"],
                "rule": row["rule"],
                "confidence": row["confidence"],
            }
        )
    return [
        {
            "payment": f"P{row['id']}",
            "bank_reference": row["bank_reference"],
            "channel": row["channel"],
            "value_date": row["value_date"].isoformat(),
            "amount_cents": row["amount_cents"] - row["allocated_cents"],
            "payer_name": row["payer_name"],
            "payer_iban": row["payer_iban"],
            "remittance": row["reference"],
            "suggestions": by_payment.get(row["id"], []),
        }
        for row in payments.iter_rows(named=True)
    ]


def allocation_list(
    conn: Connection, *, customer_code: str | None = None, limit: int | None = None
) -> pl.DataFrame:
    """Allocations newest first: payment, bank reference, customer, invoice, amount, rule."""
    a, p, c, i = t.allocations, t.payments, t.customers, t.invoices
    query = (
        select(
            p.c.id.label("payment_id"),
            p.c.bank_reference,
            c.c.code.label("customer"),
            i.c.number.label("invoice"),
            a.c.amount_cents,
            a.c.rule,
            a.c.confidence,
        )
        .join(p, p.c.id == a.c.payment_id)
        .join(i, i.c.id == a.c.invoice_id)
        .join(c, c.c.id == i.c.customer_id)
        .order_by(a.c.id.desc())
    )
    if customer_code is not None:
        query = query.where(c.c.code == customer_code)
    if limit is not None:
        query = query.limit(limit)
    frame = driver_frame(
        conn,
        query,
        {
            "payment_id": pl.Int64,
            "bank_reference": pl.Utf8,
            "customer": pl.Utf8,
            "invoice": pl.Utf8,
            "amount_cents": pl.Int64,
            "rule": pl.Utf8,
            "confidence": pl.Float64,
        },
    )
    return frame.with_columns(pl.format("P{}", pl.col("payment_id")).alias("payment")).select(
        "payment", "bank_reference", "customer", "invoice", "amount_cents", "rule", "confidence"
    )
