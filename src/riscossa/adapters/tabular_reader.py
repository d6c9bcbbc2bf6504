"""Reading the CSV and XLSX files users export from their billing and banking systems.

Everything is read as text, exactly as written; typing is the importer's job. Real exports
come in UTF-8 with or without BOM or in Windows-1252, with ``;``, ``,``, tab or ``|``
separators and blank lines: all are accepted. Each row keeps the line (CSV) or row (XLSX)
number the user sees in their editor, so that errors can point at it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riscossa.domain.errors import ImportFileError

ROW_COLUMN = "__row__"
SEPARATORS = (";", ",", "\t", "|")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
EXTRA_FIELDS = "Campi in eccesso"


@dataclass(frozen=True)
class Table:
    """A file's cells as text, its headers as written, and where each row came from."""

    path: Path
    headers: tuple[str, ...]
    frame: pl.DataFrame  # one Utf8 column per header (by position: c0, c1, ...) + ROW_COLUMN
    sha256: str
    source_format: str  # "csv" or "xlsx"
    separator: str = ""
    encoding: str = ""

    def column_name(self, index: int) -> str:
        return f"c{index}"


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_table(path: Path, *, keep_extra_fields: bool = False) -> Table:
    """``keep_extra_fields``: a row with more fields than the header keeps them in one more
    column (``EXTRA_FIELDS``) instead of refusing the file: for reports that must show
    every row, where an import must refuse to guess."""
    if not path.exists():
        raise ImportFileError(f"{path}: file not found")
    if path.is_dir():
        raise ImportFileError(f"{path}: is a folder, not a file")
    data = path.read_bytes()
    if not data.strip():
        raise ImportFileError(f"{path}: the file is empty")
    if path.suffix.lower() in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, data)
    if path.suffix.lower() == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            f"{path}: old Excel 97-2003 (.xls) files are not supported; "
            "save it as .xlsx or CSV and import that"
        )
    return _read_csv(path, data, keep_extra_fields)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) first; Windows-1252 when the bytes are not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_separator(header_line: str) -> str:
    """The separator that splits the header line into the most fields (ties: ``;`` first)."""
    counts = {sep: len(next(csv.reader([header_line], delimiter=sep))) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 1 else ";"


def _read_csv(path: Path, data: bytes, keep_extra_fields: bool = False) -> Table:
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportFileError(f"{path}: the file is empty")
    separator = sniff_separator(lines[first])
    body = "\n".join(lines[first:])
    try:
        frame = pl.read_csv(
            io.StringIO(body).read().encode("utf-8"),
            separator=separator,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=False,
            quote_char='"',
        )
    except pl.exceptions.ComputeError as exc:
        return _read_csv_slow(path, data, body, first, separator, encoding, exc, keep_extra_fields)
    if frame.height == 0:
        raise ImportFileError(f"{path}: the file is empty")
    headers = tuple((h or "").strip() for h in frame.row(0))
    frame = frame.slice(1)
    frame.columns = [f"c{i}" for i in range(len(headers))]
    # Line numbers: header is on line first+1; a quoted field spanning lines shifts the rest.
    extra = pl.sum_horizontal(
        [pl.col(c).fill_null("").str.count_matches("\n", literal=True) for c in frame.columns]
    )
    frame = frame.with_columns(
        (
            pl.int_range(pl.len(), dtype=pl.Int64)
            + first
            + 2
            + extra.cum_sum().shift(1, fill_value=0)
        ).alias(ROW_COLUMN)
    )
    return Table(path, headers, frame, file_sha256(data), "csv", separator, encoding)


def _read_csv_slow(
    path: Path,
    data: bytes,
    body: str,
    first: int,
    separator: str,
    encoding: str,
    error: Exception,
    keep_extra_fields: bool = False,
) -> Table:
    """Ragged rows: fall back to the csv module, which tells exactly which line is wrong."""
    reader = csv.reader(io.StringIO(body), delimiter=separator)
    try:
        headers = tuple(h.strip() for h in next(reader))
    except StopIteration as exc:
        raise ImportFileError(f"{path}: the file is empty") from exc
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    width = len(headers)
    extra_cells: list[str | None] = []
    try:
        for record in reader:
            line = reader.line_num + first
            if not any(cell.strip() for cell in record):
                continue
            extra = record[width:]
            if keep_extra_fields:
                extra_cells.append(separator.join(extra) if extra else None)
            elif len(record) > width and any(cell.strip() for cell in extra):
                raise ImportFileError(
                    f"{path}, row {line}: {len(record)} fields but the header has {width} "
                    f"(is the separator '{separator}' used inside a value without quotes?)"
                )
            cells: list[str | None] = [*record[:width], *([None] * (width - len(record)))]
            rows.append(cells)
            numbers.append(line)
    except csv.Error as exc:
        raise ImportFileError(f"{path}, row {reader.line_num + first}: {exc}") from error
    columns = [f"c{i}" for i in range(width)]
    frame = pl.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(columns)},
        schema={c: pl.Utf8 for c in columns},
    ).with_columns(pl.Series(ROW_COLUMN, numbers, dtype=pl.Int64))
    if keep_extra_fields and any(cell for cell in extra_cells):
        frame = frame.with_columns(pl.Series(f"c{width}", extra_cells, dtype=pl.Utf8))
        headers = (*headers, EXTRA_FIELDS)
    return Table(path, headers, frame, file_sha256(data), "csv", separator, encoding)


def _read_xlsx(path: Path, data: bytes) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own hierarchy; any failure means unreadable
        raise ImportFileError(f"{path}: not a readable Excel workbook ({exc})") from exc
    if frame.height == 0 or frame.width == 0:
        raise ImportFileError(f"{path}: the first sheet is empty")
    headers = tuple((h or "").strip() for h in frame.row(0))
    frame = frame.slice(1)
    frame.columns = [f"c{i}" for i in range(len(headers))]
    frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(ROW_COLUMN))
    return Table(path, headers, frame, file_sha256(data), "xlsx")


def read_report_input(path: Path) -> pl.DataFrame:
    """A file to be annotated and written back: real headers, and for XLSX real cell types.

    Unlike ``read_table`` (imports want text to parse), numbers and dates of an XLSX stay
    typed so that the annotated copy keeps them (a column of mixed cells comes as text).
    Duplicated or blank headers get a suffix so that every column survives.
    """
    data = path.read_bytes() if path.is_file() else b""
    if path.is_file() and (path.suffix.lower() in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04"):
        import fastexcel

        try:
            frame = fastexcel.read_excel(data).load_sheet(0).to_polars()
        except Exception as exc:  # fastexcel raises its own hierarchy; any failure: unreadable
            raise ImportFileError(f"{path}: not a readable Excel workbook ({exc})") from exc
        if frame.width == 0:
            raise ImportFileError(f"{path}: the first sheet is empty")
        headers: tuple[str, ...] = tuple(
            "" if c.startswith("__UNNAMED__") else c.strip() for c in frame.columns
        )
    else:
        table = read_table(path, keep_extra_fields=True)
        frame, headers = table.frame.drop(ROW_COLUMN), table.headers
    frame.columns = unique_headers(headers)
    return _without_trailing_blank_rows(frame)


def _without_trailing_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows after the last one with any value are the sheet's formatting, not data; blank rows
    in between stay, so that output row N is still input row N."""
    filled = pl.any_horizontal(
        [pl.col(c).cast(pl.Utf8).str.strip_chars().fill_null("") != "" for c in frame.columns]
    )
    last = frame.select(pl.arg_where(filled).max()).item()
    return frame.head(0) if last is None else frame.head(int(last) + 1)


def unique_headers(headers: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for index, header in enumerate(headers):
        name = header or f"Colonna {index + 1}"
        while name in seen:
            seen[name] += 1
            name = f"{header or 'Colonna'} ({seen[name]})"
        seen[name] = 1
        names.append(name)
    return names
