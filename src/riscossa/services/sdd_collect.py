"""`sdd collect`: the open items of direct-debit contracts due by D, as a collection file.

Every collected item becomes an in-transit payment allocated to it in the same transaction,
so the ledger shows it covered and dunning waits for the bank's outcome; an R-transaction
later reverses exactly that payment (``sdd_outcomes``). Selection and bookkeeping are
set-based: one query for the items, bulk inserts for payments, allocations and items.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, exists, func, insert, or_, select, update

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import (
    driver_frame,
    increment_allocated,
    insert_frame,
    reserve_ids,
    update_frame,
)
from riscossa.banking import target2
from riscossa.banking.target2 import is_business_day
from riscossa.domain.errors import ValidationError
from riscossa.domain.mandates import LAPSE_MONTHS, add_months
from riscossa.runtime import gc_paused
from riscossa.services.sdd_files import Creditor, write_collection_file

FORMATS = ("pain.008.001.08", "pain.008.001.02", "cbi")


@dataclass(slots=True)
class CollectionResult:
    collection_id: int | None
    message_id: str
    file: str | None
    file_format: str
    collection_date: dt.date
    presentation_date: dt.date
    items: int
    total_cents: int
    by_sequence: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)  # selection, bookkeeping, file

    def as_json(self) -> dict[str, Any]:
        return {
            "collection_id": self.collection_id,
            "message_id": self.message_id,
            "file": self.file,
            "format": self.file_format,
            "collection_date": self.collection_date.isoformat(),
            "presentation_date": self.presentation_date.isoformat(),
            "items": self.items,
            "total": f"{self.total_cents / 100:.2f}",
            "total_cents": self.total_cents,
            "by_sequence": self.by_sequence,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def presentation_date(collection_date: dt.date, today: dt.date) -> dt.date:
    """D-1 on TARGET2 business days; refuse a date the bank can no longer take."""
    if not is_business_day(collection_date):
        raise ValidationError(
            f"{collection_date:%d/%m/%Y} is not a TARGET2 business day: "
            "choose a weekday that is not a TARGET2 holiday"
        )
    present = target2.presentation_date(collection_date)
    if present < today:
        raise ValidationError(
            f"collection date {collection_date:%d/%m/%Y} needs presentation on "
            f"{present:%d/%m/%Y}, already past: the earliest is "
            f"{target2.earliest_collection_date(today):%d/%m/%Y}"
        )
    return present


def lapse_mandates(conn: Connection, day: dt.date, now: dt.datetime) -> int:
    """A mandate unused for 36 months has lapsed (rulebook): it may not be collected again."""
    m, e = t.mandates, t.mandate_events
    cutoff = add_months(day, -LAPSE_MONTHS)
    last_use = func.coalesce(m.c.last_collection_date, m.c.signature_date)
    ids = (
        conn.execute(
            select(m.c.id).where(m.c.status.in_(("active", "amended")), last_use <= cutoff)
        )
        .scalars()
        .all()
    )
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        conn.execute(update(m).where(m.c.id.in_(chunk)).values(status="lapsed"))
        conn.execute(
            insert(e),
            [
                {
                    "mandate_id": i,
                    "kind": "lapsed",
                    "event_date": day,
                    "before": "active",
                    "after": f"lapsed: {LAPSE_MONTHS} months without collections",
                    "created_at": now,
                }
                for i in chunk
            ],
        )
    return len(ids)


def due_items(conn: Connection, collection_date: dt.date) -> pl.DataFrame:
    """Open invoices of SDD contracts due by D with a live mandate, not already in transit."""
    i, c, m, s = t.invoices, t.contracts, t.mandates, t.sdd_collection_items
    other = t.contracts.alias("other_contract")
    sdd_contract_of_customer = exists().where(
        other.c.customer_id == i.c.customer_id, other.c.payment_method == "sdd"
    )
    in_transit = exists().where(s.c.invoice_id == i.c.id, s.c.status == "in_transit")
    f = t.sdd_followups
    # An R-transaction's open follow-up holds the item back: for good unless it is a
    # re-presentation, and until its date if it is one.
    held = exists().where(
        f.c.invoice_id == i.c.id,
        f.c.status == "open",
        or_(f.c.action != "represent", f.c.due_date > collection_date),
    )
    query = (
        select(
            i.c.id.label("invoice_id"),
            i.c.number,
            i.c.customer_id,
            i.c.issue_date,
            i.c.due_date,
            (i.c.amount_cents - i.c.allocated_cents).label("amount_cents"),
            i.c.payment_reference,
            m.c.id.label("mandate_id"),
            (m.c.contract_id.is_not(None)).label("contract_mandate"),
            m.c.umr,
            m.c.creditor_id,
            m.c.signature_date,
            m.c.debtor_name,
            m.c.debtor_iban,
            m.c.debtor_bic,
            m.c.scheme,
            m.c.one_off,
            m.c.last_collection_date,
            m.c.original_iban,
            m.c.original_other_bank,
            m.c.original_creditor_id,
        )
        .select_from(i)
        .outerjoin(c, c.c.id == i.c.contract_id)
        .join(
            m,
            and_(
                m.c.customer_id == i.c.customer_id,
                or_(m.c.contract_id.is_(None), m.c.contract_id == i.c.contract_id),
                m.c.status.in_(("active", "amended")),
            ),
        )
        .where(
            i.c.kind == "invoice",
            i.c.due_date <= collection_date,
            i.c.disputed.is_(False),
            i.c.amount_cents > i.c.allocated_cents,
            or_(
                c.c.payment_method == "sdd",
                and_(i.c.contract_id.is_(None), sdd_contract_of_customer),
            ),
            ~in_transit,
            ~held,
        )
    )
    schema = {
        "invoice_id": pl.Int64,
        "number": pl.Utf8,
        "customer_id": pl.Int64,
        "issue_date": pl.Date,
        "due_date": pl.Date,
        "amount_cents": pl.Int64,
        "payment_reference": pl.Utf8,
        "mandate_id": pl.Int64,
        "contract_mandate": pl.Boolean,
        "umr": pl.Utf8,
        "creditor_id": pl.Utf8,
        "signature_date": pl.Date,
        "debtor_name": pl.Utf8,
        "debtor_iban": pl.Utf8,
        "debtor_bic": pl.Utf8,
        "scheme": pl.Utf8,
        "one_off": pl.Boolean,
        "last_collection_date": pl.Date,
        "original_iban": pl.Utf8,
        "original_other_bank": pl.Boolean,
        "original_creditor_id": pl.Utf8,
    }
    frame = driver_frame(conn, query, schema)
    # A contract's own mandate wins over the customer's general one.
    return (
        frame.sort(
            ["invoice_id", "contract_mandate", "mandate_id"], descending=[False, True, False]
        )
        .unique("invoice_id", keep="first", maintain_order=True)
        .with_columns(
            pl.when(pl.col("one_off"))
            .then(pl.lit("OOFF"))
            .when(pl.col("last_collection_date").is_null())
            .then(pl.lit("FRST"))
            .otherwise(pl.lit("RCUR"))
            .alias("sequence_type")
        )
    )


@gc_paused()
def run_collection(
    engine: Engine,
    collection_date: dt.date,
    output: Path,
    creditor: Creditor,
    *,
    today: dt.date,
    file_format: str = "pain.008.001.08",
    now: dt.datetime | None = None,
    cbi_xsd: Path | None = None,
) -> CollectionResult:
    if file_format not in FORMATS:
        raise ValidationError(f"unknown format '{file_format}' (one of: {', '.join(FORMATS)})")
    present = presentation_date(collection_date, today)
    now = now or dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    # The file is built in a second thread while the database books the debits: both take
    # tens of seconds on a million items, and SQLite and libxml2 leave the GIL for most of
    # their work. It is written beside its final name and takes that name only once the
    # bookkeeping has committed, so a failed run never leaves a file someone could send.
    staged = output.with_name(output.name + ".staged")
    try:
        with engine.begin() as conn:
            lapse_mandates(conn, collection_date, now)
            items = due_items(conn, collection_date)
            lap("selection")
            message_id = _message_id(conn, now)
            if items.height == 0:
                return CollectionResult(
                    None, message_id, None, file_format, collection_date, present, 0, 0, {}
                )
            collection_id = int(
                conn.execute(
                    insert(t.sdd_collections)
                    .values(
                        message_id=message_id,
                        file_format=file_format,
                        collection_date=collection_date,
                        presentation_date=present,
                        created_at=now,
                        file_name=str(output)[-500:],
                        items=items.height,
                        total_cents=int(items.get_column("amount_cents").sum()),
                    )
                    .returning(t.sdd_collections.c.id)
                ).scalar_one()
            )
            items = items.with_columns(
                pl.format("R{}-{}", pl.lit(collection_id), pl.col("invoice_id")).alias(
                    "end_to_end_id"
                )
            )
            # Leaving the pool waits for the file, whatever the bookkeeping did.
            with ThreadPoolExecutor(max_workers=1) as pool:
                writing = pool.submit(
                    _timed,
                    write_collection_file,
                    staged,
                    items,
                    creditor,
                    message_id=message_id,
                    created=now,
                    collection_date=collection_date,
                    file_format=file_format,
                    cbi_xsd=cbi_xsd,
                )
                _book_in_transit(conn, collection_id, items, collection_date, now)
                lap("bookkeeping")
                seconds["file"] = writing.result()
                lap("file wait")
        lap("commit")
        staged.replace(output)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    by_sequence = dict(items.group_by("sequence_type").len().iter_rows())
    return CollectionResult(
        collection_id,
        message_id,
        str(output),
        file_format,
        collection_date,
        present,
        items.height,
        int(items.get_column("amount_cents").sum()),
        by_sequence,
        seconds,
    )


def _timed(function: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def _message_id(conn: Connection, now: dt.datetime) -> str:
    count = conn.execute(
        select(t.sdd_collections.c.id).order_by(t.sdd_collections.c.id.desc()).limit(1)
    ).scalar()
    return f"RISCOSSA-{now:%Y%m%d%H%M%S}-{(count or 0) + 1}"


def _book_in_transit(
    conn: Connection,
    collection_id: int,
    items: pl.DataFrame,
    collection_date: dt.date,
    now: dt.datetime,
) -> None:
    payments = items.select(
        pl.col("end_to_end_id").alias("bank_reference"),
        pl.lit("sdd").alias("channel"),
        pl.lit("in_transit").alias("status"),
        pl.lit(collection_date).alias("value_date"),
        "amount_cents",
        pl.col("amount_cents").alias("allocated_cents"),
        "customer_id",
        pl.col("debtor_name").alias("payer_name"),
        pl.col("debtor_iban").alias("payer_iban"),
        pl.col("number").alias("reference"),
        pl.lit("").alias("row_hash"),
    )
    ids = pl.Series("payment_id", reserve_ids(conn, t.payments, items.height), dtype=pl.Int64)
    insert_frame(conn, t.payments, payments.with_columns(ids.alias("id")))
    items = items.with_columns(ids)
    insert_frame(
        conn,
        t.allocations,
        items.select(
            "payment_id",
            "invoice_id",
            "amount_cents",
            pl.lit("sdd_collection").alias("rule"),
            pl.lit(1.0).alias("confidence"),
            pl.lit(now).alias("created_at"),
        ),
    )
    insert_frame(
        conn,
        t.sdd_collection_items,
        items.select(
            pl.lit(collection_id, dtype=pl.Int64).alias("collection_id"),
            "end_to_end_id",
            "invoice_id",
            "mandate_id",
            "customer_id",
            "payment_id",
            "sequence_type",
            "amount_cents",
            pl.lit("in_transit").alias("status"),
        ),
    )
    increment_allocated(conn, items.select(pl.col("invoice_id").alias("id"), "amount_cents"))
    f = t.sdd_followups
    invoice_ids = items.get_column("invoice_id").to_list()
    for start in range(0, len(invoice_ids), 5000):
        conn.execute(
            f.update()
            .where(
                f.c.invoice_id.in_(invoice_ids[start : start + 5000]),
                f.c.status == "open",
                f.c.action == "represent",
            )
            .values(status="done")
        )
    mandates = items.select("mandate_id").unique()
    update_frame(
        conn,
        t.mandates,
        mandates.select(
            pl.lit(collection_date).alias("last_collection_date"),
            pl.lit("active").alias("status"),
            pl.lit("").alias("original_iban"),
            pl.lit(False).alias("original_other_bank"),
            pl.lit("").alias("original_creditor_id"),
            pl.col("mandate_id").alias("id"),
        ),
    )
