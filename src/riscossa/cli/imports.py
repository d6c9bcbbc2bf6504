"""``riscossa import KIND FILE``: customers, contracts, invoices, payments, SDD returns, mandates.

Exit codes: 0 every row imported; 1 some rows rejected (with ``--strict``: nothing imported);
2 the file as a whole was refused (unreadable, required columns missing).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riscossa.cli.app import (
    DbOption,
    JsonOption,
    app,
    console,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.services.imports import ImportResult, import_file

SHOWN_ERRORS = 30


class Kind(StrEnum):
    customers = "customers"
    contracts = "contracts"
    invoices = "invoices"
    payments = "payments"
    sdd_returns = "sdd-returns"
    mandates = "mandates"


@app.command("import")
def import_command(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file.", show_default=False)],
    strict: Annotated[
        bool, typer.Option("--strict", help="Import nothing if any row has an error.")
    ] = False,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import a file; re-importing the same file changes nothing."""
    riscossa = open_app(db)
    with handled_errors():
        result = import_file(riscossa.engine, kind.name, file, strict=strict)
    if json_output:
        print_json(result.as_dict())
    else:
        _print(result)
    if result.rejected:
        raise typer.Exit(1)


def _print(result: ImportResult) -> None:
    if result.strict and not result.committed:
        console.print(
            f"[bold red]Nothing imported[/] from {result.file}: {result.rejected} row(s) with "
            "errors and --strict was given."
        )
    else:
        console.print(
            f"[bold]{result.file}[/] ({result.entity}): "
            f"[green]{result.imported} imported[/], {result.updated} updated, "
            f"{result.unchanged} unchanged, "
            f"[{'red' if result.rejected else 'green'}]{result.rejected} rejected[/]"
            + (f", {result.allocated} allocations" if result.allocated else "")
        )
    if result.ignored_columns:
        console.print(f"Ignored columns: {', '.join(result.ignored_columns)}")
    for title, rows, style in (
        ("Errors (rows not imported)", result.errors, "red"),
        ("Warnings (rows imported)", result.warnings, "yellow"),
    ):
        if not rows:
            continue
        table = Table(title=title, title_style=f"bold {style}", show_lines=False)
        table.add_column("Row", justify="right")
        table.add_column("Column")
        table.add_column("Message")
        for item in rows[:SHOWN_ERRORS]:
            table.add_row(str(item.row), item.column, item.message)
        console.print(table)
        if len(rows) > SHOWN_ERRORS:
            console.print(f"... and {len(rows) - SHOWN_ERRORS} more (use --json for all).")
