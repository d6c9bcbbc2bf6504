"""An XLSX report whose big data sheet is streamed from a polars frame.

xlsxwriter writes about 300k cells/s, so a 1M-row sheet of fifteen columns would take close
to a minute. Here xlsxwriter still builds the workbook (styles, frozen header, filter,
conditional formats, summary sheets, charts), with the data sheet holding only its header;
the rows are then generated column-wise by polars as inline-string XML and spliced into that
sheet while the package is re-zipped. Text cells are neutralised against formula injection
like every other export (see ``tabular_writer``).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.workbook import Workbook

from riscossa.adapters.tabular_writer import XLSX_MAX_ROWS, TooManyRowsError

CHUNK_ROWS = 50_000
MAX_CELL_CHARS = 32_767
_FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_FLOATS = (pl.Float32, pl.Float64)


@dataclass(frozen=True, slots=True)
class Highlight:
    """Fill colour for cells of ``column`` equal to each value (Excel conditional format)."""

    column: str
    colours: dict[str, str]


@dataclass(slots=True)
class DataSheet:
    name: str
    frame: pl.DataFrame
    widths: dict[str, float] = field(default_factory=dict)
    highlights: Sequence[Highlight] = ()


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_report(
    path: Path,
    data: DataSheet,
    extra: Callable[[Workbook], None] | None = None,
) -> None:
    """Write ``data`` as the first sheet of ``path`` and let ``extra`` add more sheets."""
    frame = data.frame
    if frame.height + 1 > XLSX_MAX_ROWS:
        raise TooManyRowsError(
            f"{path}: {frame.height:,} rows do not fit in one XLSX sheet "
            f"(at most {XLSX_MAX_ROWS - 1:,}); write CSV instead"
        )
    frame = _cells_ready(frame)
    skeleton = path.with_name(path.name + ".part")
    _write_skeleton(skeleton, data, frame, extra)
    try:
        _splice(skeleton, path, frame)
    finally:
        skeleton.unlink(missing_ok=True)


def _cells_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column either integer (a number cell) or text (neutralised, escaped)."""
    columns: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype in _NUMERIC:
            columns.append(col.cast(pl.Int64))
            continue
        if dtype in _FLOATS:
            columns.append(col.cast(pl.Float64))
            continue
        if dtype == pl.Date:
            text = col.dt.strftime("%d/%m/%Y")
        elif dtype == pl.Datetime:
            text = col.dt.strftime("%d/%m/%Y %H:%M")
        else:
            text = col.cast(pl.Utf8)
        columns.append(_xml_text(_neutralised(text)).alias(name))
    return frame.select(columns)


def _neutralised(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + text).otherwise(text)


def _xml_text(text: pl.Expr) -> pl.Expr:
    return (
        text.str.slice(0, MAX_CELL_CHARS)
        .str.replace_all(r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]", "")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _write_skeleton(
    path: Path, data: DataSheet, frame: pl.DataFrame, extra: Callable[[Workbook], None] | None
) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": _FIXED_DATE})
    header = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    sheet = book.add_worksheet(data.name)
    last_col = max(len(frame.columns) - 1, 0)
    for index, name in enumerate(frame.columns):
        sheet.write_string(0, index, name, header)
        sheet.set_column(index, index, data.widths.get(name, max(10.0, min(len(name) + 4, 40))))
    sheet.freeze_panes(1, 0)
    if frame.height:
        sheet.autofilter(0, 0, frame.height, last_col)
    for highlight in data.highlights:
        index = frame.columns.index(highlight.column)
        for value, colour in highlight.colours.items():
            sheet.conditional_format(
                1,
                index,
                max(frame.height, 1),
                index,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{value}"',
                    "format": book.add_format({"bg_color": colour}),
                },
            )
    if extra is not None:
        extra(book)
    book.close()


_OPEN = '" t="inlineStr"><is><t>'
_OPEN_SPACED = '" t="inlineStr"><is><t xml:space="preserve">'
_SHEET_DATA_END = re.compile(rb"</sheetData>|<sheetData/>")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def _splice(skeleton: Path, target: Path, frame: pl.DataFrame) -> None:
    sheet_name = "xl/worksheets/sheet1.xml"
    tmp = target.with_name(target.name + ".tmp")
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename != sheet_name:
                out.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
                continue
            last = column_letter(max(len(frame.columns) - 1, 0))
            payload = _DIMENSION.sub(
                f'<dimension ref="A1:{last}{frame.height + 1}"/>'.encode(), payload, count=1
            )
            match = _SHEET_DATA_END.search(payload)
            if match is None:  # pragma: no cover - xlsxwriter always writes sheetData
                raise RuntimeError("worksheet without sheetData")
            head, tail = payload[: match.start()], payload[match.end() :]
            if match.group() == b"<sheetData/>":
                head += b"<sheetData>"
            entry = zipfile.ZipInfo(sheet_name, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry._compresslevel = 1  # type: ignore[attr-defined]  # fast: the sheet is large
            with out.open(entry, "w") as sheet:
                sheet.write(head)
                # polars builds the next chunk's XML while zlib compresses this one: both
                # release the GIL, so the two overlap on two cores.
                with ThreadPoolExecutor(max_workers=1) as pool:
                    starts = range(0, frame.height, CHUNK_ROWS)
                    pending = [
                        pool.submit(_rows_xml, frame.slice(start, CHUNK_ROWS), start + 2)
                        for start in starts[:2]
                    ]
                    for index in range(len(starts)):
                        chunk = pending[index].result()
                        if index + 2 < len(starts):
                            start = starts[index + 2]
                            pending.append(
                                pool.submit(_rows_xml, frame.slice(start, CHUNK_ROWS), start + 2)
                            )
                        sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    tmp.replace(target)


def _rows_xml(chunk: pl.DataFrame, first_row: int) -> bytes:
    row_number = (pl.int_range(0, pl.len(), dtype=pl.Int64) + first_row).cast(pl.Utf8)
    cells: list[pl.Expr] = []
    for index, (name, dtype) in enumerate(chunk.schema.items()):
        ref = pl.concat_str(pl.lit(f'<c r="{column_letter(index)}'), row_number)
        col = pl.col(name)
        if dtype in (pl.Int64, pl.Float64):
            cell = pl.concat_str(ref, pl.lit('"><v>'), col.cast(pl.Utf8), pl.lit("</v></c>"))
            if dtype == pl.Float64:
                cell = pl.when(col.is_finite()).then(cell)
        else:
            spaced = col.str.contains(r"^\s|\s$")
            opening = pl.when(spaced).then(pl.lit(_OPEN_SPACED)).otherwise(pl.lit(_OPEN))
            cell = pl.when(col != "").then(
                pl.concat_str(ref, opening, col, pl.lit("</t></is></c>"))
            )
        cells.append(cell.fill_null(""))
    rows = chunk.select(
        pl.concat_str(pl.lit('<row r="'), row_number, pl.lit('">'), *cells, pl.lit("</row>")).alias(
            "xml"
        )
    )
    joined: str = rows.get_column("xml").str.join("").item()
    return joined.encode("utf-8")
