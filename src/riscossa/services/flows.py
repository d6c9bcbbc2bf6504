"""`flows import`: a bank, postal or pagoPA flow file becomes payments, once and atomically.

Every credit is a payment with its channel, dates, payer data and references; the matching
engine (``reconcile``) finds its customer and items later. What the file says twice (a
camt.054 notification, then the camt.053 that books it) is one payment: the natural key
account + date + amount + bank reference + end-to-end id + line is hashed into
``row_hash``, and the booking turns the announced payment into a booked one.

pagoPA arrives in two halves. The PSP's lump-sum transfer (``/PUR/.../URI/<flow id>`` in the
remittance) is booked money that belongs to nobody yet; the reporting flow lists the single
payments. Whichever comes second closes the pair: the lump sum becomes ``split`` (kept for
the bank reconciliation, never matched) and the single payments go from in transit to
booked. A flow whose total differs from its lump sum is refused: one of the two is wrong.

A reversal (a credit the bank took back) reverses the payment it cancels and reopens the
items it paid; other debits (fees, outgoing transfers) are not payments and are counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, insert, or_, select, update

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import fetch_by_keys, insert_frame
from riscossa.banking.flow_formats import FlowFormat, detect
from riscossa.banking.pagopa_flow import lump_sum_reference
from riscossa.banking.statement_model import Statement, StatementEntry, format_cents
from riscossa.domain.errors import ImportFileError
from riscossa.runtime import gc_paused
from riscossa.services.allocations import unallocate

PAYMENT_SCHEMA = {
    "bank_reference": pl.Utf8,
    "channel": pl.Utf8,
    "status": pl.Utf8,
    "value_date": pl.Date,
    "booking_date": pl.Date,
    "amount_cents": pl.Int64,
    "payer_name": pl.Utf8,
    "payer_iban": pl.Utf8,
    "reference": pl.Utf8,
    "row_hash": pl.Utf8,
    "account": pl.Utf8,
    "end_to_end_id": pl.Utf8,
    "lump_sum_ref": pl.Utf8,
    "lump_sum": pl.Boolean,
}


@dataclass(slots=True)
class FlowImportResult:
    file: str
    file_format: str
    flow_file_id: int | None = None
    statements: int = 0
    entries: int = 0
    payments: int = 0
    credits_cents: int = 0
    duplicates: int = 0
    booked_from_transit: int = 0
    reversals: int = 0
    ignored: int = 0
    lump_sums_split: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.file_format,
            "flow_file_id": self.flow_file_id,
            "statements": self.statements,
            "entries": self.entries,
            "payments": self.payments,
            "credits": format_cents(self.credits_cents),
            "credits_cents": self.credits_cents,
            "duplicates": self.duplicates,
            "booked_from_transit": self.booked_from_transit,
            "reversals": self.reversals,
            "ignored": self.ignored,
            "lump_sums_split": self.lump_sums_split,
            "warnings": self.warnings,
        }


@gc_paused()
def import_flow(engine: Engine, path: Path, *, now: dt.datetime | None = None) -> FlowImportResult:
    """Import one flow file; nothing is stored when any part of it is refused."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    what = path.name
    flow_format = detect(data, what=what)
    statements = flow_format.parse(data, what)
    digest = hashlib.sha256(data).hexdigest()
    result = FlowImportResult(str(path), statements[0].format if statements else flow_format.name)
    result.statements = len(statements)
    credits, debits = _split_entries(statements, result)
    with engine.begin() as conn:
        _refuse_known_file(conn, digest, what)
        flow_file_id = int(
            conn.execute(
                insert(t.flow_files)
                .values(
                    sha256=digest,
                    file_name=str(path)[-500:],
                    file_format=result.file_format,
                    imported_at=now,
                    statements=result.statements,
                    entries=result.entries,
                    payments=0,
                    credits_cents=0,
                    duplicates=0,
                    reversals=0,
                    ignored=0,
                )
                .returning(t.flow_files.c.id)
            ).scalar_one()
        )
        result.flow_file_id = flow_file_id
        frame = _payment_frame(credits, flow_format)
        frame = _drop_duplicates(conn, frame, flow_format, result)
        frame = _unique_bank_references(conn, frame, flow_file_id)
        if flow_format.name == "pagoPA":
            frame = _pagopa_details(conn, frame, statements, what, result)
        else:
            frame = _lump_sums(conn, frame, result)
        insert_frame(
            conn, t.payments, frame.with_columns(pl.lit(flow_file_id).alias("flow_file_id"))
        )
        result.payments = frame.height
        result.credits_cents = int(frame.get_column("amount_cents").sum()) if frame.height else 0
        for entry, account in debits:
            _reverse(conn, entry, account, what, result)
        conn.execute(
            update(t.flow_files)
            .where(t.flow_files.c.id == flow_file_id)
            .values(
                payments=result.payments,
                credits_cents=result.credits_cents,
                duplicates=result.duplicates,
                reversals=result.reversals,
                ignored=result.ignored,
            )
        )
    return result


def _refuse_known_file(conn: Connection, digest: str, what: str) -> None:
    known = conn.execute(
        select(t.flow_files.c.id, t.flow_files.c.file_name, t.flow_files.c.imported_at).where(
            t.flow_files.c.sha256 == digest
        )
    ).first()
    if known is not None:
        raise ImportFileError(
            f"{what}: this file was already imported (flow file {known.id}, "
            f"{Path(known.file_name).name}, on {known.imported_at:%d/%m/%Y %H:%M}): "
            "nothing was imported again"
        )


def _split_entries(
    statements: tuple[Statement, ...], result: FlowImportResult
) -> tuple[list[tuple[Statement, StatementEntry]], list[tuple[StatementEntry, str]]]:
    credits: list[tuple[Statement, StatementEntry]] = []
    debits: list[tuple[StatementEntry, str]] = []
    for statement in statements:
        for entry in statement.entries:
            result.entries += 1
            if entry.status == "INFO":
                result.ignored += 1  # information only: neither booked nor announced
            elif entry.amount_cents > 0 and not entry.reversal:
                credits.append((statement, entry))
            elif entry.amount_cents < 0 and entry.reversal:
                debits.append((entry, statement.account_id))
            else:
                result.ignored += 1  # fees, outgoing transfers, reversals of our own debits
    return credits, debits


def natural_key(account: str, entry: StatementEntry) -> str:
    """The hash that recognises one entry whichever file (notification, statement) says it."""
    day = entry.booking_date or entry.value_date
    parts = (
        account,
        day.isoformat() if day else "",
        str(entry.amount_cents),
        entry.bank_reference or "",
        entry.end_to_end_id or "",
        str(entry.details_index),
    )
    return hashlib.md5("|".join(parts).encode(), usedforsecurity=False).hexdigest()


def _payment_frame(
    credits: list[tuple[Statement, StatementEntry]], flow_format: FlowFormat
) -> pl.DataFrame:
    rows: dict[str, list[Any]] = {name: [] for name in PAYMENT_SCHEMA}
    for number, (statement, entry) in enumerate(credits, start=1):
        remittance = entry.remittance_text or ""
        day = entry.value_date or entry.booking_date or statement.closing_date
        if day is None:
            raise ImportFileError(
                f"statement {statement.statement_id!r}: entry {number} has neither a value "
                "nor a booking date"
            )
        reference = entry.bank_reference or f"{statement.statement_id}-{number}"
        if entry.details_index:
            reference = f"{reference}/{entry.details_index}"
        rows["bank_reference"].append(reference[:64])
        rows["channel"].append(flow_format.channel)
        announced = not flow_format.booked or entry.status in ("PDNG", "FUTR")
        rows["status"].append("in_transit" if announced else "booked")
        rows["value_date"].append(day)
        rows["booking_date"].append(entry.booking_date)
        rows["amount_cents"].append(entry.amount_cents)
        rows["payer_name"].append((entry.payer_name or "")[:200])
        rows["payer_iban"].append((entry.payer_iban or "").replace(" ", "").upper()[:64])
        rows["reference"].append(remittance)
        rows["row_hash"].append(natural_key(statement.account_id, entry))
        rows["account"].append(statement.account_id[:34])
        rows["end_to_end_id"].append((entry.end_to_end_id or "")[:35])
        # Flow ids compared upper-case: some banks upper-case the remittance they pass on.
        lump = "" if flow_format.name == "pagoPA" else (lump_sum_reference(remittance) or "")
        rows["lump_sum_ref"].append(
            (statement.statement_id if flow_format.name == "pagoPA" else lump).upper()[:64]
        )
        rows["lump_sum"].append(bool(lump))
    frame = pl.DataFrame(rows, schema=PAYMENT_SCHEMA)
    if flow_format.name != "pagoPA":
        frame = frame.with_columns(
            pl.when(pl.col("lump_sum"))
            .then(pl.lit("pagopa"))
            .otherwise(pl.col("channel"))
            .alias("channel")
        )
    return frame


def _drop_duplicates(
    conn: Connection, frame: pl.DataFrame, flow_format: FlowFormat, result: FlowImportResult
) -> pl.DataFrame:
    """Entries already stored are not stored again; a booking confirms an announced one."""
    before = frame.height
    frame = frame.unique("row_hash", keep="first", maintain_order=True)
    result.duplicates += before - frame.height
    known = fetch_by_keys(
        conn,
        t.payments,
        "row_hash",
        frame.get_column("row_hash").to_list(),
        {"id": pl.Int64, "row_hash": pl.Utf8, "status": pl.Utf8},
    )
    if known.height == 0:
        return frame
    result.duplicates += known.height
    if flow_format.booked:
        announced = known.filter(pl.col("status") == "in_transit").get_column("id").to_list()
        for start in range(0, len(announced), 5000):
            conn.execute(
                update(t.payments)
                .where(t.payments.c.id.in_(announced[start : start + 5000]))
                .values(status="booked")
            )
        result.booked_from_transit += len(announced)
    return frame.join(known.select("row_hash"), on="row_hash", how="anti")


def _unique_bank_references(
    conn: Connection, frame: pl.DataFrame, flow_file_id: int
) -> pl.DataFrame:
    """Batched lines share the bank's reference; another bank may reuse one: suffix them."""
    if frame.height == 0:
        return frame
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()).over("bank_reference") > 0)
        .then(
            pl.format(
                "{}#{}", pl.col("bank_reference"), pl.int_range(pl.len()).over("bank_reference")
            )
        )
        .otherwise(pl.col("bank_reference"))
        .str.slice(0, 64)
        .alias("bank_reference")
    )
    taken = fetch_by_keys(
        conn,
        t.payments,
        "bank_reference",
        frame.get_column("bank_reference").to_list(),
        {"bank_reference": pl.Utf8},
    )
    if taken.height == 0:
        return frame
    clash = pl.col("bank_reference").is_in(taken.get_column("bank_reference").implode())
    return frame.with_columns(
        pl.when(clash)
        .then(pl.format("F{}:{}", pl.lit(flow_file_id), pl.col("bank_reference")).str.slice(0, 64))
        .otherwise(pl.col("bank_reference"))
        .alias("bank_reference")
    )


def _lump_sums(conn: Connection, frame: pl.DataFrame, result: FlowImportResult) -> pl.DataFrame:
    """A lump sum whose detail flow is already here is split at once; its details booked."""
    lumps = frame.filter(pl.col("lump_sum"))
    if lumps.height == 0:
        return frame
    p = t.payments
    split: list[str] = []
    for flow_id, cents in lumps.select("lump_sum_ref", "amount_cents").iter_rows():
        details = conn.execute(
            select(p.c.amount_cents).where(
                p.c.lump_sum_ref == flow_id, p.c.lump_sum.is_(False), p.c.channel == "pagopa"
            )
        ).scalars()
        amounts = list(details)
        if not amounts:
            continue
        if sum(amounts) != cents:
            raise ImportFileError(
                f"pagoPA flow {flow_id}: the bank credited {format_cents(cents)} but the "
                f"reporting flow lists {format_cents(sum(amounts))}: check both files"
            )
        conn.execute(
            update(p)
            .where(p.c.lump_sum_ref == flow_id, p.c.lump_sum.is_(False), p.c.status == "in_transit")
            .values(status="booked")
        )
        split.append(flow_id)
    result.lump_sums_split += len(split)
    return frame.with_columns(
        pl.when(pl.col("lump_sum") & pl.col("lump_sum_ref").is_in(split))
        .then(pl.lit("split"))
        .otherwise(pl.col("status"))
        .alias("status")
    )


def _pagopa_details(
    conn: Connection,
    frame: pl.DataFrame,
    statements: tuple[Statement, ...],
    what: str,
    result: FlowImportResult,
) -> pl.DataFrame:
    """Single pagoPA payments: booked if their lump sum is already on the account."""
    p = t.payments
    flow_id = statements[0].statement_id.upper()[:64]
    lump = conn.execute(
        select(p.c.id, p.c.amount_cents).where(
            p.c.lump_sum_ref == flow_id, p.c.lump_sum.is_(True), p.c.status != "reversed"
        )
    ).first()
    if lump is None:
        return frame
    total = sum(e.amount_cents for e in statements[0].entries if e.amount_cents > 0)
    if total != lump.amount_cents:
        raise ImportFileError(
            f"{what}: pagoPA flow {flow_id} lists {format_cents(total)} but the bank credited "
            f"{format_cents(lump.amount_cents)} for it: check both files"
        )
    conn.execute(update(p).where(p.c.id == lump.id).values(status="split"))
    result.lump_sums_split += 1
    return frame.with_columns(pl.lit("booked").alias("status"))


def _reverse(
    conn: Connection, entry: StatementEntry, account: str, what: str, result: FlowImportResult
) -> None:
    """The payment a reversal cancels: same account and amount, and a shared identifier."""
    p = t.payments
    same: list[Any] = []
    if entry.end_to_end_id:
        same.append(p.c.end_to_end_id == entry.end_to_end_id[:35])
    if entry.payer_iban:
        same.append(p.c.payer_iban == entry.payer_iban.replace(" ", "").upper())
    if entry.bank_reference:
        same.append(p.c.bank_reference == entry.bank_reference[:64])
    if not same:
        result.ignored += 1
        result.warnings.append(
            f"{what}: reversal of {format_cents(-entry.amount_cents)} names no payer or "
            "reference: left for the bank reconciliation"
        )
        return
    original = conn.execute(
        select(p.c.id)
        .where(
            p.c.account == account[:34],
            p.c.amount_cents == -entry.amount_cents,
            p.c.status.in_(("booked", "in_transit", "unapplied")),
            or_(*same),
        )
        .order_by(p.c.value_date.desc(), p.c.id.desc())
        .limit(1)
    ).scalar()
    if original is None:
        result.ignored += 1
        result.warnings.append(
            f"{what}: reversal of {format_cents(-entry.amount_cents)} "
            f"({entry.payer_name or entry.payer_iban or entry.bank_reference}): no matching "
            "payment found"
        )
        return
    unallocate(conn, int(original))
    conn.execute(update(p).where(p.c.id == original).values(status="reversed"))
    result.reversals += 1
