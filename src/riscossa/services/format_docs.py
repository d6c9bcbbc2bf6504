"""docs/formats/*.md are written from the import schemas, so the docs cannot drift from code.

Regenerate with ``python -m riscossa.services.format_docs docs/formats``; a test fails when
the committed files differ from what the schemas say.
"""

from __future__ import annotations

import sys
from pathlib import Path

from riscossa.services.import_schemas import SCHEMAS, EntitySchema, FieldType

TYPE_TEXT = {
    FieldType.TEXT: "text",
    FieldType.CODE: "code (spaces removed, upper case)",
    FieldType.AMOUNT: "amount in euro: `1.234,56`, `1234,56`, `1,234.56`, `1234.56`, `€ 12,00`",
    FieldType.DATE: "date: `31/03/2025`, `31-03-2025`, `31.03.2025`, `31/03/25`, `2025-03-31`, "
    "or an Excel date",
    FieldType.BOOL: "yes/no: `si`, `sì`, `x`, `1`, `true` / `no`, `0`, `false` (blank = no)",
    FieldType.CHOICE: "one of the values below",
}

INTRO = {
    "customers": "One row per customer. The customer code is the natural key: importing the "
    "same code again updates that customer. An invalid codice fiscale or partita IVA is stored "
    "as written and reported as a warning, so that the customer and their invoices are not lost.",
    "contracts": "One row per contract (supply point). The customer must already exist.",
    "invoices": "One row per invoice or credit note; the invoice number is the natural key. "
    "The line columns (energy, network, excise, VAT, fees, other) are optional; when any is "
    "given they must add up to the total. A credit note may be written with a positive total "
    "and a credit-note document type: its sign is turned negative.",
    "payments": "One row per payment received; the bank reference is the natural key. "
    "`invoice_numbers` lists the invoices the payer or the source system declares as paid "
    "(separated by spaces, commas or semicolons): they are allocated at import, in the order "
    "given, each up to what is still open. A payment whose customer is unknown is kept as "
    "unapplied, with a warning.",
    "sdd_returns": "One row per direct debit the bank rejected, returned or refunded (the "
    '"elenco insoluti SDD"); the reference (end-to-end id or the bank\'s return id) is the '
    "natural key. The reason code is the SEPA one (AC01, AC04, AM04, MD01, MS02...): "
    "`riscossa iban monitor --reason-codes` selects customers by it.",
    "mandates": "One row per SEPA direct-debit mandate; the UMR (mandate reference) is the "
    "natural key. The IBAN and the creditor identifier are checked. A new active mandate "
    "switches the customer's active contracts (or the one named) to direct debit; a changed "
    "IBAN or creditor identifier on a known mandate becomes an amendment, sent with the "
    "next collection (same bank: original account; another bank: SMNDA).",
}


def render(schema: EntitySchema) -> str:
    lines = [
        f"# Import format: {schema.entity}",
        "",
        "<!-- Written by `python -m riscossa.services.format_docs docs/formats`; do not edit. -->",
        "",
        INTRO[schema.entity],
        "",
        f"`riscossa import {schema.entity.replace('_', '-')} FILE [--strict] [--json]`",
        "",
        "| column | required | type | also accepted as header |",
        "|---|---|---|---|",
    ]
    for spec in schema.fields:
        aliases = ", ".join(f"`{a}`" for a in spec.aliases) or "—"
        required = "yes" if spec.required else ""
        kind = TYPE_TEXT[spec.type]
        if spec.max_length:
            kind += f", at most {spec.max_length} characters"
        if spec.default is not None:
            kind += f"; default `{spec.default}`"
        lines.append(f"| `{spec.name}` | {required} | {kind} | {aliases} |")
    choices = [s for s in schema.fields if s.type is FieldType.CHOICE]
    for spec in choices:
        lines += ["", f"## Values of `{spec.name}`", "", "| value | also accepted |", "|---|---|"]
        by_value: dict[str, list[str]] = {}
        for spelling, value in spec.choices.items():
            if spelling != value:
                by_value.setdefault(value, []).append(spelling)
        for value, spellings in by_value.items():
            lines.append(f"| `{value}` | {', '.join(f'`{s}`' for s in spellings)} |")
    lines += [
        "",
        "## Reading rules",
        "",
        "- CSV in UTF-8 (with or without BOM) or Windows-1252; separator `;`, `,`, tab or `|`, "
        "found from the header line. XLSX: the first sheet, header on the first row.",
        "- Headers are matched ignoring case, accents, spaces and punctuation "
        "(`Data Scadenza` = `data_scadenza`). Unknown columns are ignored and listed.",
        "- Missing required columns refuse the whole file before any row is read.",
        "- Blank lines are skipped. Row numbers in messages are the file's own line numbers "
        "(the header is row 1), as a spreadsheet shows them.",
        "- A row with an error is rejected with file, row, column and message; the other rows "
        "are imported. With `--strict` nothing is imported if any row fails.",
        "- A key repeated inside the file: the first row wins, later ones are rejected.",
        "- One file is one transaction: it lands whole or not at all. Re-importing the same "
        "file changes nothing.",
        "",
    ]
    return "\n".join(lines)


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in SCHEMAS.items():
        path = folder / f"{name}.md"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/formats")):
        print(written_path)
