"""``riscossa sdd``: collection files, outcomes, settlement, reject report, SDD campaign."""

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
    app,
    console,
    euro,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.services.sdd_candidates import export_candidates, sdd_candidates
from riscossa.services.sdd_collect import run_collection
from riscossa.services.sdd_files import creditor_from_settings
from riscossa.services.sdd_outcomes import apply_outcomes, settle_collections
from riscossa.services.sdd_report import reject_report

sdd_app = typer.Typer(
    help="SEPA Direct Debit: collect, apply outcomes, report.", no_args_is_help=True
)
app.add_typer(sdd_app, name="sdd")


def _date_option(name: str, help_text: str) -> Any:
    return typer.Option(name, formats=["%Y-%m-%d"], show_default=False, help=help_text)


AsOf = Annotated[dt.datetime | None, _date_option("--as-of", "Reference date, YYYY-MM-DD.")]
From = Annotated[dt.datetime | None, _date_option("--from", "First collection date.")]
To = Annotated[dt.datetime | None, _date_option("--to", "Last collection date.")]


@sdd_app.command("collect")
def collect_command(
    collection_date: Annotated[
        dt.datetime,
        typer.Option("--collection-date", formats=["%Y-%m-%d"], help="Due date of the debits."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file for the bank.")],
    file_format: Annotated[
        str, typer.Option("--format", help="pain.008.001.08, pain.008.001.02 or cbi.")
    ] = "pain.008.001.08",
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Collect the open items of direct-debit contracts due by the collection date."""
    riscossa = open_app(db)
    with handled_errors():
        result = run_collection(
            riscossa.engine,
            collection_date.date(),
            output,
            creditor_from_settings(riscossa.settings.creditor),
            today=riscossa.today(),
            file_format=file_format,
            cbi_xsd=Path(xsd) if (xsd := riscossa.settings.creditor.cbi_xsd) else None,
        )
    if json_output:
        print_json(result.as_json())
        return
    if not result.items:
        console.print(f"Nothing to collect by {result.collection_date:%d/%m/%Y}: no file written.")
        return
    console.print(
        f"[bold]{result.file}[/] ({result.file_format}): {result.items:,} debits, "
        f"{euro(result.total_cents)}, collection {result.collection_date:%d/%m/%Y}, "
        f"to present by {result.presentation_date:%d/%m/%Y}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.by_sequence.items()))
    )


@sdd_app.command("outcomes")
def outcomes_command(
    file: Annotated[Path, typer.Argument(help="pain.002, camt.054 or CBI esiti file.")],
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Apply the bank's rejects, returns and refunds: reverse, reopen, open follow-ups."""
    riscossa = open_app(db)
    with handled_errors():
        result = apply_outcomes(riscossa.engine, file, today=riscossa.today())
    if json_output:
        print_json(result.as_json())
        return
    console.print(
        f"[bold]{Path(result.file).name}[/] ({result.file_format}, answers "
        f"'{result.original_message_id or '-'}'): {result.applied} R-transactions applied, "
        f"{result.accepted} accepted lines"
    )
    if result.by_reason:
        console.print("Reasons: " + ", ".join(f"{k} {v}" for k, v in result.by_reason.items()))
    if result.followups:
        console.print("Follow-ups: " + ", ".join(f"{k} {v}" for k, v in result.followups.items()))


@sdd_app.command("settle")
def settle_command(
    as_of: AsOf = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Book the debits with no outcome a few business days after their collection date."""
    riscossa = open_app(db)
    with handled_errors():
        day = as_of.date() if as_of else riscossa.today()
        settled = settle_collections(riscossa.engine, day)
    if json_output:
        print_json({"as_of": day.isoformat(), "settled": settled})
        return
    console.print(f"{settled:,} debits settled as paid by {day:%d/%m/%Y}.")


@sdd_app.command("report")
def report_command(
    date_from: From = None,
    date_to: To = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Rejects by reason, bank, segment and run; customers to move off direct debit."""
    riscossa = open_app(db)
    with handled_errors(), riscossa.engine.connect() as conn:
        report = reject_report(
            conn, date_from.date() if date_from else None, date_to.date() if date_to else None
        )
    if json_output:
        print_json(report.as_json())
        return
    console.print(f"{report.rejects:,} R-transactions, {euro(report.amount_cents)}")
    for title, rows in (
        ("Per causale", report.by_reason),
        ("Per banca (ABI)", report.by_bank[:20]),
        ("Per segmento", report.by_segment),
    ):
        table = Table(title=title, box=box.SIMPLE_HEAD)
        for header in ("", "Insoluti", "Importo"):
            table.add_column(header, justify="left" if not header else "right")
        for row in rows:
            table.add_row(str(row["key"]), str(row["count"]), row["amount"].replace(".", ","))
        console.print(table)
    if report.by_run:
        table = Table(title="Per disposizione", box=box.SIMPLE_HEAD)
        for header in ("Messaggio", "Data", "Addebiti", "Insoluti", "Tasso"):
            table.add_column(header, justify="left" if header in ("Messaggio", "Data") else "right")
        for run in report.by_run:
            table.add_row(
                run["message_id"],
                run["collection_date"],
                str(run["items"]),
                str(run["rejected"]),
                f"{run['reject_rate'] * 100:.1f}%",
            )
        console.print(table)
    if report.review:
        console.print(
            f"{len(report.review)} customers with repeated rejects: review their payment method "
            "(--json lists them)"
        )


@sdd_app.command("candidates")
def candidates_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="XLSX campaign list.")],
    as_of: AsOf = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Good payers on slips or transfers, ranked: who to invite to direct debit."""
    riscossa = open_app(db)
    with handled_errors():
        day = as_of.date() if as_of else riscossa.today()
        with riscossa.engine.connect() as conn:
            found = sdd_candidates(conn, day)
        export_candidates(found, output)
    if json_output:
        print_json({**found.as_json(), "output": str(output)})
        return
    console.print(f"{found.frame.height:,} candidates for direct debit -> {output}")
