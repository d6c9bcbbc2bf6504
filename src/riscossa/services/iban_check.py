"""`iban check`: a spreadsheet of IBANs in, the same spreadsheet with verdicts out.

Every input row comes out, in the same order, with its columns untouched; blank or
unreadable IBAN cells get an ERROR row of their own rather than disappearing.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from xlsxwriter.workbook import Workbook

from riscossa.adapters.iban_batch import check_ibans
from riscossa.adapters.registry_batch import RegistrySnapshot, apply_registry
from riscossa.adapters.tabular_reader import read_report_input
from riscossa.adapters.xlsx_report import DataSheet, Highlight, write_report
from riscossa.domain.errors import ImportFileError
from riscossa.services.iban_verdicts import (
    CONFIDENCE_LABELS,
    HEADERS,
    MESSAGES,
    NUMBER_PATTERN,
    VERDICT_LABELS,
    Lang,
    message_expr,
    verdict_expr,
)

IBAN_HEADERS = (
    "iban",
    "codice iban",
    "iban cliente",
    "iban addebito",
    "iban debitore",
    "iban conto",
    "coordinate bancarie",
    "coordinate iban",
    "conto corrente",
    "account iban",
    "bank account",
)
VERDICT_COLOURS = {"OK": "#C6EFCE", "WARNING": "#FFEB9C", "ERROR": "#FFC7CE"}
ADDED = tuple(HEADERS["en"])
TOP_BANKS = 40


@dataclass(slots=True)
class CheckSummary:
    input: str
    output: str
    column: str
    as_of: dt.date
    rows: int
    verdicts: dict[str, int]
    codes: dict[str, int]
    banks: list[dict[str, Any]] = field(default_factory=list)
    proposals: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "column": self.column,
            "as_of": self.as_of.isoformat(),
            "rows": self.rows,
            "verdicts": self.verdicts,
            "codes": self.codes,
            "proposals": self.proposals,
            "banks": self.banks,
            "seconds": round(self.seconds, 2),
        }


def check_ibans_frame(
    values: pl.Series, snapshot: RegistrySnapshot, as_of: dt.date
) -> pl.DataFrame:
    """The batch verdicts for a column of IBANs: checker + registry + verdict, same order."""
    checked = check_ibans(values.cast(pl.Utf8))
    return apply_registry(checked, snapshot, as_of).with_columns(verdict_expr())


def check_file(
    path: Path,
    out: Path,
    snapshot: RegistrySnapshot,
    as_of: dt.date,
    column: str | None = None,
    lang: Lang = "it",
) -> CheckSummary:
    started = time.perf_counter()
    if out.suffix.lower() != ".xlsx":
        raise ImportFileError(f"{out}: the output must be an .xlsx file")
    if out.resolve() == path.resolve():
        raise ImportFileError(f"{out}: choose an output file other than the input")
    frame = read_report_input(path)
    if frame.height == 0:
        raise ImportFileError(f"{path}: no rows under the header")
    name = pick_column(path, frame, column)
    raw = frame.get_column(name)
    if raw.dtype.is_numeric() or _all_numbers(raw):
        raise ImportFileError(
            f"{path}, column '{name}': the cells are numbers, not IBANs (Excel converted them; "
            "format the column as Text and export again)"
        )
    result = (
        check_ibans_frame(raw, snapshot, as_of)
        .with_columns(raw.cast(pl.Utf8).alias("__raw"))
        .with_columns(message_expr(lang, pl.col("__raw")))
    )
    annotated = _annotated(frame, result, lang)
    summary = _summary(path, out, name, as_of, result)
    write_report(
        out,
        DataSheet(
            "Verifica IBAN" if lang == "it" else "IBAN check",
            annotated,
            widths={HEADERS[lang]["iban"]: 32, HEADERS[lang]["message"]: 60},
            highlights=[
                Highlight(
                    HEADERS[lang]["verdict"],
                    {VERDICT_LABELS[lang][v]: c for v, c in VERDICT_COLOURS.items()},
                )
            ],
        ),
        lambda book: _summary_sheet(book, summary, lang),
    )
    summary.seconds = time.perf_counter() - started
    return summary


def pick_column(path: Path, frame: pl.DataFrame, column: str | None) -> str:
    """--column by name (any case); else a known header; else the column that looks like IBANs."""
    folded = {_fold(c): c for c in frame.columns}
    if column is not None:
        if _fold(column) in folded:
            return folded[_fold(column)]
        raise ImportFileError(
            f"{path}: no column named '{column}'; the columns are: " + ", ".join(frame.columns)
        )
    for alias in IBAN_HEADERS:
        if alias in folded:
            return folded[alias]
    for key, name in folded.items():
        if "iban" in key:
            return name
    sample = frame.head(2000)
    best, best_share = None, 0.0
    for name in sample.columns:
        values = sample.get_column(name).cast(pl.Utf8).str.replace_all(r"\s", "")
        looks = values.str.contains(r"(?i)^[a-z]{2}[0-9]{2}[a-z0-9]{8,}$").fill_null(False)
        share = int(looks.sum()) / max(len(looks), 1)
        if share > best_share:
            best, best_share = name, share
    if best is not None and best_share >= 0.3:
        return best
    raise ImportFileError(
        f"{path}: no IBAN column found; name it 'IBAN' or pass --column. "
        "The columns are: " + ", ".join(frame.columns)
    )


def _fold(text: str) -> str:
    return re.sub(r"[\s_.\-]+", " ", text).strip().lower()


def _all_numbers(raw: pl.Series) -> bool:
    text = raw.cast(pl.Utf8).drop_nulls().str.strip_chars()
    text = text.filter(text != "")
    return text.len() > 0 and bool(text.str.contains(NUMBER_PATTERN).all())


def _annotated(frame: pl.DataFrame, result: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    headers = HEADERS[lang]
    taken = set(frame.columns)

    def header(key: str) -> str:
        name = headers[key]
        while name in taken:
            name += " (Riscossa)"
        return name

    added = result.select(
        pl.col("iban").fill_null(""),
        pl.col("verdict").replace_strict(VERDICT_LABELS[lang], return_dtype=pl.Utf8),
        pl.when(pl.col("code").cast(pl.Utf8) != "OK").then(pl.col("code").cast(pl.Utf8)),
        "message",
        "country",
        "bank_code",
        "bank_name",
        "branch_code",
        "branch_town",
        "proposal_iban",
        pl.col("proposal_confidence").replace(CONFIDENCE_LABELS[lang]),
    )
    added.columns = [header(key) for key in headers]
    return pl.concat([frame, added], how="horizontal")


def _summary(
    path: Path, out: Path, column: str, as_of: dt.date, result: pl.DataFrame
) -> CheckSummary:
    verdicts = dict.fromkeys(("OK", "WARNING", "ERROR"), 0)
    for verdict, count in result.group_by("verdict").len().iter_rows():
        verdicts[verdict] = count
    codes = {
        code: count
        for code, count in result.select(pl.col("code").cast(pl.Utf8))
        .group_by("code")
        .len()
        .sort(["len", "code"], descending=[True, False])
        .iter_rows()
    }
    banks = (
        result.filter(pl.col("country").is_in(["IT", "SM"]) & pl.col("bank_code").is_not_null())
        .group_by("bank_code")
        .agg(
            pl.col("bank_name").drop_nulls().first().fill_null(""),
            (pl.col("verdict") == "OK").sum().alias("ok"),
            (pl.col("verdict") == "WARNING").sum().alias("warning"),
            (pl.col("verdict") == "ERROR").sum().alias("error"),
            pl.len().alias("total"),
        )
        .sort(["total", "bank_code"], descending=[True, False])
        .head(TOP_BANKS)
    )
    return CheckSummary(
        input=str(path),
        output=str(out),
        column=column,
        as_of=as_of,
        rows=result.height,
        verdicts=verdicts,
        codes=codes,
        banks=[
            {"abi": b, "name": n, "ok": o, "warning": w, "error": e, "total": t}
            for b, n, o, w, e, t in banks.iter_rows()
        ],
        proposals=int(result.get_column("proposal_iban").is_not_null().sum()),
    )


SUMMARY_WORDS: dict[Lang, dict[str, str]] = {
    "it": {
        "sheet": "Riepilogo",
        "title": "Verifica IBAN",
        "file": "File",
        "column": "Colonna IBAN",
        "as_of": "Anagrafe banche alla data",
        "rows": "Righe verificate",
        "proposals": "Proposte di nuovo IBAN",
        "by_verdict": "Esiti",
        "by_code": "Esiti per codice",
        "by_bank": f"Prime {TOP_BANKS} banche",
        "verdict": "Esito",
        "count": "Righe",
        "share": "%",
        "code": "Codice",
        "message": "Significato",
        "abi": "ABI",
        "bank": "Banca",
        "total": "Totale",
        "chart": "Esiti della verifica",
    },
    "en": {
        "sheet": "Summary",
        "title": "IBAN check",
        "file": "File",
        "column": "IBAN column",
        "as_of": "Bank registry as of",
        "rows": "Rows checked",
        "proposals": "Proposed new IBANs",
        "by_verdict": "Verdicts",
        "by_code": "Verdicts by code",
        "by_bank": f"Top {TOP_BANKS} banks",
        "verdict": "Verdict",
        "count": "Rows",
        "share": "%",
        "code": "Code",
        "message": "Meaning",
        "abi": "ABI",
        "bank": "Bank",
        "total": "Total",
        "chart": "Check verdicts",
    },
}


def _summary_sheet(book: Workbook, summary: CheckSummary, lang: Lang) -> None:
    words, labels = SUMMARY_WORDS[lang], VERDICT_LABELS[lang]
    sheet = book.add_worksheet(words["sheet"])
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    percent = book.add_format({"num_format": "0.0%"})
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 44)
    sheet.set_column(2, 6, 12)
    sheet.write_string(0, 0, words["title"], title)
    facts = [
        (words["file"], Path(summary.input).name),
        (words["column"], summary.column),
        (words["as_of"], summary.as_of.strftime("%d/%m/%Y")),
    ]
    for row, (label, value) in enumerate(facts, start=2):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, value)
    sheet.write_string(5, 0, words["rows"], bold)
    sheet.write_number(5, 1, summary.rows)
    sheet.write_string(6, 0, words["proposals"], bold)
    sheet.write_number(6, 1, summary.proposals)

    row = 8
    sheet.write_string(row, 0, words["by_verdict"], bold)
    row += 1
    for col, key in enumerate(("verdict", "count", "share")):
        sheet.write_string(row, col, words[key], head)
    first = row + 1
    for verdict, count in summary.verdicts.items():
        row += 1
        sheet.write_string(row, 0, labels[verdict])
        sheet.write_number(row, 1, count)
        sheet.write_number(row, 2, count / summary.rows if summary.rows else 0, percent)
    chart = book.add_chart({"type": "pie"})
    chart.add_series(
        {
            "name": words["chart"],
            "categories": [words["sheet"], first, 0, row, 0],
            "values": [words["sheet"], first, 1, row, 1],
            "points": [{"fill": {"color": c}} for c in ("#63BE7B", "#FFC000", "#E06666")],
            "data_labels": {"percentage": True},
        }
    )
    chart.set_title({"name": words["chart"]})
    sheet.insert_chart(1, 4, chart)

    row += 2
    sheet.write_string(row, 0, words["by_code"], bold)
    row += 1
    for col, key in enumerate(("code", "message", "count")):
        sheet.write_string(row, col, words[key], head)
    for code, count in summary.codes.items():
        row += 1
        sheet.write_string(row, 0, code)
        sheet.write_string(row, 1, MESSAGES[lang].get(code, ""))
        sheet.write_number(row, 2, count)

    row += 2
    sheet.write_string(row, 0, words["by_bank"], bold)
    row += 1
    heads = ("abi", "bank", "OK", "WARNING", "ERROR", "total")
    for col, key in enumerate(heads):
        sheet.write_string(row, col, labels.get(key) or words[key], head)
    for bank in summary.banks:
        row += 1
        sheet.write_string(row, 0, bank["abi"])
        sheet.write_string(row, 1, bank["name"] or "")
        for col, key in enumerate(("ok", "warning", "error", "total"), start=2):
            sheet.write_number(row, col, bank[key])
