"""``riscossa iban check`` (a file) and ``riscossa iban monitor`` (the customer base)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich import box
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
from riscossa.domain.errors import ValidationError
from riscossa.services.bank_registry import registry_snapshot
from riscossa.services.iban_check import CheckSummary, check_file
from riscossa.services.iban_monitor import MonitorResult, run_monitor
from riscossa.services.iban_verdicts import VERDICT_LABELS, Lang

iban_app = typer.Typer(help="IBAN monitoring: check files, monitor the customer base.")
app.add_typer(iban_app, name="iban")

AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Check banks and branches as registered on this date, YYYY-MM-DD (default: today).",
        show_default=False,
    ),
]
LangOption = Annotated[
    str, typer.Option("--lang", help="Language of the output headers and messages: it or en.")
]


def _lang(value: str) -> Lang:
    if value not in ("it", "en"):
        raise ValidationError(f"--lang must be 'it' or 'en', not '{value}'")
    return "it" if value == "it" else "en"


@iban_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="XLSX or CSV with a column of IBANs.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the annotated XLSX.")
    ],
    column: Annotated[
        str | None,
        typer.Option(
            "--column", help="Header of the IBAN column (default: found by name/content)."
        ),
    ] = None,
    lang: LangOption = "it",
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Check every IBAN of a spreadsheet; write it back with verdicts and a summary sheet."""
    riscossa = open_app(db)
    with handled_errors():
        chosen = _lang(lang)
        day = as_of.date() if as_of else riscossa.today()
        if not json_output:
            with console.status("Verifica in corso..." if chosen == "it" else "Checking..."):
                summary = check_file(
                    file, output, registry_snapshot(riscossa.engine), day, column, chosen
                )
        else:
            summary = check_file(
                file, output, registry_snapshot(riscossa.engine), day, column, chosen
            )
    if json_output:
        print_json(summary.as_json())
        return
    _print_check(summary, chosen)


def _print_check(summary: CheckSummary, lang: Lang) -> None:
    labels = VERDICT_LABELS[lang]
    table = Table(box=box.SIMPLE_HEAD, title=f"{summary.input} → {summary.output}")
    table.add_column("Esito" if lang == "it" else "Verdict")
    table.add_column("Righe" if lang == "it" else "Rows", justify="right")
    styles = {"OK": "green", "WARNING": "yellow", "ERROR": "red"}
    for verdict, count in summary.verdicts.items():
        table.add_row(f"[{styles[verdict]}]{labels[verdict]}[/]", f"{count:,}".replace(",", "."))
    console.print(table)
    errors = {c: n for c, n in summary.codes.items() if c != "OK"}
    if errors:
        console.print(
            ("Codici: " if lang == "it" else "Codes: ")
            + ", ".join(f"{c} {n:,}".replace(",", ".") for c, n in errors.items())
        )
    console.print(
        f"{summary.rows:,} righe in {summary.seconds:.1f} s, colonna '{summary.column}'".replace(
            ",", "."
        )
        if lang == "it"
        else f"{summary.rows:,} rows in {summary.seconds:.1f} s, column '{summary.column}'"
    )


@iban_app.command("monitor")
def monitor_command(
    as_of: AsOfOption = None,
    reason_codes: Annotated[
        str | None,
        typer.Option(
            "--reason-codes",
            help="Only customers whose direct debits were rejected with these codes, "
            "e.g. AC01,AC04,MD01.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="XLSX report (default: iban-monitor-DATE.xlsx)."),
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Check the customers' IBANs; store dated findings; report what is new since the last run."""
    riscossa = open_app(db)
    with handled_errors():
        day = as_of.date() if as_of else riscossa.today()
        codes = _reason_codes(reason_codes)
        target = output or Path(f"iban-monitor-{day.isoformat()}.xlsx")
        result = run_monitor(riscossa.engine, day, reason_codes=codes, output=target)
    if json_output:
        print_json(result.as_json())
        return
    _print_monitor(result)


def _reason_codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    codes = tuple(sorted({c.strip().upper() for c in text.split(",") if c.strip()}))
    bad = [c for c in codes if len(c) != 4 or not c.isalnum()]
    if not codes or bad:
        raise ValidationError(
            "--reason-codes takes SEPA reason codes separated by commas, e.g. AC01,AC04,MD01"
            + (f" (not valid: {', '.join(bad)})" if bad else "")
        )
    return codes


def _print_monitor(result: MonitorResult) -> None:
    labels = VERDICT_LABELS["it"]
    table = Table(box=box.SIMPLE_HEAD, title=f"Monitoraggio IBAN al {result.as_of:%d/%m/%Y}")
    table.add_column("")
    table.add_column("Clienti", justify="right")
    for verdict, count in result.verdicts.items():
        table.add_row(labels[verdict], f"{count:,}".replace(",", "."))
    table.add_section()
    table.add_row("Nuove segnalazioni", str(result.new))
    table.add_row("Cambiate", str(result.changed))
    table.add_row("Risolte", str(result.resolved))
    table.add_row("Invariate", str(result.unchanged))
    console.print(table)
    if result.output:
        console.print(f"Report: {result.output}")
