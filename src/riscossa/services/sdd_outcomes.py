"""`sdd outcomes`: the bank's answers to a collection, applied once, all or nothing.

Each R-transaction (reject, return, refund) reverses the in-transit or booked payment that
stood for the debit, reopens the item, records the return with its reason code and opens
the follow-up the policy table gives for that code. A file already applied, a file about a
collection we never sent, or an amount that differs from what we collected is refused
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, insert, select, update

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import fetch_by_keys, increment_allocated, insert_frame
from riscossa.banking.sdd_outcomes import OutcomeFile, read_outcomes
from riscossa.banking.target2 import add_business_days
from riscossa.domain.errors import ImportFileError
from riscossa.domain.sdd_policy import FollowUp, SddPolicy, followup_for
from riscossa.runtime import gc_paused
from riscossa.services.policies import load_sdd_policy

R_STATUSES = {
    "reject": "rejected",
    "return": "returned",
    "refund": "refunded",
    "reversal": "returned",
}
SETTLE_AFTER_BUSINESS_DAYS = 5


@dataclass(slots=True)
class OutcomeResult:
    file: str
    file_format: str
    message_id: str
    original_message_id: str
    items: int
    applied: int
    accepted: int
    by_reason: dict[str, int] = field(default_factory=dict)
    followups: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # reading, applying

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.file_format,
            "message_id": self.message_id,
            "original_message_id": self.original_message_id,
            "items": self.items,
            "applied": self.applied,
            "accepted": self.accepted,
            "by_reason": self.by_reason,
            "followups": self.followups,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


@gc_paused()
def apply_outcomes(
    engine: Engine,
    path: Path,
    *,
    today: dt.date,
    policy: SddPolicy | None = None,
    now: dt.datetime | None = None,
) -> OutcomeResult:
    if not path.is_file():
        raise ImportFileError(f"{path}: file not found")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    started = time.perf_counter()
    outcome = read_outcomes(data, what=str(path))
    reading = time.perf_counter() - started
    policy = policy or load_sdd_policy()
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        seen = conn.execute(
            select(t.sdd_outcome_files.c.file_name, t.sdd_outcome_files.c.imported_at).where(
                t.sdd_outcome_files.c.sha256 == sha
            )
        ).first()
        if seen is not None:
            raise ImportFileError(
                f"{path}: this outcome file was already applied on "
                f"{seen.imported_at:%d/%m/%Y %H:%M} (as {Path(seen.file_name).name}); nothing done"
            )
        items = _items(outcome)
        _check_original(conn, path, outcome, items)
        matched = _match(conn, path, items)
        file_id = int(
            conn.execute(
                insert(t.sdd_outcome_files)
                .values(
                    sha256=sha,
                    file_name=str(path)[-500:],
                    file_format=outcome.format,
                    message_id=outcome.message_id or "",
                    original_message_id=outcome.original_message_id or "",
                    imported_at=now,
                    items=len(outcome.items),
                )
                .returning(t.sdd_outcome_files.c.id)
            ).scalar_one()
        )
        followups = _reverse(conn, matched, file_id, today, policy, now)
    result = OutcomeResult(
        file=str(path),
        file_format=outcome.format,
        message_id=outcome.message_id or "",
        original_message_id=outcome.original_message_id or "",
        items=len(outcome.items),
        applied=matched.height,
        accepted=len(outcome.items) - items.height,
        by_reason=dict(sorted(matched.group_by("reason_code").len().iter_rows())),
        followups=dict(sorted(followups.group_by("action").len().iter_rows())),
        seconds={"reading": reading, "applying": time.perf_counter() - started - reading},
    )
    return result


def _items(outcome: OutcomeFile) -> pl.DataFrame:
    """The R-transactions of the file (accepted or pending lines change nothing)."""
    rows = [
        (
            item.original_end_to_end_id or "",
            R_STATUSES[item.kind],
            (item.reason_code or "").upper(),
            item.original_amount_cents,
        )
        for item in outcome.items
        if item.kind in R_STATUSES
    ]
    return pl.DataFrame(
        rows,
        schema={
            "end_to_end_id": pl.Utf8,
            "new_status": pl.Utf8,
            "reason_code": pl.Utf8,
            "reported_cents": pl.Int64,
        },
        orient="row",
    )


def _check_original(
    conn: Connection, path: Path, outcome: OutcomeFile, items: pl.DataFrame
) -> None:
    original = outcome.original_message_id
    if not original:
        return  # camt.054 returns name no original message: the end-to-end ids decide
    known = conn.execute(
        select(func.count())
        .select_from(t.sdd_collections)
        .where(t.sdd_collections.c.message_id == original)
    ).scalar_one()
    if not known:
        raise ImportFileError(
            f"{path}: it answers collection '{original}', which Riscossa never sent; nothing done"
        )


def _match(conn: Connection, path: Path, items: pl.DataFrame) -> pl.DataFrame:
    if items.height == 0:
        return items.with_columns(
            *(
                pl.lit(None, dtype=pl.Int64).alias(c)
                for c in (
                    "id",
                    "invoice_id",
                    "payment_id",
                    "customer_id",
                    "mandate_id",
                    "amount_cents",
                )
            ),
            pl.lit(None, dtype=pl.Utf8).alias("status"),
            pl.lit(None, dtype=pl.Date).alias("collection_date"),
        )
    s = t.sdd_collection_items
    known = fetch_by_keys(
        conn,
        s,
        "end_to_end_id",
        items.get_column("end_to_end_id").to_list(),
        {
            "end_to_end_id": pl.Utf8,
            "id": pl.Int64,
            "invoice_id": pl.Int64,
            "payment_id": pl.Int64,
            "customer_id": pl.Int64,
            "mandate_id": pl.Int64,
            "amount_cents": pl.Int64,
            "status": pl.Utf8,
            "collection_id": pl.Int64,
        },
    )
    matched = items.join(known, on="end_to_end_id", how="left")
    unknown = matched.filter(pl.col("id").is_null()).get_column("end_to_end_id").to_list()
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ImportFileError(
            f"{path}: {len(unknown)} transaction(s) answer debits Riscossa never collected "
            f"(end-to-end id {shown}); nothing done"
        )
    wrong = matched.filter(
        pl.col("reported_cents").is_not_null()
        & (pl.col("reported_cents") != pl.col("amount_cents"))
    )
    if wrong.height:
        e2e, reported, ours = wrong.select("end_to_end_id", "reported_cents", "amount_cents").row(0)
        raise ImportFileError(
            f"{path}: transaction {e2e} reports {reported / 100:.2f} EUR but "
            f"{ours / 100:.2f} EUR was collected; nothing done"
        )
    again = matched.filter(pl.col("status").is_in(list(R_STATUSES.values())))
    if again.height:
        raise ImportFileError(
            f"{path}: transaction {again.get_column('end_to_end_id')[0]} already has an outcome "
            f"({again.get_column('status')[0]}); nothing done"
        )
    dates = dict(
        conn.execute(
            select(t.sdd_collections.c.id, t.sdd_collections.c.collection_date).where(
                t.sdd_collections.c.id.in_(matched.get_column("collection_id").unique().to_list())
            )
        ).all()
    )
    return matched.with_columns(
        pl.col("collection_id").replace_strict(dates, return_dtype=pl.Date).alias("collection_date")
    )


def _reverse(
    conn: Connection,
    matched: pl.DataFrame,
    file_id: int,
    today: dt.date,
    policy: SddPolicy,
    now: dt.datetime,
) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"action": pl.Utf8})
    if matched.height == 0:
        return empty
    payment_ids = matched.get_column("payment_id").to_list()
    raw = conn.connection.driver_connection
    assert raw is not None
    marker = "%s" if conn.dialect.name == "postgresql" else "?"
    cursor = raw.cursor()
    by_payment = [(pid,) for pid in payment_ids]
    cursor.executemany(f"DELETE FROM allocations WHERE payment_id = {marker}", by_payment)
    cursor.executemany(
        f"UPDATE payments SET status = 'reversed', allocated_cents = 0 WHERE id = {marker}",
        by_payment,
    )
    cursor.close()
    increment_allocated(
        conn,
        matched.select(
            pl.col("invoice_id").alias("id"), (-pl.col("amount_cents")).alias("amount_cents")
        ),
    )
    cursor = raw.cursor()
    cursor.executemany(
        f"UPDATE sdd_collection_items SET status = {marker}, reason_code = {marker}, "
        f"outcome_file_id = {marker} WHERE id = {marker}",
        [
            (s, r, file_id, i)
            for s, r, i in matched.select("new_status", "reason_code", "id").rows()
        ],
    )
    cursor.close()
    mandates = fetch_by_keys(
        conn,
        t.mandates,
        "id",
        matched.get_column("mandate_id").unique().to_list(),
        {"id": pl.Int64, "debtor_iban": pl.Utf8},
    ).rename({"id": "mandate_id", "debtor_iban": "iban"})
    matched = matched.join(mandates, on="mandate_id", how="left")
    insert_frame(
        conn,
        t.sdd_returns,
        matched.select(
            pl.col("end_to_end_id").alias("reference"),
            "customer_id",
            "reason_code",
            "collection_date",
            "amount_cents",
            pl.col("iban").fill_null(""),
            pl.lit("").alias("row_hash"),
        ),
    )
    attempts = _previous_attempts(conn, matched)
    steps: dict[tuple[str, int], FollowUp] = {}
    rows = []
    for item_id, customer_id, invoice_id, reason, before in (
        matched.join(attempts, on=["invoice_id", "reason_code"], how="left")
        .select("id", "customer_id", "invoice_id", "reason_code", pl.col("attempts").fill_null(0))
        .iter_rows()
    ):
        key = (reason, before)
        step = steps.get(key) or steps.setdefault(key, followup_for(reason, before, policy))
        due = today + dt.timedelta(days=step.after_days)
        rows.append(
            (
                item_id,
                customer_id,
                invoice_id,
                reason,
                step.action.value,
                due,
                before + 1,
                step.suspend_mandate,
            )
        )
    followups = pl.DataFrame(
        rows,
        schema={
            "collection_item_id": pl.Int64,
            "customer_id": pl.Int64,
            "invoice_id": pl.Int64,
            "reason_code": pl.Utf8,
            "action": pl.Utf8,
            "due_date": pl.Date,
            "attempt": pl.Int64,
            "suspend_mandate": pl.Boolean,
        },
        orient="row",
    )
    insert_frame(
        conn,
        t.sdd_followups,
        followups.drop("suspend_mandate").with_columns(
            pl.lit("open").alias("status"), pl.lit(now).alias("created_at")
        ),
    )
    # The policy says which reasons make the mandate unusable (closed account, no mandate...).
    stopped = followups.filter(pl.col("suspend_mandate"))
    if stopped.height:
        ids = matched.filter(pl.col("id").is_in(stopped.get_column("collection_item_id").implode()))
        for start in range(0, ids.height, 5000):
            chunk = ids.get_column("mandate_id").slice(start, 5000).to_list()
            conn.execute(
                update(t.mandates).where(t.mandates.c.id.in_(chunk)).values(status="cancelled")
            )
    return followups


def _previous_attempts(conn: Connection, matched: pl.DataFrame) -> pl.DataFrame:
    earlier = fetch_by_keys(
        conn,
        t.sdd_followups,
        "invoice_id",
        matched.get_column("invoice_id").unique().to_list(),
        {"invoice_id": pl.Int64, "reason_code": pl.Utf8},
    )
    return earlier.group_by("invoice_id", "reason_code").agg(
        pl.len().cast(pl.Int64).alias("attempts")
    )


def settle_collections(
    engine: Engine, as_of: dt.date, *, after_business_days: int = SETTLE_AFTER_BUSINESS_DAYS
) -> int:
    """Debits with no outcome D+n business days after the collection date are paid: booked."""
    s, c, p = t.sdd_collection_items, t.sdd_collections, t.payments
    with engine.begin() as conn:
        # The deadline depends only on the collection date: decide per collection, then
        # settle each collection's in-transit debits in two statements.
        dates = conn.execute(
            select(c.c.id, c.c.collection_date).where(
                c.c.id.in_(select(s.c.collection_id).where(s.c.status == "in_transit"))
            )
        ).all()
        due = [i for i, day in dates if add_business_days(day, after_business_days) <= as_of]
        settled = 0
        for collection_id in due:
            in_transit = (s.c.collection_id == collection_id) & (s.c.status == "in_transit")
            conn.execute(
                update(p)
                .where(p.c.id.in_(select(s.c.payment_id).where(in_transit)))
                .values(status="booked", booking_date=as_of)
            )
            settled += conn.execute(
                update(s).where(in_transit).values(status="settled", settled_date=as_of)
            ).rowcount
    return settled
