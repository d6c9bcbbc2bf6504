"""Payment-flow commands: flows import, reconcile, unapplied, allocations, match, unmatch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from riscossa.cli.app import (
    DbOption,
    JsonOption,
    actor,
    app,
    console,
    err_console,
    euro,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.domain.errors import ImportFileError
from riscossa.services.flows import import_flow
from riscossa.services.manual_match import manual_match, unmatch
from riscossa.services.reconcile import load_matching_policy, reconcile
from riscossa.services.reconcile_views import allocation_list, unapplied_queue

flows_app = typer.Typer(
    help="Payment flows: bank statements and notifications, CBI, Poste, pagoPA.",
    no_args_is_help=True,
)
app.add_typer(flows_app, name="flows")

AsOf = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], show_default=False, help="YYYY-MM-DD."),
]


@flows_app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Flow files, any supported format.")],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import flow files: each once (by content) and whole, or not at all."""
    riscossa = open_app(db)
    results: list[dict[str, Any]] = []
    failed = 0
    for path in files:
        try:
            result = import_flow(riscossa.engine, path)
        except ImportFileError as exc:
            failed += 1
            results.append({"file": str(path), "error": str(exc)})
            if not json_output:
                err_console.print(f"[bold red]Refused:[/] {exc}", highlight=False)
            continue
        results.append(result.as_json())
        if not json_output:
            console.print(
                f"[bold]{path.name}[/] ({result.file_format}): {result.payments:,} payments, "
                f"{euro(result.credits_cents)}; {result.duplicates:,} already known, "
                f"{result.reversals:,} reversals, {result.ignored:,} other debits"
                + (
                    f", {result.lump_sums_split} pagoPA lump sums split"
                    if result.lump_sums_split
                    else ""
                )
            )
            for warning in result.warnings:
                console.print(f"  [yellow]![/] {warning}")
    if json_output:
        print_json(results)
    if failed:
        raise typer.Exit(2)


@app.command("reconcile")
def reconcile_command(
    as_of: AsOf = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Matching policy TOML (default: shipped).")
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Match every payment not yet allocated to its customer and items."""
    riscossa = open_app(db)
    with handled_errors():
        result = reconcile(
            riscossa.engine,
            as_of=as_of.date() if as_of else riscossa.today(),
            policy=load_matching_policy(policy),
        )
    if json_output:
        print_json(result.as_json())
        return
    rate = f"{result.matched / result.payments:.1%}" if result.payments else "-"
    console.print(
        f"{result.payments:,} payments: {result.matched:,} matched ({rate}), "
        f"{result.allocations:,} allocations for {euro(result.allocated_cents)}, "
        f"credit {euro(result.credit_cents)}; {result.suggested:,} waiting for review, "
        f"{result.unapplied:,} unapplied"
    )
    table = Table(box=box.SIMPLE_HEAD, title="By rule")
    table.add_column("Rule")
    table.add_column("Payments", justify="right")
    for rule, count in sorted(result.by_rule.items(), key=lambda kv: -kv[1]):
        table.add_row(rule, f"{count:,}")
    console.print(table)


@app.command("unapplied")
def unapplied_command(
    limit: Annotated[int, typer.Option("--limit", help="At most this many payments.")] = 100,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The unapplied payments, oldest first, with the engine's suggestions."""
    riscossa = open_app(db)
    with riscossa.engine.connect() as conn:
        queue = unapplied_queue(conn, limit=limit)
    if json_output:
        print_json(queue)
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"Unapplied payments ({len(queue)} shown)")
    for column in ("Payment", "Date", "Amount", "Payer", "Remittance", "Suggestion"):
        table.add_column(column, justify="right" if column == "Amount" else "left")
    for row in queue:
        first = row["suggestions"][0] if row["suggestions"] else None
        hint = (
            f"{first['customer']} {first['invoice'] or ''} ({first['rule']}, "
            f"{first['confidence']:.0%})"
            if first
            else ""
        )
        table.add_row(
            row["payment"],
            row["value_date"],
            euro(row["amount_cents"]),
            row["payer_name"],
            (row["remittance"] or "")[:40],
            hint,
        )
    console.print(table)


@app.command("allocations")
def allocations_command(
    customer: Annotated[str | None, typer.Option("--customer", help="Customer code.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 100,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Allocations, newest first, with the rule that made each and its confidence."""
    riscossa = open_app(db)
    with riscossa.engine.connect() as conn:
        frame = allocation_list(conn, customer_code=customer, limit=limit)
    if json_output:
        print_json(frame.to_dicts())
        return
    table = Table(box=box.SIMPLE_HEAD, title="Allocations")
    for column in ("Payment", "Bank reference", "Customer", "Invoice", "Amount", "Rule", "Conf."):
        table.add_column(column, justify="right" if column in ("Amount", "Conf.") else "left")
    for row in frame.iter_rows(named=True):
        table.add_row(
            row["payment"],
            row["bank_reference"],
            row["customer"],
            row["invoice"],
            euro(row["amount_cents"]),
            row["rule"],
            f"{row['confidence']:.2f}",
        )
    console.print(table)


@app.command("match")
def match_command(
    payment: Annotated[str, typer.Argument(help="Payment number (P123) or bank reference.")],
    invoices: Annotated[list[str], typer.Argument(help="Invoice numbers it pays.")],
    as_of: AsOf = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Match a payment to invoices by hand; the payer's details are learned as aliases."""
    riscossa = open_app(db)
    with handled_errors():
        result = manual_match(
            riscossa.engine,
            payment,
            invoices,
            actor=actor(),
            as_of=as_of.date() if as_of else riscossa.today(),
        )
    if json_output:
        print_json(result.as_json())
        return
    lines = ", ".join(f"{number} {euro(cents)}" for number, cents in result.lines)
    console.print(
        f"P{result.payment_id} ({result.bank_reference}) → {result.customer_code}: {lines}"
        + (f"; credit {euro(result.credit_cents)}" if result.credit_cents else "")
        + (f"; {result.aliases_learned} payer details learned" if result.aliases_learned else "")
    )


@app.command("unmatch")
def unmatch_command(
    payment: Annotated[str, typer.Argument(help="Payment number (P123) or bank reference.")],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Take back a payment's allocations; it returns to the unapplied desk."""
    riscossa = open_app(db)
    with handled_errors():
        released = unmatch(riscossa.engine, payment, actor=actor())
    if json_output:
        print_json({"payment": payment, "released_cents": released})
        return
    console.print(f"{payment}: {euro(released)} released, back on the unapplied desk")
