"""Reject analytics: R-transactions by reason, bank, segment and collection run.

R-transactions are the ``sdd_returns`` rows: those the outcome files created and those
imported from a bank's reject list. A customer with repeated rejects in the window is
flagged for a payment-method review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import Connection, case, func, select

from riscossa.adapters.db import tables as t

REPEATED = 2  # rejects in the window that call for a payment-method review


@dataclass(slots=True)
class RejectReport:
    date_from: dt.date | None
    date_to: dt.date | None
    rejects: int
    amount_cents: int
    by_reason: list[dict[str, Any]] = field(default_factory=list)
    by_bank: list[dict[str, Any]] = field(default_factory=list)
    by_segment: list[dict[str, Any]] = field(default_factory=list)
    by_run: list[dict[str, Any]] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "rejects": self.rejects,
            "amount": f"{self.amount_cents / 100:.2f}",
            "by_reason": self.by_reason,
            "by_bank": self.by_bank,
            "by_segment": self.by_segment,
            "by_run": self.by_run,
            "payment_method_review": self.review,
        }


def reject_report(
    conn: Connection, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> RejectReport:
    r, c = t.sdd_returns, t.customers
    query = select(
        r.c.reason_code,
        r.c.amount_cents,
        r.c.iban,
        r.c.collection_date,
        c.c.code,
        c.c.name,
        c.c.segment,
        c.c.iban.label("customer_iban"),
    ).join(c, c.c.id == r.c.customer_id)
    if date_from:
        query = query.where(r.c.collection_date >= date_from)
    if date_to:
        query = query.where(r.c.collection_date <= date_to)
    frame = pl.DataFrame(
        [tuple(row) for row in conn.execute(query)],
        schema={
            "reason": pl.Utf8,
            "amount_cents": pl.Int64,
            "iban": pl.Utf8,
            "collection_date": pl.Date,
            "customer_code": pl.Utf8,
            "name": pl.Utf8,
            "segment": pl.Utf8,
            "customer_iban": pl.Utf8,
        },
        orient="row",
    ).with_columns(
        pl.when(pl.col("iban") != "")
        .then(pl.col("iban"))
        .otherwise(pl.col("customer_iban"))
        .str.replace_all(" ", "")
        .alias("iban")
    )
    frame = frame.with_columns(
        pl.when(pl.col("iban").str.slice(0, 2).is_in(["IT", "SM"]))
        .then(pl.col("iban").str.slice(5, 5))
        .otherwise(pl.lit("(estero)"))
        .alias("abi")
    )
    report = RejectReport(
        date_from,
        date_to,
        frame.height,
        int(frame.get_column("amount_cents").sum() or 0),
    )
    report.by_reason = _counts(frame, "reason")
    report.by_bank = _counts(frame, "abi")
    report.by_segment = _counts(frame, "segment")
    report.by_run = _runs(conn, date_from, date_to)
    review = (
        frame.group_by("customer_code", "name")
        .agg(
            pl.len().alias("rejects"),
            pl.col("reason").unique().sort().str.join(",").alias("reasons"),
            pl.col("collection_date").max().alias("last"),
        )
        .filter(pl.col("rejects") >= REPEATED)
        .sort(["rejects", "customer_code"], descending=[True, False])
    )
    report.review = [
        {"customer": code, "name": name, "rejects": n, "reasons": reasons, "last": last.isoformat()}
        for code, name, n, reasons, last in review.iter_rows()
    ]
    return report


def _counts(frame: pl.DataFrame, column: str) -> list[dict[str, Any]]:
    grouped = (
        frame.group_by(column)
        .agg(pl.len().alias("count"), pl.col("amount_cents").sum().alias("amount_cents"))
        .sort(["count", column], descending=[True, False])
    )
    return [
        {"key": key, "count": count, "amount": f"{cents / 100:.2f}"}
        for key, count, cents in grouped.iter_rows()
    ]


def _runs(
    conn: Connection, date_from: dt.date | None, date_to: dt.date | None
) -> list[dict[str, Any]]:
    s, i = t.sdd_collections, t.sdd_collection_items
    rejected = func.sum(case((i.c.status.in_(("rejected", "returned", "refunded")), 1), else_=0))
    query = (
        select(s.c.message_id, s.c.collection_date, func.count(i.c.id), rejected)
        .join(i, i.c.collection_id == s.c.id)
        .group_by(s.c.id, s.c.message_id, s.c.collection_date)
        .order_by(s.c.collection_date, s.c.id)
    )
    if date_from:
        query = query.where(s.c.collection_date >= date_from)
    if date_to:
        query = query.where(s.c.collection_date <= date_to)
    return [
        {
            "message_id": message_id,
            "collection_date": day.isoformat(),
            "items": items,
            "rejected": int(bad or 0),
            "reject_rate": round(int(bad or 0) / items, 4) if items else 0.0,
        }
        for message_id, day, items, bad in conn.execute(query)
    ]
