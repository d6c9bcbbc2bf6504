"""Importing customers, contracts, invoices and payments from CSV and XLSX files.

One file, one transaction. Rows with errors are rejected (file, row, column, message) and the
good rows land; ``strict`` lands nothing when any row fails. Natural keys (customer code,
contract code, invoice number, bank reference) plus a digest of each row's values make a
re-import of the same file change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
from sqlalchemy import Connection, Engine, Table, insert

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import fetch_by_keys, insert_frame, reserve_ids, update_frame
from riscossa.adapters.tabular_reader import ROW_COLUMN, read_table
from riscossa.banking.iban import check_iban
from riscossa.domain.customers import valid_tax_code, valid_vat_number
from riscossa.domain.errors import AllocationError, ImportFileError
from riscossa.runtime import gc_paused
from riscossa.services.import_frames import (
    RowError,
    TypedTable,
    flag_duplicates,
    row_hashes,
    split_errors,
    type_table,
)
from riscossa.services.import_schemas import LINE_KINDS, SCHEMAS

ENTITIES = tuple(SCHEMAS)


@dataclass
class ImportResult:
    entity: str
    file: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    allocated: int = 0
    blank_rows: int = 0
    committed: bool = False
    strict: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "allocated": self.allocated,
            "blank_rows": self.blank_rows,
            "committed": self.committed,
            "strict": self.strict,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "ignored_columns": self.ignored_columns,
        }


class _StrictRollback(Exception):
    pass


@gc_paused()
def import_file(
    engine: Engine,
    entity: str,
    path: Path,
    *,
    strict: bool = False,
    now: dt.datetime | None = None,
) -> ImportResult:
    if entity not in SCHEMAS:
        raise ImportFileError(f"unknown import kind '{entity}' (one of: {', '.join(ENTITIES)})")
    now = now or dt.datetime.now(dt.UTC)
    schema = SCHEMAS[entity]
    table = read_table(path)
    typed = type_table(table, schema)
    rules = _RULES[entity]()
    result = ImportResult(
        entity=entity,
        file=str(path),
        strict=strict,
        blank_rows=typed.blank_rows,
        ignored_columns=typed.ignored_columns,
    )
    rules.prepare(typed, result)
    flag_duplicates(typed, schema.key)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(t.import_files).values(
                    entity=entity,
                    file_name=str(path)[-500:],
                    sha256=table.sha256,
                    imported_at=now,
                    imported=0,
                    unchanged=0,
                    updated=0,
                    rejected=0,
                )
            )
            rules.resolve(conn, typed, result)
            frame, errors = split_errors(typed, str(path))
            result.errors = errors
            result.rejected = len({e.row for e in errors})
            if strict and errors:
                raise _StrictRollback
            _write(conn, rules, frame, result, now)
            if strict and result.errors:
                raise _StrictRollback
            conn.execute(
                t.import_files.update()
                .where(t.import_files.c.sha256 == table.sha256)
                .where(t.import_files.c.imported_at == now)
                .values(
                    imported=result.imported,
                    unchanged=result.unchanged,
                    updated=result.updated,
                    rejected=result.rejected,
                )
            )
    except _StrictRollback:
        result.imported = result.updated = result.unchanged = result.allocated = 0
        result.committed = False
        return result
    result.warnings.sort(key=lambda w: w.row)
    result.committed = True
    return result


# --------------------------------------------------------------------------- write phase


def _write(
    conn: Connection, rules: _Rules, frame: pl.DataFrame, result: ImportResult, now: dt.datetime
) -> None:
    rows = rules.to_rows(frame)
    hashed = [c for c in rows.columns if c == "_extra" or not c.startswith("_")]
    rows = rows.with_columns(row_hashes(rows, hashed))
    keys = rows.get_column(rules.key_column).to_list()
    existing = fetch_by_keys(
        conn,
        rules.table,
        rules.key_column,
        keys,
        {rules.key_column: pl.Utf8, "id": pl.Int64, "row_hash": pl.Utf8, **rules.guard_columns},
    ).rename({"id": "_id", "row_hash": "_old_hash"})
    rows = rows.join(existing, on=rules.key_column, how="left")
    new = rows.filter(pl.col("_id").is_null())
    changed = rows.filter(pl.col("_id").is_not_null() & (pl.col("_old_hash") != pl.col("row_hash")))
    result.unchanged = rows.height - new.height - changed.height
    changed, refused = rules.guard(changed)
    for row, column, message in refused:
        result.errors.append(RowError(result.file, row, column, message))
    if refused:
        result.rejected += len({r for r, _, _ in refused})
        result.errors.sort(key=lambda e: e.row)

    new = new.drop(list(rules.guard_columns))
    if rules.needs_ids:  # children written in the same transaction refer to these ids
        ids = reserve_ids(conn, rules.table, new.height)
        new = new.with_columns(pl.Series("id", ids, dtype=pl.Int64))
    table_columns = [c for c in (col.name for col in rules.table.columns) if c in new.columns]
    rules.before_insert(conn, new, result, now)
    new = rules.finish_new(new)
    insert_frame(
        conn,
        rules.table,
        new.select([c for c in (col.name for col in rules.table.columns) if c in new.columns]),
    )
    rules.after_insert(conn, new, result, now)
    result.imported = new.height

    if changed.height:
        update_cols = [c for c in table_columns if c not in ("id", "allocated_cents")]
        update_frame(
            conn,
            rules.table,
            changed.with_columns(pl.col("_id").alias("id")).select(*update_cols, "id"),
        )
        rules.after_update(conn, changed.with_columns(pl.col("_id").alias("id")))
        result.updated = changed.height


# ----------------------------------------------------------------------------- rules


class _Rules:
    table: Table
    key_column: str
    guard_columns: ClassVar[dict[str, Any]] = {}
    needs_ids: ClassVar[bool] = False

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        """Checks that need no database."""

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        """Checks and lookups that need the database."""

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        raise NotImplementedError

    def guard(self, changed: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
        return changed, []

    def before_insert(
        self, conn: Connection, new: pl.DataFrame, result: ImportResult, now: dt.datetime
    ) -> None:
        pass

    def finish_new(self, new: pl.DataFrame) -> pl.DataFrame:
        return new

    def after_insert(
        self, conn: Connection, new: pl.DataFrame, result: ImportResult, now: dt.datetime
    ) -> None:
        pass

    def after_update(self, conn: Connection, changed: pl.DataFrame) -> None:
        pass


def _lookup_ids(
    conn: Connection, table: Table, key: str, values: pl.Series, extra: dict[str, Any] | None = None
) -> pl.DataFrame:
    keys = values.drop_nulls().unique().to_list()
    return fetch_by_keys(conn, table, key, keys, {key: pl.Utf8, "id": pl.Int64, **(extra or {})})


def _resolve_contract(conn: Connection, typed: TypedTable) -> None:
    """An optional contract code must exist and belong to the row's customer."""
    known = _lookup_ids(
        conn,
        t.contracts,
        "code",
        typed.frame.get_column("contract_code"),
        {"customer_id": pl.Int64},
    ).rename({"code": "contract_code", "id": "contract_id", "customer_id": "_contract_owner"})
    typed.frame = typed.frame.join(known, on="contract_code", how="left")
    typed.add_check(
        "contract_code",
        pl.when(pl.col("contract_code").is_not_null() & pl.col("contract_id").is_null())
        .then(pl.format("unknown contract code '{}'", pl.col("contract_code")))
        .when(
            pl.col("contract_id").is_not_null()
            & (pl.col("_contract_owner") != pl.col("customer_id"))
        )
        .then(pl.format("contract '{}' belongs to another customer", pl.col("contract_code"))),
    )


def _warn(result: ImportResult, frame: pl.DataFrame, column: str, message: pl.Expr) -> None:
    found = frame.select(pl.col(ROW_COLUMN), message.alias("m")).filter(pl.col("m").is_not_null())
    result.warnings.extend(
        RowError(result.file, int(r), column, str(m)) for r, m in found.iter_rows()
    )


def _resolve_customer(conn: Connection, typed: TypedTable, *, required: bool) -> None:
    known = _lookup_ids(conn, t.customers, "code", typed.frame.get_column("customer_code"))
    typed.frame = typed.frame.join(
        known.rename({"code": "customer_code", "id": "customer_id"}),
        on="customer_code",
        how="left",
    )
    if required:
        typed.add_check(
            "customer_code",
            pl.when(pl.col("customer_code").is_not_null() & pl.col("customer_id").is_null()).then(
                pl.format(
                    "unknown customer code '{}' (import the customers first)",
                    pl.col("customer_code"),
                )
            ),
        )


class _Customers(_Rules):
    table = t.customers
    key_column = "code"

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        f = typed.frame
        looks_business = pl.col("vat_number").is_not_null() | pl.col("tax_code").str.contains(
            r"^\d{11}$"
        ).fill_null(False)
        kind = pl.coalesce(
            pl.col("kind"),
            pl.when(looks_business).then(pl.lit("business")).otherwise(pl.lit("person")),
        )
        f = f.with_columns(kind.alias("kind"))
        segment = pl.coalesce(
            pl.col("segment"),
            pl.when(pl.col("kind") == "business")
            .then(pl.lit("business"))
            .otherwise(pl.lit("residential")),
        )
        codes = f.get_column("tax_code").drop_nulls().unique().to_list()
        vats = f.get_column("vat_number").drop_nulls().unique().to_list()
        valid_cf = [c for c in codes if valid_tax_code(c)]
        valid_vat = [v for v in vats if valid_vat_number(v)]
        f = f.with_columns(
            segment.alias("segment"),
            pl.col("tax_code").is_in(valid_cf).fill_null(False).alias("tax_code_valid"),
        )
        typed.frame = f
        _warn(
            result,
            f,
            typed.header("tax_code"),
            pl.when(pl.col("tax_code").is_not_null() & ~pl.col("tax_code_valid")).then(
                pl.format(
                    "codice fiscale '{}' is not valid: stored as is, to be corrected",
                    pl.col("tax_code"),
                )
            ),
        )
        _warn(
            result,
            f,
            typed.header("vat_number"),
            pl.when(
                pl.col("vat_number").is_not_null() & ~pl.col("vat_number").is_in(valid_vat)
            ).then(
                pl.format(
                    "partita IVA '{}' is not valid: stored as is, to be corrected",
                    pl.col("vat_number"),
                )
            ),
        )

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        text = [
            "tax_code",
            "vat_number",
            "email",
            "phone",
            "pec",
            "address",
            "postcode",
            "city",
            "province",
            "iban",
        ]
        flags = ["bonus_sociale", "vulnerable", "non_disconnectable"]
        return frame.select(
            pl.col(ROW_COLUMN),
            pl.col("customer_code").alias("code"),
            "kind",
            "name",
            "segment",
            *(pl.col(c).fill_null("") for c in text),
            "tax_code_valid",
            *(pl.col(c).fill_null(False) for c in flags),
        )


class _Contracts(_Rules):
    table = t.contracts
    key_column = "code"

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        typed.add_check(
            "end_date",
            pl.when(pl.col("end_date") < pl.col("start_date")).then(
                pl.lit("end date before start date")
            ),
        )

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        _resolve_customer(conn, typed, required=True)

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col(ROW_COLUMN),
            pl.col("contract_code").alias("code"),
            "customer_id",
            "utility",
            pl.col("supply_point").fill_null(""),
            "status",
            "payment_method",
            "start_date",
            "end_date",
        )


class _Invoices(_Rules):
    table = t.invoices
    key_column = "number"
    guard_columns: ClassVar[dict[str, Any]] = {"allocated_cents": pl.Int64}

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        f = typed.frame
        # Exports often give credit notes a positive total and a document type: flip the sign.
        is_credit = (pl.col("kind") == "credit_note").fill_null(False)
        flip = is_credit & (pl.col("amount") > 0)
        signed = [
            pl.when(flip).then(-pl.col(c)).otherwise(pl.col(c)).alias(c)
            for c in ("amount", *LINE_KINDS)
        ]
        f = f.with_columns(signed)
        f = f.with_columns(
            pl.coalesce(
                pl.col("kind"),
                pl.when(pl.col("amount") < 0)
                .then(pl.lit("credit_note"))
                .otherwise(pl.lit("invoice")),
            ).alias("kind"),
            pl.col("disputed").fill_null(False),
        )
        typed.frame = f
        has_lines = pl.any_horizontal([pl.col(c).is_not_null() for c in LINE_KINDS])
        lines_total = pl.sum_horizontal([pl.col(c).fill_null(0) for c in LINE_KINDS])
        typed.add_check(
            "amount",
            pl.when(has_lines & (lines_total != pl.col("amount"))).then(
                pl.format(
                    "the lines add up to {} cents but the total is {} cents",
                    lines_total,
                    pl.col("amount"),
                )
            ),
        )
        typed.add_check(
            "amount",
            pl.when((pl.col("kind") == "invoice") & (pl.col("amount") < 0)).then(
                pl.lit("negative amount on an invoice: mark the document as a credit note")
            ),
        )
        typed.add_check(
            "due_date",
            pl.when(pl.col("due_date") < pl.col("issue_date")).then(
                pl.lit("due date before the issue date")
            ),
        )
        typed.add_check(
            "period_end",
            pl.when(pl.col("period_end") < pl.col("period_start")).then(
                pl.lit("billing period ends before it starts")
            ),
        )

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        _resolve_customer(conn, typed, required=True)
        _resolve_contract(conn, typed)

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col(ROW_COLUMN),
            pl.col("invoice_number").alias("number"),
            "customer_id",
            "contract_id",
            "kind",
            "issue_date",
            "due_date",
            "period_start",
            "period_end",
            pl.col("amount").alias("amount_cents"),
            "disputed",
            pl.col("payment_reference").fill_null(""),
            *(pl.col(kind).alias(f"{kind}_cents") for kind in LINE_KINDS),
        )

    def guard(self, changed: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
        over = pl.col("allocated_cents") > pl.col("amount_cents").clip(lower_bound=0)
        refused = changed.filter(over)
        reasons = [
            (
                int(r),
                "amount",
                f"invoice {n} is already paid for {a / 100:.2f}: "
                "the new amount is lower; unmatch its payments first",
            )
            for r, n, a in refused.select(ROW_COLUMN, "number", "allocated_cents").iter_rows()
        ]
        return changed.filter(~over), reasons


class _Payments(_Rules):
    table = t.payments
    key_column = "bank_reference"
    guard_columns: ClassVar[dict[str, Any]] = {"allocated_cents": pl.Int64}
    needs_ids = True

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        typed.add_check(
            "amount",
            pl.when(pl.col("amount") <= 0).then(
                pl.lit("a payment must be a positive amount (reversals come from bank flows)")
            ),
        )
        typed.frame = typed.frame.with_columns(
            pl.col("invoice_numbers")
            .str.replace_all(r"[\s,;]+", " ")
            .str.strip_chars()
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != ""))
            .alias("_invoices")
        )

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        _resolve_customer(conn, typed, required=False)
        f = typed.frame
        _warn(
            result,
            f,
            typed.header("customer_code"),
            pl.when(pl.col("customer_code").is_not_null() & pl.col("customer_id").is_null()).then(
                pl.format(
                    "unknown customer code '{}': the payment is kept as unapplied",
                    pl.col("customer_code"),
                )
            ),
        )
        numbers = f.get_column("_invoices").explode().drop_nulls().unique()
        self._invoices = fetch_by_keys(
            conn,
            t.invoices,
            "number",
            numbers.to_list(),
            {
                "number": pl.Utf8,
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "amount_cents": pl.Int64,
                "allocated_cents": pl.Int64,
            },
        )
        # A payment with no customer but declared invoices of one customer belongs to them.
        owners = (
            f.select(ROW_COLUMN, pl.col("_invoices").alias("number"))
            .explode("number")
            .join(self._invoices.select("number", "customer_id"), on="number", how="inner")
            .group_by(ROW_COLUMN)
            .agg(pl.col("customer_id").unique())
            .filter(pl.col("customer_id").list.len() == 1)
            .select(ROW_COLUMN, pl.col("customer_id").list.first().alias("_owner"))
        )
        f = f.join(owners, on=ROW_COLUMN, how="left").with_columns(
            pl.coalesce("customer_id", "_owner").alias("customer_id")
        )
        status = pl.coalesce(
            pl.col("status"),
            pl.when(pl.col("customer_id").is_not_null())
            .then(pl.lit("booked"))
            .otherwise(pl.lit("unapplied")),
        )
        typed.frame = f.with_columns(status.alias("status"))

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col(ROW_COLUMN),
            "bank_reference",
            "channel",
            "status",
            "value_date",
            "booking_date",
            pl.col("amount").alias("amount_cents"),
            "customer_id",
            *(
                pl.col(c).fill_null("")
                for c in ("payer_name", "payer_iban", "payer_tax_code", "reference")
            ),
            pl.col("_invoices").list.join(" ").fill_null("").alias("_extra"),
            "_invoices",
        )

    def guard(self, changed: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
        over = pl.col("allocated_cents") > pl.col("amount_cents")
        refused = changed.filter(over)
        reasons = [
            (
                int(r),
                "amount",
                f"payment {ref} is already allocated for {a / 100:.2f}: "
                "the new amount is lower; unmatch it first",
            )
            for r, ref, a in refused.select(
                ROW_COLUMN, "bank_reference", "allocated_cents"
            ).iter_rows()
        ]
        return changed.filter(~over), reasons

    def before_insert(
        self, conn: Connection, new: pl.DataFrame, result: ImportResult, now: dt.datetime
    ) -> None:
        """Plan the declared allocations: in file order, each up to what is still open."""
        inv = {
            r[0]: (r[1], r[2], max(r[3], 0) - r[4])
            for r in self._invoices.select(
                "number", "id", "customer_id", "amount_cents", "allocated_cents"
            ).iter_rows()
        }
        plan: list[tuple[int, int, int]] = []
        per_payment: dict[int, int] = {}
        for row, pid, cust, amount, numbers in new.select(
            ROW_COLUMN, "id", "customer_id", "amount_cents", "_invoices"
        ).iter_rows():
            left = amount
            for number in numbers or ():
                found = inv.get(number)
                if found is None:
                    result.warnings.append(
                        RowError(
                            result.file,
                            row,
                            "invoice_numbers",
                            f"invoice '{number}' not found: that part stays unapplied",
                        )
                    )
                    continue
                inv_id, owner, open_cents = found
                if cust is not None and owner != cust:
                    result.warnings.append(
                        RowError(
                            result.file,
                            row,
                            "invoice_numbers",
                            f"invoice '{number}' belongs to another customer: not allocated",
                        )
                    )
                    continue
                amount_now = min(left, open_cents)
                if amount_now <= 0:
                    if left > 0:
                        result.warnings.append(
                            RowError(
                                result.file,
                                row,
                                "invoice_numbers",
                                f"invoice '{number}' is already paid: not allocated",
                            )
                        )
                    continue
                plan.append((pid, inv_id, amount_now))
                inv[number] = (inv_id, owner, open_cents - amount_now)
                left -= amount_now
                per_payment[pid] = per_payment.get(pid, 0) + amount_now
        self._plan = plan
        self._per_payment = per_payment

    def finish_new(self, new: pl.DataFrame) -> pl.DataFrame:
        allocated = pl.DataFrame(
            {"id": list(self._per_payment), "allocated_cents": list(self._per_payment.values())},
            schema={"id": pl.Int64, "allocated_cents": pl.Int64},
        )
        return (
            new.drop("allocated_cents", strict=False)
            .join(allocated, on="id", how="left")
            .with_columns(pl.col("allocated_cents").fill_null(0))
        )

    def after_insert(
        self, conn: Connection, new: pl.DataFrame, result: ImportResult, now: dt.datetime
    ) -> None:
        if not self._plan:
            return
        plan = pl.DataFrame(
            self._plan,
            schema={"payment_id": pl.Int64, "invoice_id": pl.Int64, "amount_cents": pl.Int64},
            orient="row",
        )
        insert_frame(
            conn,
            t.allocations,
            plan.with_columns(
                pl.lit("declared").alias("rule"),
                pl.lit(1.0).alias("confidence"),
                pl.lit(now).alias("created_at"),
            ).select(
                "payment_id", "invoice_id", "amount_cents", "rule", "confidence", "created_at"
            ),
        )
        per_invoice = plan.group_by("invoice_id").agg(pl.col("amount_cents").sum())
        marker = "%s" if conn.dialect.name == "postgresql" else "?"
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.executemany(
            f"UPDATE invoices SET allocated_cents = allocated_cents + {marker} "
            f"WHERE id = {marker} AND allocated_cents + {marker} <= amount_cents",
            [(cents, inv_id, cents) for inv_id, cents in per_invoice.iter_rows()],
        )
        updated = cursor.rowcount
        cursor.close()
        if updated != per_invoice.height:
            raise AllocationError(
                "invoices were allocated by someone else during the import: import the file again"
            )
        result.allocated = plan.height


class _SddReturns(_Rules):
    table = t.sdd_returns
    key_column = "reference"

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        typed.add_check(
            "reason_code",
            pl.when(~pl.col("reason_code").str.contains(r"^[A-Z]{2}[0-9A-Z]{2}$")).then(
                pl.format("'{}' is not a SEPA reason code (e.g. AC04, MD01)", pl.col("reason_code"))
            ),
        )
        typed.add_check(
            "amount",
            pl.when(pl.col("amount") <= 0).then(pl.lit("the amount must be positive")),
        )

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        _resolve_customer(conn, typed, required=True)

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.col(ROW_COLUMN),
            "reference",
            "customer_id",
            "reason_code",
            "collection_date",
            pl.col("amount").alias("amount_cents"),
            pl.col("iban").fill_null(""),
        )


class _Mandates(_Rules):
    """A changed IBAN becomes a pending amendment (sent with the next collection)."""

    table = t.mandates
    key_column = "umr"
    needs_ids = True

    def prepare(self, typed: TypedTable, result: ImportResult) -> None:
        checks = {v: check_iban(v) for v in typed.frame.get_column("debtor_iban").drop_nulls()}
        typed.frame = typed.frame.with_columns(
            pl.col("debtor_iban").replace_strict(
                {k: c.iban for k, c in checks.items()}, default=None, return_dtype=pl.Utf8
            ),
            pl.col("debtor_iban")
            .replace_strict(
                {k: c.code.value for k, c in checks.items()}, default=None, return_dtype=pl.Utf8
            )
            .alias("_iban_code"),
        )
        typed.add_check(
            "debtor_iban",
            pl.when(pl.col("_iban_code").is_not_null() & (pl.col("_iban_code") != "OK")).then(
                pl.format("the IBAN is not valid ({})", pl.col("_iban_code"))
            ),
        )
        from riscossa.banking.creditor_id import creditor_id_problem

        ids = {
            v: creditor_id_problem(v) for v in typed.frame.get_column("creditor_id").drop_nulls()
        }
        typed.frame = typed.frame.with_columns(
            pl.col("creditor_id")
            .replace_strict(ids, default=None, return_dtype=pl.Utf8)
            .alias("_creditor_problem")
        )
        typed.add_check(
            "creditor_id",
            pl.when(pl.col("_creditor_problem").is_not_null()).then(
                pl.format("not a SEPA creditor identifier: {}", pl.col("_creditor_problem"))
            ),
        )

    def resolve(self, conn: Connection, typed: TypedTable, result: ImportResult) -> None:
        _resolve_customer(conn, typed, required=True)
        _resolve_contract(conn, typed)
        old = fetch_by_keys(
            conn,
            t.mandates,
            "umr",
            typed.frame.get_column("umr").drop_nulls().unique().to_list(),
            {
                "umr": pl.Utf8,
                "debtor_iban": pl.Utf8,
                "creditor_id": pl.Utf8,
                "original_iban": pl.Utf8,
                "original_other_bank": pl.Boolean,
                "original_creditor_id": pl.Utf8,
            },
        ).rename(lambda c: c if c == "umr" else f"_old_{c}")
        typed.frame = typed.frame.join(old, on="umr", how="left")

    def to_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        iban_changed = pl.col("_old_debtor_iban").is_not_null() & (
            pl.col("_old_debtor_iban") != pl.col("debtor_iban")
        )
        creditor_changed = pl.col("_old_creditor_id").is_not_null() & (
            pl.col("_old_creditor_id") != pl.col("creditor_id")
        )
        # The first IBAN of a run of changes is the one the debtor's bank knows.
        original = pl.coalesce(
            pl.col("_old_original_iban").replace("", None), pl.col("_old_debtor_iban")
        )
        frame = frame.with_columns(original.alias("_original"))
        pairs = frame.filter(iban_changed).select("_original", "debtor_iban").unique()
        moved = [a for a, b in pairs.iter_rows() if _bank_of(a) != _bank_of(b)]
        other_bank = pl.col("_original").is_in(moved) & iban_changed
        return frame.select(
            pl.col(ROW_COLUMN),
            "umr",
            "customer_id",
            "contract_id",
            "creditor_id",
            "signature_date",
            "debtor_name",
            "debtor_iban",
            pl.col("debtor_bic").fill_null(""),
            "scheme",
            pl.when(iban_changed | creditor_changed)
            .then(pl.lit("amended"))
            .otherwise(pl.col("status"))
            .alias("status"),
            pl.col("one_off").fill_null(False),
            "last_collection_date",
            pl.when(iban_changed)
            .then(pl.col("_original"))
            .otherwise(pl.col("_old_original_iban").fill_null(""))
            .alias("original_iban"),
            pl.when(iban_changed)
            .then(other_bank)
            .otherwise(pl.col("_old_original_other_bank").fill_null(False))
            .alias("original_other_bank"),
            pl.when(creditor_changed)
            .then(pl.col("_old_creditor_id"))
            .otherwise(pl.col("_old_original_creditor_id").fill_null(""))
            .alias("original_creditor_id"),
            pl.col("_old_debtor_iban").alias("_previous_iban"),
        )

    def after_insert(
        self, conn: Connection, new: pl.DataFrame, result: ImportResult, now: dt.datetime
    ) -> None:
        _mandate_events(conn, new, "created", now)
        _switch_contracts_to_sdd(conn, new)

    def after_update(self, conn: Connection, changed: pl.DataFrame) -> None:
        now = dt.datetime.now(dt.UTC)
        _mandate_events(conn, changed, "updated", now)
        _switch_contracts_to_sdd(conn, changed)


def _bank_of(iban: str) -> tuple[str, str]:
    """Same bank = same country and bank code: then SEPA wants AmdmntInd, else SMNDA."""
    check = check_iban(iban)
    return check.country, check.bank_code


def _mandate_events(conn: Connection, rows: pl.DataFrame, kind: str, now: dt.datetime) -> None:
    if rows.height == 0:
        return
    events = rows.select(
        pl.col("id").alias("mandate_id"),
        pl.when(pl.col("status") == "amended")
        .then(pl.lit("amended"))
        .otherwise(pl.lit(kind))
        .alias("kind"),
        pl.lit(now.date()).alias("event_date"),
        pl.col("_previous_iban").fill_null("").alias("before"),
        pl.format("{} {} {}", pl.col("status"), pl.col("debtor_iban"), pl.col("creditor_id")).alias(
            "after"
        ),
        pl.lit(now).alias("created_at"),
    )
    insert_frame(conn, t.mandate_events, events)


def _switch_contracts_to_sdd(conn: Connection, rows: pl.DataFrame) -> None:
    """A mandate captured for a customer moves their active contracts (or the one named) to SDD."""
    live = rows.filter(pl.col("status").is_in(["active", "amended"]))
    named = live.get_column("contract_id").drop_nulls().unique().to_list()
    whole = (
        live.filter(pl.col("contract_id").is_null()).get_column("customer_id").unique().to_list()
    )
    c = t.contracts
    for start in range(0, len(named), 5000):
        conn.execute(
            c.update().where(c.c.id.in_(named[start : start + 5000])).values(payment_method="sdd")
        )
    for start in range(0, len(whole), 5000):
        conn.execute(
            c.update()
            .where(c.c.customer_id.in_(whole[start : start + 5000]), c.c.status == "active")
            .values(payment_method="sdd")
        )


_RULES: dict[str, type[_Rules]] = {
    "customers": _Customers,
    "contracts": _Contracts,
    "invoices": _Invoices,
    "payments": _Payments,
    "sdd_returns": _SddReturns,
    "mandates": _Mandates,
}
