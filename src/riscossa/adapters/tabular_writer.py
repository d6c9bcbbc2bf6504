"""Writing tables as CSV (Italian or English conventions) or XLSX, safe to open in Excel.

Cells are typed by their column: TEXT cells are neutralised against formula injection
(a leading ``= + - @ TAB CR`` gets an apostrophe in front, as OWASP advises), AMOUNT cells
take integer cents and DATE cells take ``datetime.date``. Amounts and dates are formatted by
the writer itself, so a credit note's ``-12,34`` stays a number and is not neutralised; any
other value in those columns (deliberately bad data, e.g. ``"31/02/2024"``) is written as
neutralised text. XLSX uses xlsxwriter's constant_memory mode (rows stream to disk), numbers
and dates as real cells, and fixed document properties so that output is byte-reproducible.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, Protocol

import xlsxwriter

from riscossa.domain.errors import RiscossaError

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
XLSX_MAX_ROWS = 1_048_576

Cell = str | int | dt.date | None
FileFormat = Literal["csv", "xlsx"]


class TooManyRowsError(RiscossaError):
    """An XLSX worksheet holds at most 1,048,576 rows; use CSV beyond that."""


class ColumnKind(StrEnum):
    TEXT = "text"
    AMOUNT = "amount"  # integer cents
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True, slots=True)
class CsvStyle:
    delimiter: str
    decimal_comma: bool
    thousands: bool
    date_format: str
    bom: bool
    line_terminator: str = "\r\n"


ITALIAN_CSV = CsvStyle(";", decimal_comma=True, thousands=True, date_format="%d/%m/%Y", bom=True)
ENGLISH_CSV = CsvStyle(",", decimal_comma=False, thousands=False, date_format="%Y-%m-%d", bom=False)


def neutralise(text: str) -> str:
    """Prefix an apostrophe when a spreadsheet would read the cell as a formula."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def format_amount_it(cents: int) -> str:
    """``123456`` -> ``1.234,56``; ``-5`` -> ``-0,05``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(-cents if cents < 0 else cents, 100)
    return f"{sign}{units:,}".replace(",", ".") + f",{rest:02d}"


def format_amount_en(cents: int) -> str:
    """``123456`` -> ``1234.56`` (no grouping, point decimals)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(-cents if cents < 0 else cents, 100)
    return f"{sign}{units}.{rest:02d}"


def format_amount(cents: int, style: CsvStyle) -> str:
    if style.decimal_comma:
        text = format_amount_it(cents)
        return text if style.thousands else text.replace(".", "")
    text = format_amount_en(cents)
    return f"{int(text[:-3]):,}{text[-3:]}" if style.thousands else text


def _text(value: Cell) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


class _AmountCells(dict[Cell, str]):
    """Formatted amounts, memoised: ``map(cells.__getitem__, column)`` runs at C speed."""

    def __init__(self, style: CsvStyle) -> None:
        super().__init__()
        self.style = style

    def __missing__(self, value: Cell) -> str:
        text = format_amount(value, self.style) if type(value) is int else _text(value)
        self[value] = text
        return text


class _DateCells(dict[Cell, str]):
    """Formatted dates, memoised; a portfolio holds a few thousand distinct dates."""

    def __init__(self, style: CsvStyle) -> None:
        super().__init__()
        self.style = style

    def __missing__(self, value: Cell) -> str:
        if isinstance(value, dt.date):
            text = value.strftime(self.style.date_format)
        else:
            text = _text(value)
        self[value] = text
        return text


_SEPARATOR = "\x1f"
_TRIGGER_AFTER_SEPARATOR = tuple(_SEPARATOR + ch for ch in sorted(FORMULA_TRIGGERS))


def _text_column(values: tuple[Cell, ...]) -> tuple[Sequence[str], str]:
    """The column (unchanged when no cell needs neutralising, the usual case) and its cells
    joined with \\x1f; both checks run as C-level string scans, not per-cell Python."""
    try:
        joined = _SEPARATOR.join(values)  # type: ignore[arg-type]
    except TypeError:  # None or a non-string cell: take the slow path
        cells = [_text(v) for v in values]
        return cells, _SEPARATOR.join(cells)
    if joined[:1] in FORMULA_TRIGGERS or any(t in joined for t in _TRIGGER_AFTER_SEPARATOR):
        cells = [_text(v) for v in values]
        return cells, _SEPARATOR.join(cells)
    return values, joined  # type: ignore[return-value]


class TableWriter(Protocol):
    def write_rows(self, rows: Iterable[Sequence[Cell]]) -> None: ...

    def close(self) -> None: ...


class CsvTableWriter:
    """Streams rows through the csv module; amounts and dates follow the style."""

    def __init__(self, path: Path, columns: Sequence[Column], style: CsvStyle) -> None:
        self.columns = tuple(columns)
        self._file: IO[str] = path.open(
            "w", encoding="utf-8-sig" if style.bom else "utf-8", newline=""
        )
        self._csv = csv.writer(
            self._file, delimiter=style.delimiter, lineterminator=style.line_terminator
        )
        self._kinds = [c.kind for c in self.columns]
        self._delimiter, self._end = style.delimiter, style.line_terminator
        self._specials = (style.delimiter, '"', "\n", "\r")
        self._amounts = _AmountCells(style)
        self._dates = _DateCells(style)
        self._csv.writerow([neutralise(c.header) for c in self.columns])

    def write_rows(self, rows: Iterable[Sequence[Cell]]) -> None:
        """Convert column by column (C-level ``map`` and ``join``); rows that need no quoting,
        the usual case, are joined directly, the rest go through the csv module."""
        batch = rows if isinstance(rows, list) else list(rows)
        if not batch:
            return
        if len(self._amounts) > 2_000_000:  # bound the memo on huge files
            self._amounts.clear()
        columns: list[Sequence[str]] = []
        plain = True
        specials = self._specials
        for kind, values in zip(self._kinds, zip(*batch, strict=True), strict=True):
            if kind is ColumnKind.TEXT:
                cells, joined = _text_column(values)
            else:
                memo = self._amounts if kind is ColumnKind.AMOUNT else self._dates
                cells = list(map(memo.__getitem__, values))
                joined = _SEPARATOR.join(cells)
            if plain and any(ch in joined for ch in specials):
                plain = False
            columns.append(cells)
        if plain:
            end = self._end
            self._file.write(end.join(map(self._delimiter.join, zip(*columns, strict=True))) + end)
        else:
            self._csv.writerows(zip(*columns, strict=True))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvTableWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class XlsxTableWriter:
    """One worksheet, written row by row in constant_memory mode."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[Column],
        *,
        sheet_name: str = "Dati",
        created: dt.datetime | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        # A fixed creation time keeps the file byte-identical from run to run.
        self._book.set_properties({"created": created or dt.datetime(2000, 1, 1)})  # noqa: DTZ001
        self._sheet = self._book.add_worksheet(sheet_name)
        self._money = self._book.add_format({"num_format": "#,##0.00"})
        self._date = self._book.add_format({"num_format": "dd/mm/yyyy"})
        self._kinds = [c.kind for c in self.columns]
        self._row = 0
        for col, column in enumerate(self.columns):
            self._sheet.write_string(0, col, neutralise(column.header))
        self._row = 1

    def write_rows(self, rows: Iterable[Sequence[Cell]]) -> None:
        sheet, kinds = self._sheet, self._kinds
        row = self._row
        for values in rows:
            if row >= XLSX_MAX_ROWS:
                raise TooManyRowsError(
                    f"more than {XLSX_MAX_ROWS - 1} rows do not fit one XLSX sheet: use CSV"
                )
            for col, (kind, value) in enumerate(zip(kinds, values, strict=True)):
                if value is None or value == "":
                    continue
                if kind is ColumnKind.AMOUNT and type(value) is int:
                    # XLSX stores doubles; cents/100 is the nearest double to the amount.
                    sheet.write_number(row, col, value / 100, self._money)
                elif kind is ColumnKind.DATE and isinstance(value, dt.date):
                    sheet.write_datetime(row, col, value, self._date)
                else:
                    sheet.write_string(row, col, _text(value))
            row += 1
        self._row = row

    def close(self) -> None:
        self._book.close()

    def __enter__(self) -> XlsxTableWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_table(
    path: Path,
    columns: Sequence[Column],
    *,
    file_format: FileFormat = "csv",
    style: CsvStyle = ITALIAN_CSV,
    created: dt.datetime | None = None,
) -> CsvTableWriter | XlsxTableWriter:
    """A writer for ``path``; CSV follows ``style``, XLSX ignores it (cells are typed)."""
    if file_format == "xlsx":
        return XlsxTableWriter(path, columns, created=created)
    return CsvTableWriter(path, columns, style)
