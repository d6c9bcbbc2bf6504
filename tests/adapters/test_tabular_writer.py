"""The tabular writer: Italian/English CSV conventions, XLSX, and formula-injection safety."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from riscossa.adapters import tabular_writer
from riscossa.adapters.tabular_writer import (
    ENGLISH_CSV,
    ITALIAN_CSV,
    Column,
    ColumnKind,
    TooManyRowsError,
    format_amount,
    format_amount_en,
    format_amount_it,
    neutralise,
    open_table,
)

COLUMNS = (
    Column("Codice"),
    Column("Importo", ColumnKind.AMOUNT),
    Column("Data", ColumnKind.DATE),
    Column("Note"),
)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_triggers_get_an_apostrophe(trigger: str) -> None:
    assert neutralise(f"{trigger}SUM(A1:A9)") == f"'{trigger}SUM(A1:A9)"


@pytest.mark.parametrize("text", ["", "Rossi", "IT60X0542811101000000123456", "1+1", " =x"])
def test_safe_text_is_untouched(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize(
    ("cents", "italian", "english"),
    [
        (0, "0,00", "0.00"),
        (5, "0,05", "0.05"),
        (-5, "-0,05", "-0.05"),
        (123456, "1.234,56", "1234.56"),
        (-123456, "-1.234,56", "-1234.56"),
        (100_000_000, "1.000.000,00", "1000000.00"),
    ],
)
def test_amount_notations(cents: int, italian: str, english: str) -> None:
    assert format_amount_it(cents) == italian
    assert format_amount_en(cents) == english
    assert format_amount(cents, ITALIAN_CSV) == italian
    assert format_amount(cents, ENGLISH_CSV) == english


def _rows() -> list[tuple[object, ...]]:
    return [
        ("A1", 123456, dt.date(2025, 3, 7), '=HYPERLINK("http://x")'),
        ("A2", -1234, dt.date(2025, 12, 31), "+39 333 1234567"),
        ("A3", "12O,5O", "31/02/2025", 'uno; due "tre"'),
        ("A4", None, None, "@cmd"),
    ]


def test_italian_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with open_table(path, COLUMNS, style=ITALIAN_CSV) as out:
        out.write_rows(_rows())  # type: ignore[arg-type]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Codice;Importo;Data;Note"
    assert lines[1] == 'A1;1.234,56;07/03/2025;"\'=HYPERLINK(""http://x"")"'
    # A negative amount is a number, not a formula: it is not neutralised.
    assert lines[2] == "A2;-12,34;31/12/2025;'+39 333 1234567"
    # Deliberately bad values pass through as text; the delimiter and quotes get quoted.
    assert lines[3] == 'A3;12O,5O;31/02/2025;"uno; due ""tre"""'
    assert lines[4] == "A4;;;'@cmd"
    assert lines[5] == ""


def test_english_csv_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with open_table(path, COLUMNS, style=ENGLISH_CSV) as out:
        out.write_rows([("A1", 123456, dt.date(2025, 3, 7), "ok"), ("A2", -5, None, "-x")])
    text = path.read_bytes().decode("utf-8")
    assert text == "Codice,Importo,Data,Note\r\nA1,1234.56,2025-03-07,ok\r\nA2,-0.05,,'-x\r\n"


def test_plain_and_quoted_batches_agree(tmp_path: Path) -> None:
    """The fast join path and the csv-module path write the same bytes for plain rows."""
    rows = [("A1", 100, dt.date(2025, 1, 1), "x")]
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    with open_table(fast, COLUMNS) as out:
        out.write_rows(rows)
    with open_table(slow, COLUMNS) as out:
        out.write_rows([*rows, ("B", 1, None, "a;b")])
    assert slow.read_bytes().startswith(fast.read_bytes())


def test_xlsx_typed_cells_and_neutralised_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with open_table(path, COLUMNS, file_format="xlsx") as out:
        out.write_rows(_rows())  # type: ignore[arg-type]
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Codice", "Importo", "Data", "Note"]
    assert values[1][1] == pytest.approx(1234.56)
    assert values[1][2] == dt.datetime(2025, 3, 7)
    assert values[1][3] == '\'=HYPERLINK("http://x")'
    assert sheet.cell(2, 4).data_type == "s"  # a string, never a formula
    assert values[2][1] == pytest.approx(-12.34)
    assert values[3][1:3] == ["12O,5O", "31/02/2025"]
    assert values[4] == ["A4", None, None, "'@cmd"]


def test_xlsx_is_reproducible(tmp_path: Path) -> None:
    created = dt.datetime(2025, 1, 1)
    for name in ("a.xlsx", "b.xlsx"):
        with open_table(tmp_path / name, COLUMNS, file_format="xlsx", created=created) as out:
            out.write_rows([("A1", 1, dt.date(2025, 1, 1), "x")])
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_xlsx_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular_writer, "XLSX_MAX_ROWS", 3)
    with (
        pytest.raises(TooManyRowsError),
        open_table(tmp_path / "t.xlsx", COLUMNS, file_format="xlsx") as out,
    ):
        out.write_rows([("A", 1, None, "x")] * 3)
