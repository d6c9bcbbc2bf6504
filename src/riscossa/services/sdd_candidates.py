"""Conversion campaign to direct debit: good payers on slips or transfers, ranked.

Who: customers with an active contract paid by postal slip or bank transfer, no mandate,
a way to reach them (e-mail, PEC or phone), at least three paid invoices and nothing overdue
beyond 30 days. Score (0-100, documented for the campaign manager): 100, minus 2 points per
average day of delay, minus 20 if anything is overdue at all, plus log10 of the euros billed in
the last year, at most 10 points (a bigger customer saves more postage and reminders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import driver_frame
from riscossa.adapters.xlsx_report import DataSheet, write_report

N, T, D = pl.Int64, pl.Utf8, pl.Date  # column types of the queries below
MIN_PAID = 3
MAX_OVERDUE_DAYS = 30


@dataclass(slots=True)
class Candidates:
    as_of: dt.date
    frame: pl.DataFrame

    def as_json(self, limit: int = 50) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "candidates": self.frame.height,
            "top": self.frame.head(limit).with_columns(pl.col(pl.Date).dt.to_string()).to_dicts(),
        }


def sdd_candidates(conn: Connection, as_of: dt.date) -> Candidates:
    c, k, i, a, p, m = t.customers, t.contracts, t.invoices, t.allocations, t.payments, t.mandates
    on_slips = (
        select(k.c.customer_id)
        .where(k.c.status == "active", k.c.payment_method.in_(("postal_slip", "bank_transfer")))
        .distinct()
    )
    people = driver_frame(
        conn,
        select(c.c.id, c.c.code, c.c.name, c.c.segment, c.c.email, c.c.pec, c.c.phone)
        .where(c.c.id.in_(on_slips))
        .where(c.c.id.not_in(select(m.c.customer_id).where(m.c.status.in_(("active", "amended")))))
        .where((c.c.email != "") | (c.c.pec != "") | (c.c.phone != "")),
        {"customer_id": N, "code": T, "name": T, "segment": T, "email": T, "pec": T, "phone": T},
    )
    year_ago = as_of - dt.timedelta(days=365)
    items = driver_frame(
        conn,
        select(
            i.c.customer_id,
            i.c.id,
            i.c.due_date,
            i.c.issue_date,
            i.c.amount_cents,
            i.c.allocated_cents,
        ).where(i.c.kind == "invoice", i.c.customer_id.in_(on_slips)),
        {
            "customer_id": N,
            "invoice_id": N,
            "due_date": D,
            "issue_date": D,
            "amount_cents": N,
            "allocated_cents": N,
        },
    )
    delays = driver_frame(
        conn,
        select(i.c.customer_id, i.c.id, i.c.due_date, p.c.value_date)
        .join(a, a.c.invoice_id == i.c.id)
        .join(p, p.c.id == a.c.payment_id)
        .where(p.c.status.in_(("booked", "unapplied")), i.c.customer_id.in_(on_slips)),
        {"customer_id": N, "invoice_id": N, "due_date": D, "value_date": D},
    )
    paid = (
        delays.group_by("customer_id", "invoice_id")
        .agg(
            ((pl.col("value_date").max() - pl.col("due_date").first()).dt.total_days()).alias(
                "late"
            )
        )
        .group_by("customer_id")
        .agg(
            pl.len().alias("paid_invoices"),
            pl.col("late").clip(lower_bound=0).mean().alias("avg_days_late"),
            (pl.col("late") <= 0).mean().alias("on_time_share"),
        )
    )
    open_items = items.filter(pl.col("amount_cents") > pl.col("allocated_cents"))
    exposure = (
        items.group_by("customer_id")
        .agg(
            pl.col("amount_cents")
            .filter(pl.col("issue_date") >= year_ago)
            .sum()
            .alias("billed_12m"),
        )
        .join(
            open_items.group_by("customer_id").agg(
                (pl.lit(as_of) - pl.col("due_date")).dt.total_days().max().alias("max_overdue_days")
            ),
            on="customer_id",
            how="left",
        )
    )
    ranked = (
        people.join(paid, on="customer_id", how="inner")
        .join(exposure, on="customer_id", how="left")
        .with_columns(pl.col("max_overdue_days").fill_null(0).clip(lower_bound=0))
        .filter(
            (pl.col("paid_invoices") >= MIN_PAID) & (pl.col("max_overdue_days") <= MAX_OVERDUE_DAYS)
        )
        .with_columns(
            (
                100
                - 2 * pl.col("avg_days_late")
                - pl.when(pl.col("max_overdue_days") > 0).then(20).otherwise(0)
                + (1 + pl.col("billed_12m").fill_null(0) / 100).log10().clip(upper_bound=10)
            )
            .clip(0, 100)
            .round(1)
            .alias("score")
        )
        .sort(["score", "code"], descending=[True, False])
    )
    return Candidates(as_of, ranked)


def export_candidates(candidates: Candidates, path: Path) -> None:
    frame = candidates.frame.select(
        pl.col("code").alias("Codice cliente"),
        pl.col("name").alias("Intestatario"),
        pl.col("segment").alias("Segmento"),
        pl.col("email").alias("E-mail"),
        pl.col("pec").alias("PEC"),
        pl.col("phone").alias("Telefono"),
        pl.col("paid_invoices").alias("Fatture pagate"),
        pl.col("avg_days_late").round(1).alias("Ritardo medio (gg)"),
        (pl.col("on_time_share") * 100).round(0).alias("Puntuali %"),
        (pl.col("billed_12m").fill_null(0) / 100).round(2).alias("Fatturato 12 mesi (€)"),
        pl.col("score").alias("Punteggio"),
    )
    write_report(path, DataSheet(f"Candidati SDD {candidates.as_of:%d-%m-%Y}", frame))
