"""The monthly IBAN monitor over the customer base, as dated findings.

A finding is one problem (customer, IBAN, code) that stays open from the run that first saw
it until the run that no longer does. A rerun therefore reports only what is new, what
changed (a customer whose problem is now a different one) and what was resolved; the same
date run twice reports nothing new. Everything is set-based: one query for the customers,
one batch check, a few bulk statements for the findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from xlsxwriter.workbook import Workbook

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import insert_frame, reserve_ids
from riscossa.adapters.registry_batch import RegistrySnapshot
from riscossa.adapters.xlsx_report import DataSheet, Highlight, write_report
from riscossa.services.bank_registry import registry_snapshot
from riscossa.services.iban_check import VERDICT_COLOURS, check_ibans_frame
from riscossa.services.iban_verdicts import (
    CONFIDENCE_LABELS,
    MESSAGES,
    VERDICT_LABELS,
    message_expr,
)

CHANGE_LABELS = {"new": "nuova", "changed": "cambiata", "resolved": "risolta"}


@dataclass(slots=True)
class MonitorResult:
    run_id: int
    as_of: dt.date
    scope: str
    checked: int
    verdicts: dict[str, int]
    new: int
    changed: int
    resolved: int
    unchanged: int
    alignment: int
    output: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat(),
            "scope": self.scope,
            "checked": self.checked,
            "verdicts": self.verdicts,
            "new": self.new,
            "changed": self.changed,
            "resolved": self.resolved,
            "unchanged": self.unchanged,
            "alignment_requests": self.alignment,
            "output": self.output,
        }


def run_monitor(
    engine: Engine,
    as_of: dt.date,
    *,
    reason_codes: tuple[str, ...] | None = None,
    output: Path | None = None,
    now: dt.datetime | None = None,
) -> MonitorResult:
    snapshot = registry_snapshot(engine)
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        customers = _customers(conn, reason_codes)
        checked = _checked(customers, snapshot, as_of)
        run_id = int(
            conn.execute(
                insert(t.iban_monitor_runs)
                .values(
                    as_of=as_of,
                    ran_at=now,
                    scope=_scope(reason_codes),
                    checked=customers.height,
                )
                .returning(t.iban_monitor_runs.c.id)
            ).scalar_one()
        )
        changes = _record(conn, run_id, customers, checked)
        verdicts = dict.fromkeys(("OK", "WARNING", "ERROR"), 0)
        for verdict, count in checked.group_by("verdict").len().iter_rows():
            verdicts[verdict] = count
        counts = changes.group_by("change").len()
        by_change = dict(counts.iter_rows())
        conn.execute(
            update(t.iban_monitor_runs)
            .where(t.iban_monitor_runs.c.id == run_id)
            .values(
                ok=verdicts["OK"],
                warning=verdicts["WARNING"],
                error=verdicts["ERROR"],
                new=by_change.get("new", 0),
                changed=by_change.get("changed", 0),
                resolved=by_change.get("resolved", 0),
            )
        )
        unchanged = int(
            conn.execute(
                select(func.count())
                .select_from(t.iban_findings)
                .where(
                    t.iban_findings.c.last_run_id == run_id,
                    t.iban_findings.c.first_run_id != run_id,
                )
            ).scalar_one()
        )
    alignment = _alignment(checked)
    if output is not None:
        _export(output, as_of, changes, alignment)
    return MonitorResult(
        run_id=run_id,
        as_of=as_of,
        scope=_scope(reason_codes),
        checked=customers.height,
        verdicts=verdicts,
        new=by_change.get("new", 0),
        changed=by_change.get("changed", 0),
        resolved=by_change.get("resolved", 0),
        unchanged=unchanged,
        alignment=alignment.height,
        output=str(output) if output is not None else None,
    )


def _scope(reason_codes: tuple[str, ...] | None) -> str:
    return "all" if reason_codes is None else "reason codes " + ",".join(reason_codes)


def _customers(conn: Connection, reason_codes: tuple[str, ...] | None) -> pl.DataFrame:
    """The IBANs to check: each customer's on file (or its absence, for a customer paying by
    direct debit without a mandate) and the debtor IBAN of each live mandate."""
    c, m = t.customers, t.mandates
    sdd = select(t.contracts.c.customer_id).where(t.contracts.c.payment_method == "sdd")
    on_file = select(c.c.id, c.c.code, c.c.name, c.c.tax_code, c.c.iban).where(
        or_(c.c.iban != "", c.c.id.in_(sdd))
    )
    mandated = (
        select(c.c.id, c.c.code, c.c.name, c.c.tax_code, m.c.debtor_iban)
        .join(m, m.c.customer_id == c.c.id)
        .where(m.c.status.in_(("active", "amended")))
    )
    if reason_codes is not None:
        rejected = select(t.sdd_returns.c.customer_id).where(
            t.sdd_returns.c.reason_code.in_(reason_codes)
        )
        on_file = on_file.where(c.c.id.in_(rejected))
        mandated = mandated.where(c.c.id.in_(rejected))
    schema = {
        "customer_id": pl.Int64,
        "customer_code": pl.Utf8,
        "name": pl.Utf8,
        "tax_code": pl.Utf8,
        "raw_iban": pl.Utf8,
    }
    files = pl.DataFrame([tuple(r) for r in conn.execute(on_file)], schema=schema, orient="row")
    debits = pl.DataFrame([tuple(r) for r in conn.execute(mandated)], schema=schema, orient="row")
    with_mandate = debits.get_column("customer_id").unique().implode()
    blank = pl.col("raw_iban").str.strip_chars() == ""
    return (
        pl.concat([files.filter(~(blank & pl.col("customer_id").is_in(with_mandate))), debits])
        .with_columns(
            pl.col("raw_iban").str.replace_all(r"\s", "").str.to_uppercase().alias("_same")
        )
        .unique(["customer_id", "_same"], keep="first", maintain_order=True)
        .drop("_same")
        .sort("customer_id", maintain_order=True)
    )


def _checked(customers: pl.DataFrame, snapshot: RegistrySnapshot, as_of: dt.date) -> pl.DataFrame:
    result = check_ibans_frame(customers.get_column("raw_iban"), snapshot, as_of)
    return pl.concat([customers, result], how="horizontal").with_columns(
        pl.col("code").cast(pl.Utf8),
        pl.col("iban").fill_null(""),
        message_expr("it", pl.col("raw_iban")),
    )


FINDING_COLUMNS = (
    "customer_id",
    "iban",
    "code",
    "verdict",
    "bank_code",
    "bank_name",
    "branch_code",
    "proposal_iban",
    "proposal_confidence",
)


def _record(
    conn: Connection, run_id: int, customers: pl.DataFrame, checked: pl.DataFrame
) -> pl.DataFrame:
    """Open, keep or resolve findings; return the changes with what to show for each."""
    f = t.iban_findings
    current = checked.filter(pl.col("verdict") != "OK").select(FINDING_COLUMNS)
    in_scope = customers.get_column("customer_id").unique().to_list()
    open_rows = conn.execute(
        select(f.c.id, f.c.customer_id, f.c.iban, f.c.code).where(f.c.resolved_run_id.is_(None))
    ).all()
    opened = pl.DataFrame(
        open_rows,
        schema={"id": pl.Int64, "customer_id": pl.Int64, "iban": pl.Utf8, "code": pl.Utf8},
        orient="row",
    ).filter(pl.col("customer_id").is_in(in_scope))
    keys = ["customer_id", "iban", "code"]
    new = current.join(opened, on=keys, how="anti")
    kept = opened.join(current, on=keys, how="semi")
    gone = opened.join(current, on=keys, how="anti")

    if new.height:
        ids = reserve_ids(conn, f, new.height)
        insert_frame(
            conn,
            f,
            new.with_columns(
                pl.Series("id", ids, dtype=pl.Int64),
                pl.lit(run_id, dtype=pl.Int64).alias("first_run_id"),
                pl.lit(run_id, dtype=pl.Int64).alias("last_run_id"),
            ).select("id", *FINDING_COLUMNS, "first_run_id", "last_run_id"),
        )
    for column, frame in (("last_run_id", kept), ("resolved_run_id", gone)):
        ids = frame.get_column("id").to_list()
        for start in range(0, len(ids), 5000):
            conn.execute(
                update(f).where(f.c.id.in_(ids[start : start + 5000])).values({column: run_id})
            )

    moved = gone.get_column("customer_id").unique().implode()
    details = checked.select(
        "customer_id",
        "customer_code",
        "name",
        "tax_code",
        "iban",
        "code",
        "verdict",
        "message",
        "bank_code",
        "bank_name",
        "branch_code",
        "branch_town",
        "proposal_iban",
        "proposal_confidence",
    )
    opened_now = (
        new.select(*keys)
        .join(details, on=keys, how="left")
        .with_columns(
            pl.when(pl.col("customer_id").is_in(moved))
            .then(pl.lit("changed"))
            .otherwise(pl.lit("new"))
            .alias("change")
        )
    )
    people = customers.select("customer_id", "customer_code", "name", "tax_code").unique(
        "customer_id", keep="first"
    )
    closed = (
        gone.join(new, on="customer_id", how="anti")
        .select(*keys)
        .join(people, on="customer_id", how="left")
        .with_columns(
            pl.lit("resolved").alias("change"),
            pl.lit("OK").alias("verdict"),
            pl.lit(MESSAGES["it"]["OK"]).alias("message"),
        )
    )
    return pl.concat([opened_now, closed], how="diagonal_relaxed")


def _alignment(checked: pl.DataFrame) -> pl.DataFrame:
    """The "allineamento archivi" request: old coordinates and tax code, for the bank."""
    return (
        checked.filter(pl.col("code") == "BANK_RETIRED")
        .select(
            "customer_code",
            "name",
            "tax_code",
            "iban",
            "bank_code",
            "branch_code",
            "account",
            "bank_name",
            "proposal_iban",
            "proposal_confidence",
        )
        .sort("customer_code")
    )


def _export(path: Path, as_of: dt.date, changes: pl.DataFrame, alignment: pl.DataFrame) -> None:
    verdicts, confidence = VERDICT_LABELS["it"], CONFIDENCE_LABELS["it"]
    frame = changes.sort(["change", "customer_code"]).select(
        pl.col("change").replace_strict(CHANGE_LABELS, return_dtype=pl.Utf8).alias("Novità"),
        pl.col("customer_code").alias("Codice cliente"),
        pl.col("name").alias("Intestatario"),
        pl.col("tax_code").alias("Codice fiscale"),
        pl.col("iban").alias("IBAN"),
        pl.col("verdict").replace_strict(verdicts, return_dtype=pl.Utf8).alias("Esito"),
        pl.col("code").alias("Codice errore"),
        pl.col("message").alias("Messaggio"),
        pl.col("bank_code").alias("ABI"),
        pl.col("bank_name").alias("Banca"),
        pl.col("branch_code").alias("CAB"),
        pl.col("branch_town").alias("Comune sportello"),
        pl.col("proposal_iban").alias("IBAN proposto"),
        pl.col("proposal_confidence").replace(confidence).alias("Affidabilità proposta"),
    )
    sheet = DataSheet(
        f"Monitoraggio {as_of:%d-%m-%Y}",
        frame,
        widths={"IBAN": 32, "Messaggio": 60, "IBAN proposto": 32, "Intestatario": 30},
        highlights=[
            Highlight("Novità", {"nuova": "#FFC7CE", "cambiata": "#FFEB9C", "risolta": "#C6EFCE"}),
            Highlight("Esito", {verdicts[v]: c for v, c in VERDICT_COLOURS.items()}),
        ],
    )

    def extra(book: Workbook) -> None:
        out = book.add_worksheet("Allineamento archivi")
        head = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
        for col, name in enumerate(ALIGNMENT_HEADERS):
            out.write_string(0, col, name, head)
            out.set_column(col, col, 30 if "IBAN" in name or "Banca" in name else 16)
        for row, values in enumerate(alignment.iter_rows(), start=1):
            for col, value in enumerate(values):
                text = confidence.get(value, value) if col == len(values) - 1 else value
                out.write_string(row, col, "" if text is None else str(text))
        out.freeze_panes(1, 0)

    write_report(path, sheet, extra)


ALIGNMENT_HEADERS = (
    "Codice cliente",
    "Intestatario",
    "Codice fiscale",
    "IBAN attuale",
    "ABI",
    "CAB",
    "Conto",
    "Banca cessata",
    "IBAN proposto",
    "Affidabilità",
)
