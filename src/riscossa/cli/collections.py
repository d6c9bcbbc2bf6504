"""Collections commands: the daily run, lot exports, contact outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.table import Table
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.lot_exports import (
    LotEntry,
    write_lot_csv,
    write_lot_xlsx,
    write_notice_letters,
)
from riscossa.cli.app import (
    DbOption,
    JsonOption,
    actor,
    app,
    console,
    euro,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.domain.contracts import Utility
from riscossa.domain.customers import Customer, CustomerKind, Segment
from riscossa.domain.errors import NotFoundError, ValidationError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import OpenItem
from riscossa.domain.money import Money
from riscossa.services.collection_letters import (
    DELIVERIES,
    NOTICE_ACTION,
    load_letter_policy,
    notice_letter,
)
from riscossa.services.collection_outcomes import record_outcome
from riscossa.services.collections_run import CollectionsRunResult, run_collections, stored_actions
from riscossa.services.regulatory_settings import default_regulatory_settings

collections_app = typer.Typer(
    help="Daily collections run (recupero crediti).", no_args_is_help=True
)
lots_app = typer.Typer(help="Work lots of the daily run.", no_args_is_help=True)
outcome_app = typer.Typer(help="Contact outcomes and promises to pay.", no_args_is_help=True)
app.add_typer(collections_app, name="collections")
app.add_typer(lots_app, name="lots")
app.add_typer(outcome_app, name="outcome")

AsOf = Annotated[
    dt.datetime,
    typer.Option("--as-of", formats=["%Y-%m-%d"], show_default=False, help="YYYY-MM-DD."),
]
# ``--channel`` for PDF letters: the action (every notice) or one of the channels it goes by.
T = TypeVar("T")
LETTER_CHANNELS = frozenset({NOTICE_ACTION, *DELIVERIES})


@collections_app.command("run")
def run_command(
    as_of: AsOf,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide, write nothing.")] = False,
    days: Annotated[int, typer.Option("--days", min=1, help="Days to simulate (dry).")] = 1,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Decide today's actions for every customer in arrears (and why the others get none)."""
    riscossa = open_app(db)
    with handled_errors():
        result = run_collections(riscossa.engine, as_of.date(), dry_run=dry_run, days=days)
    if json_output:
        print_json(result.as_json())
        return
    _print_run(result)


def _print_run(result: CollectionsRunResult) -> None:
    for day in result.days:
        suppressed = day.suppressed.group_by("reason").len().sort("reason")
        console.print(
            f"[bold]{day.as_of}[/]: {day.positions:,} customers in arrears, "
            f"{day.actions.height:,} actions ({euro(day.cost_cents)}), "
            f"{day.suppressed.height:,} suppressed, {day.postponed.height:,} postponed",
            highlight=False,
        )
        table = Table(box=box.SIMPLE)
        for name in ("Lot", "Channel", "Assignee", "Actions", "Amount"):
            table.add_column(name, justify="right" if name in ("Actions", "Amount") else "left")
        for lot in day.lots:
            table.add_row(
                lot.code, lot.channel, lot.assignee or "", f"{lot.count:,}", euro(lot.amount_cents)
            )
        if day.lots:
            console.print(table)
        for reason, count in suppressed.iter_rows():
            console.print(f"  suppressed {reason}: {count:,}", highlight=False)
    if result.run_id is not None:
        console.print(f"Stored as run {result.run_id}.")
    elif result.dry_run:
        console.print("Dry run: nothing stored.")


@lots_app.command("export")
def export_command(
    as_of: AsOf,
    channel: Annotated[str, typer.Option("--channel", help="sms, email, phone, ...")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File .csv, .xlsx or .pdf (formal notices).")
    ],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Write a stored run's lots of one channel: one file, or one per lot when several.

    A .pdf prints the formal notices (--channel formal_notice, raccomandata or pec), one
    page per customer."""
    riscossa = open_app(db)
    with handled_errors():
        written = export_lots(riscossa.engine, as_of.date(), channel, output)
    if json_output:
        print_json({"files": [{"lot": lot, "file": str(p), "rows": n} for lot, p, n in written]})
        return
    for lot, path, rows in written:
        console.print(f"Lot {lot}: {rows:,} customers -> {path}", highlight=False)


def export_lots(
    engine: Engine, as_of: dt.date, channel: str, output: Path
) -> list[tuple[str, Path, int]]:
    suffix = output.suffix.lower()
    if suffix == ".pdf":
        return export_letters(engine, as_of, channel, output)
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(f"{output}: the file must end in .csv, .xlsx or .pdf")
    actions = stored_actions(engine, as_of, channel)
    if actions.height == 0:
        raise NotFoundError(f"no stored {channel} actions for {as_of}")
    entries = _entries(engine, actions, as_of)
    write = write_lot_csv if suffix == ".csv" else write_lot_xlsx
    return [
        (lot, path, write(path, lot, [e for _, e in mine]))
        for lot, path, mine in _by_lot(entries, output)
    ]


def export_letters(
    engine: Engine, as_of: dt.date, channel: str, output: Path
) -> list[tuple[str, Path, int]]:
    """The stored formal notices as PDF letters, one page per customer, one file per lot."""
    if channel not in LETTER_CHANNELS:
        raise ValidationError(
            f"{output}: PDF letters are formal notices: use --channel "
            f"{', '.join(sorted(LETTER_CHANNELS))}, not {channel} (export {channel} as CSV "
            "or XLSX for the print centre)"
        )
    actions = stored_actions(engine, as_of, None if channel == NOTICE_ACTION else channel)
    actions = actions.filter(actions["action"] == NOTICE_ACTION)
    if actions.height == 0:
        raise NotFoundError(f"no stored formal notices ({channel}) for {as_of}")
    policy = load_letter_policy()
    regulatory = default_regulatory_settings()
    utilities = _utilities(engine, actions)
    letters = [
        (
            code,
            notice_letter(
                entry,
                utilities[entry.customer.code, contract],
                as_of,
                policy=policy,
                regulatory=regulatory,
            ),
        )
        for (code, entry), contract in zip(
            _entries(engine, actions, as_of), actions["contract_code"], strict=True
        )
    ]
    return [
        (lot, path, write_notice_letters(path, [letter for _, letter in mine], policy.settings))
        for lot, path, mine in _by_lot(letters, output)
    ]


def _by_lot(
    rows: list[tuple[str | None, T]], output: Path
) -> list[tuple[str, Path, list[tuple[str | None, T]]]]:
    """Rows grouped by lot code (no code: ``overflow``), with the file each lot goes to."""
    lots = sorted({code or "overflow" for code, _ in rows})
    out = []
    for lot in lots:
        mine = [row for row in rows if (row[0] or "overflow") == lot]
        path = output if len(lots) == 1 else output.with_name(f"{output.stem}_{lot}{output.suffix}")
        out.append((lot, path, mine))
    return out


def _utilities(engine: Engine, actions: Any) -> dict[tuple[str, str | None], Utility]:
    """The utility of each action's contract, keyed by customer and contract code."""
    k = t.contracts
    codes = [c for c in actions["contract_code"] if c is not None]
    with engine.connect() as conn:
        found = dict(conn.execute(select(k.c.code, k.c.utility).where(k.c.code.in_(codes))).all())
    out: dict[tuple[str, str | None], Utility] = {}
    for customer, contract in actions.select("customer_code", "contract_code").iter_rows():
        if contract not in found:
            raise ValidationError(
                f"formal notice to customer {customer}: no contract, so no supply to name"
            )
        out[customer, contract] = Utility(found[contract])
    return out


def _entries(engine: Engine, actions: Any, as_of: dt.date) -> list[tuple[str | None, LotEntry]]:
    """One LotEntry per action, with the customer's overdue items; a loop over one lot."""
    c, i = t.customers, t.invoices
    ids = list(actions["customer_id"])
    with engine.connect() as conn:
        people = {r.id: r for r in conn.execute(select(c).where(c.c.id.in_(ids)))}
        items: dict[int, list[OpenItem]] = {}
        for r in conn.execute(
            select(i)
            .where(
                i.c.customer_id.in_(ids),
                i.c.kind == "invoice",
                i.c.due_date < as_of,
                i.c.amount_cents > i.c.allocated_cents,
            )
            .order_by(i.c.due_date, i.c.number)
        ):
            items.setdefault(r.customer_id, []).append(
                OpenItem(
                    number=r.number,
                    kind=InvoiceKind(r.kind),
                    issue_date=r.issue_date,
                    due_date=r.due_date,
                    amount=Money(r.amount_cents),
                    allocated=Money(r.allocated_cents),
                    disputed=r.disputed,
                )
            )
    out = []
    for row in actions.iter_rows(named=True):
        p = people[row["customer_id"]]
        customer = Customer(
            code=p.code,
            name=p.name,
            kind=CustomerKind(p.kind),
            segment=Segment(p.segment),
            email=p.email,
            phone=p.phone,
            pec=p.pec,
            address=p.address,
            postcode=p.postcode,
            city=p.city,
            province=p.province,
            bonus_sociale=p.bonus_sociale,
            vulnerable=p.vulnerable,
            non_disconnectable=p.non_disconnectable,
        )
        entry = LotEntry(customer, tuple(items.get(p.id, ())), row["action"], row["channel"])
        out.append((row["lot_code"], entry))
    return out


@outcome_app.command("record")
def record_command(
    customer: Annotated[str, typer.Argument(help="Customer code.")],
    outcome: Annotated[str, typer.Argument(help="paid, promise, refused, unreachable, ...")],
    note: Annotated[str, typer.Option("--note", help="Free text.")] = "",
    promise_amount: Annotated[
        str | None, typer.Option("--promise-amount", help="Euro, e.g. 120.50.")
    ] = None,
    promise_date: Annotated[
        dt.datetime | None,
        typer.Option("--promise-date", formats=["%Y-%m-%d"], help="YYYY-MM-DD."),
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Record what came of the customer's latest contact."""
    riscossa = open_app(db)
    with handled_errors():
        cents = None
        if promise_amount is not None:
            cents = Money.of(promise_amount.strip().replace(",", ".")).cents
        result = record_outcome(
            riscossa.engine,
            customer,
            outcome,
            actor=actor(),
            note=note,
            promise_amount_cents=cents,
            promise_date=promise_date.date() if promise_date else None,
        )
    if json_output:
        print_json(result.as_json())
        return
    console.print(f"Recorded {outcome} for {customer} (outcome {result.outcome_id}).")
