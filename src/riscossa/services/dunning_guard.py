"""Money on its way, per customer: what the collections engine must wait for before dunning.

A customer is covered by (a) payments in transit that name them (a camt.054 notification,
a pagoPA payment whose lump sum has not arrived, an SDD debit awaiting its outcome) and
(b) unapplied payments that plausibly belong to them: received but not yet allocated,
either already tied to them or with them among the suggestions. Dunning someone whose
money is sitting on the unapplied desk is the complaint this guard prevents.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, func, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import driver_frame

SCHEMA = {"customer_id": pl.Int64, "in_transit_cents": pl.Int64, "unapplied_cents": pl.Int64}


def covered_amounts(conn: Connection) -> pl.DataFrame:
    """customer_id, in_transit_cents, unapplied_cents: one row per covered customer."""
    p, s = t.payments, t.payment_suggestions
    in_transit = driver_frame(
        conn,
        select(p.c.customer_id, func.sum(p.c.amount_cents).label("cents"))
        .where(p.c.status == "in_transit", p.c.customer_id.is_not(None))
        .group_by(p.c.customer_id),
        {"customer_id": pl.Int64, "cents": pl.Int64},
    )
    free = p.c.amount_cents - p.c.allocated_cents
    own = driver_frame(
        conn,
        select(p.c.customer_id, free.label("cents"), p.c.id).where(
            p.c.status.in_(("unapplied", "booked")),
            p.c.customer_id.is_not(None),
            p.c.lump_sum.is_(False),
            free > 0,
        ),
        {"customer_id": pl.Int64, "cents": pl.Int64, "id": pl.Int64},
    )
    suggested = driver_frame(
        conn,
        select(s.c.customer_id, free.label("cents"), p.c.id)
        .join(p, p.c.id == s.c.payment_id)
        .where(p.c.status == "unapplied", free > 0)
        .distinct(),
        {"customer_id": pl.Int64, "cents": pl.Int64, "id": pl.Int64},
    )
    unapplied = (
        pl.concat([own, suggested])
        .unique(["customer_id", "id"])
        .group_by("customer_id")
        .agg(pl.col("cents").sum())
    )
    return (
        in_transit.rename({"cents": "in_transit_cents"})
        .join(
            unapplied.rename({"cents": "unapplied_cents"}),
            on="customer_id",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("in_transit_cents", "unapplied_cents").fill_null(0))
        .sort("customer_id")
        .select(list(SCHEMA))
        .cast(SCHEMA)  # type: ignore[arg-type]
    )
