"""``riscossa registry``: load the Banca d'Italia bank/branch registers, compare loads, show a bank.

Exit codes: 0 done; 1 loaded, but a register file was missing (that part of the registry is
empty: no branches means CABs go unchecked, no events means no successor proposals); 2 the
command failed and nothing was stored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from riscossa.banking.bank_registry import EventKind
from riscossa.cli.app import (
    DbOption,
    JsonOption,
    app,
    console,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.services.bank_registry import (
    BankDetails,
    LoadResult,
    RegistryDiff,
    bank_details,
    load_registry,
    registry_diff,
)

SHOWN_ROWS = 30

registry_app = typer.Typer(
    help="Bank (ABI) and branch (CAB) registry used to check IBANs.", no_args_is_help=True
)
app.add_typer(registry_app, name="registry")

AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Reference date, YYYY-MM-DD (default: today in Italy).",
        show_default=False,
    ),
]


def _day(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


@registry_app.command("load")
def load_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder with the GIAVA CSV exports (or a zip of them).")
    ],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Load VFLUSSO_INTERMEDIARIO, VFLUSSO_EVENTO and SUCCURSALI_BANCHE; all or nothing."""
    riscossa = open_app(db)
    try:
        with handled_errors():
            result = load_registry(riscossa.engine, directory, now=riscossa.clock())
    finally:
        riscossa.engine.dispose()
    if json_output:
        print_json(result.as_dict())
    else:
        _print_load(result)
    if result.missing:
        raise typer.Exit(1)


def _print_load(result: LoadResult) -> None:
    if result.unchanged:
        console.print(
            f"Registry unchanged: the files hold the same content as load {result.load_id}; "
            "nothing stored."
        )
    else:
        console.print(
            f"[bold]Registry load {result.load_id}[/] from {result.source_dir}: "
            f"[green]{result.banks} bank periods, {result.events} mergers/absorptions, "
            f"{result.branches} branches[/]."
        )
    for item in result.files:
        console.print(f"  {item.name}: {item.rows} rows", highlight=False)
    for reason, count in result.skipped.items():
        console.print(f"  skipped: {count} {reason}", highlight=False)
    for prefix in result.missing:
        console.print(f"[yellow]Missing {prefix}: that part of the registry is empty.[/]")


@registry_app.command("diff")
def diff_command(
    old: Annotated[
        int | None, typer.Option("--old", help="Older load id (default: the one before --new).")
    ] = None,
    new: Annotated[
        int | None, typer.Option("--new", help="Newer load id (default: the newest).")
    ] = None,
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """What changed between the newest load and the previous one."""
    riscossa = open_app(db)
    try:
        with handled_errors():
            diff = registry_diff(riscossa.engine, old, new, as_of=as_of.date() if as_of else None)
    finally:
        riscossa.engine.dispose()
    if json_output:
        print_json(diff.as_dict())
    else:
        _print_diff(diff)


def _print_diff(diff: RegistryDiff) -> None:
    old = f"load {diff.old_load}" if diff.old_load is not None else "nothing"
    console.print(
        f"[bold]Registry load {diff.new_load}[/] against {old}, "
        f"banks and branches in force on {_day(diff.as_of)}."
    )
    if diff.empty:
        console.print("No changes.")
        return
    summary = Table(box=box.SIMPLE_HEAD, show_header=False)
    summary.add_column()
    summary.add_column(justify="right")
    sections: list[tuple[str, list[Any], list[str], Any]] = [
        ("Banks added", diff.banks_added, ["ABI", "Name"], lambda c: (c.abi, c.name)),
        ("Banks retired", diff.banks_retired, ["ABI", "Name"], lambda c: (c.abi, c.name)),
        (
            "Banks renamed",
            diff.banks_renamed,
            ["ABI", "Old name", "New name"],
            lambda c: (c.abi, c.old_name, c.name),
        ),
        (
            "Branches opened",
            diff.branches_opened,
            ["ABI", "CAB", "Town", "Opened"],
            lambda c: (c.abi, c.cab, c.town, _day(c.day)),
        ),
        (
            "Branches closed",
            diff.branches_closed,
            ["ABI", "CAB", "Town", "Closed", "Reason"],
            lambda c: (c.abi, c.cab, c.town, _day(c.day), c.reason),
        ),
        (
            "New mergers and absorptions",
            diff.new_events,
            ["Kind", "Absorbed ABI", "Successor ABI", "Effective", "Final successor"],
            lambda e: (
                e.kind,
                e.absorbed_abi,
                e.successor_abi,
                _day(e.effective_date),
                e.final_successor_abi,
            ),
        ),
    ]
    for title, items, _h, _r in sections:
        summary.add_row(title, str(len(items)))
    console.print(summary)
    for title, items, headers, row in sections:
        if not items:
            continue
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for header in headers:
            table.add_column(header, overflow="fold")
        for item in items[:SHOWN_ROWS]:
            table.add_row(*row(item))
        console.print(table)
        if len(items) > SHOWN_ROWS:
            console.print(f"... and {len(items) - SHOWN_ROWS} more (use --json for all).")


@registry_app.command("show")
def show_command(
    abi: Annotated[str, typer.Argument(help="ABI code of the bank (5 digits).")],
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """One bank: its names over time, status on the date, successor, branch count."""
    riscossa = open_app(db)
    try:
        day = as_of.date() if as_of else riscossa.today()
        with handled_errors():
            details = bank_details(riscossa.engine, abi, day)
    finally:
        riscossa.engine.dispose()
    if json_output:
        print_json(details.as_dict())
    else:
        _print_bank(details)


EVENT_LABELS = {
    EventKind.MERGER: "Merged into",
    EventKind.ABSORPTION: "Absorbed by",
    EventKind.RENUMBERING: "Renumbered as",
}
STATUS_LABELS = {
    "in_force": "[green]in force[/]",
    "retired": "[red]retired[/]",
    "not_yet": "[yellow]not yet in force[/]",
    "not_listed": "[green]not in the registers, always accepted[/]",
}


def _print_bank(details: BankDetails) -> None:
    source = (
        f"registry load {details.load_id}"
        if details.load_id is not None
        else "schwifty's bank list, no registry loaded"
    )
    console.print(f"[bold]{details.abi} {details.name}[/]", highlight=False)
    console.print(f"Status on {_day(details.as_of)}: {STATUS_LABELS[details.status]} ({source})")
    if details.periods:
        table = Table(box=box.SIMPLE_HEAD, title="Periods", title_justify="left")
        for header in ("Name", "BIC", "From", "To"):
            table.add_column(header, overflow="fold")
        for period in details.periods:
            table.add_row(period.name, period.bic, _day(period.valid_from), _day(period.valid_to))
        console.print(table)
    for event in details.absorbed_into:
        console.print(
            f"{EVENT_LABELS[event.kind]} {event.successor_abi} from {_day(event.effective_date)}",
            highlight=False,
        )
    if details.successor_abi:
        console.print(
            f"Successor on {_day(details.as_of)}: [bold]{details.successor_abi}[/] "
            f"{details.successor_name}",
            highlight=False,
        )
    if details.absorbed:
        console.print(
            "Took over: "
            + ", ".join(f"{e.absorbed_abi} ({_day(e.effective_date)})" for e in details.absorbed),
            highlight=False,
        )
    if details.has_branch_data:
        console.print(
            f"Branches: {details.branches_open} open on {_day(details.as_of)}, "
            f"{details.branches} known"
        )
    else:
        console.print("Branches: no branch data (CABs are not checked for this bank)")
