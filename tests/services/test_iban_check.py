"""`iban check` end to end: real XLSX and CSV files in, a real XLSX out, read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from riscossa.adapters.registry_batch import RegistrySnapshot
from riscossa.banking.bank_registry import Bank, BankEvent, EventKind
from riscossa.domain.errors import ImportFileError
from riscossa.services.demo.codes import italian_iban
from riscossa.services.iban_check import check_file

AS_OF = dt.date(2026, 11, 1)
VALID = "IT60X0542811101000000123456"
RETIRED = italian_iban("05034", "11701", "000000001234")
SUCCESSOR = italian_iban("05696", "11701", "000000001234")


@pytest.fixture
def snapshot() -> RegistrySnapshot:
    return RegistrySnapshot.from_records(
        [
            Bank("05428", "Banca Esempio", valid_from=dt.date(1990, 1, 1)),
            Bank(
                "05034",
                "Banco Ceduto",
                valid_from=dt.date(1990, 1, 1),
                valid_to=dt.date(2022, 6, 30),
            ),
            Bank("05696", "Banca Successore", valid_from=dt.date(1990, 1, 1)),
            Bank("03069", "Intesa Sanpaolo", valid_from=dt.date(1990, 1, 1)),
        ],
        [BankEvent(EventKind.ABSORPTION, "05034", "05696", dt.date(2022, 7, 1))],
        source="test",
    )


ROWS = [
    # code, name, IBAN, amount, expected verdict, expected code
    ("C1", "Mario Rossi", VALID, 120.5, "OK", None),
    ("C2", "Anna Verdi", "IT65A0542811101000000123456", 10, "ERRORE", "BAD_CIN"),
    ("C3", "Luca Neri", "", 0, "ERRORE", "EMPTY"),
    ("C4", "Sara Blu", "iban it60 x054 2811 1010 0000 0123 456", 5, "OK", None),
    ("C5", "Ugo Gialli", "IT60X O542811101000000123456".replace(" ", ""), 1, "ATTENZIONE", None),
    ("C6", "Ditta GmbH", "DE89370400440532013000", 7, "OK", None),
    ("C7", "Emirati", "AE070331234567890123456", 7, "ERRORE", "NOT_SEPA"),
    ("C8", '=HYPERLINK("http://x")', "=1+1", 3, "ERRORE", "BAD_CHARACTERS"),
    ("C9", "Pino Cessato", RETIRED, 9, "ERRORE", "BANK_RETIRED"),
    (
        "C10",
        "Ignoto",
        italian_iban("09999", "01600", "000000000077"),
        9,
        "ATTENZIONE",
        "UNKNOWN_BANK",
    ),
]


def _xlsx(path: Path, rows: list[tuple[object, ...]], header: tuple[str, ...]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Clienti")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)  # type: ignore[arg-type]
    book.close()
    return path


def _read(path: Path) -> tuple[list[str], list[tuple[object, ...]], list[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:], book.sheetnames


def test_xlsx_keeps_every_row_and_column_and_adds_verdicts(
    tmp_path: Path, snapshot: RegistrySnapshot
) -> None:
    source = _xlsx(
        tmp_path / "clienti.xlsx",
        [row[:4] for row in ROWS],
        ("Codice cliente", "Nome", "Coordinate IBAN", "Importo"),
    )
    summary = check_file(source, tmp_path / "esito.xlsx", snapshot, AS_OF)
    headers, rows, sheets = _read(tmp_path / "esito.xlsx")
    assert sheets == ["Verifica IBAN", "Riepilogo"]
    assert headers[:4] == ["Codice cliente", "Nome", "Coordinate IBAN", "Importo"]
    assert headers[4:] == [
        "IBAN normalizzato",
        "Esito",
        "Codice errore",
        "Messaggio",
        "Paese",
        "ABI",
        "Banca",
        "CAB",
        "Comune sportello",
        "IBAN proposto",
        "Affidabilità proposta",
    ]
    assert len(rows) == len(ROWS)
    by_code = {row[0]: dict(zip(headers, row, strict=True)) for row in rows}
    for code, _name, _iban, amount, verdict, error in ROWS:
        got = by_code[code]
        assert got["Esito"] == verdict, (code, got)
        if error:
            assert got["Codice errore"] == error, (code, got)
        assert got["Importo"] == amount  # numbers stay numbers
    assert by_code["C1"]["Banca"] == "Banca Esempio" and by_code["C1"]["ABI"] == "05428"
    assert by_code["C4"]["IBAN normalizzato"] == VALID
    assert by_code["C5"]["IBAN normalizzato"] == VALID  # the letter O in the ABI was a zero
    assert "caratteri simili" in str(by_code["C5"]["Messaggio"])
    assert by_code["C9"]["IBAN proposto"] == SUCCESSOR
    assert by_code["C9"]["Affidabilità proposta"] in ("alta", "media", "bassa")
    # Formula injection: text that Excel would evaluate comes out inert.
    assert str(by_code["C8"]["Nome"]).startswith("'=")
    assert summary.rows == len(ROWS)
    assert summary.verdicts == {"OK": 3, "WARNING": 2, "ERROR": 5}
    assert summary.codes["BAD_CIN"] == 1 and summary.proposals == 1


def test_summary_sheet_counts_and_chart(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    source = _xlsx(tmp_path / "in.xlsx", [row[2:3] for row in ROWS], ("IBAN",))
    check_file(source, tmp_path / "out.xlsx", snapshot, AS_OF, lang="en")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["IBAN check", "Summary"]
    summary = book["Summary"]
    cells: dict[str, object] = {}
    for row in summary.iter_rows(min_row=1, max_col=2):
        if row[0].value:  # the first table that names a label wins (verdicts before codes)
            cells.setdefault(str(row[0].value), row[1].value)
    assert cells["Rows checked"] == len(ROWS)
    assert cells["OK"] == 3 and cells["WARNING"] == 2 and cells["ERROR"] == 5
    assert len(summary._charts) == 1


def test_csv_in_windows_1252_with_semicolons(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    text = "Cliente;Intestatario;IBAN\r\nC1;Niccolò Città;" + VALID + "\r\nC2;Zoë;IT00\r\n"
    source = tmp_path / "lista.csv"
    source.write_bytes(text.encode("cp1252"))
    summary = check_file(source, tmp_path / "out.xlsx", snapshot, AS_OF)
    _, rows, _ = _read(tmp_path / "out.xlsx")
    assert [r[1] for r in rows] == ["Niccolò Città", "Zoë"]
    assert summary.verdicts == {"OK": 1, "WARNING": 0, "ERROR": 1}


def test_column_option_and_detection_by_content(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    source = _xlsx(
        tmp_path / "in.xlsx",
        [("A", VALID, "x"), ("B", "IT65A0542811101000000123456", "y")],
        ("Codice", "Conto di addebito", "Note"),
    )
    detected = check_file(source, tmp_path / "a.xlsx", snapshot, AS_OF)
    assert detected.column == "Conto di addebito"
    chosen = check_file(source, tmp_path / "b.xlsx", snapshot, AS_OF, column="conto DI addebito")
    assert chosen.verdicts == detected.verdicts
    with pytest.raises(ImportFileError, match=r"no column named 'Conto'.*Codice, Conto di"):
        check_file(source, tmp_path / "c.xlsx", snapshot, AS_OF, column="Conto")


def test_bad_files_are_refused_clearly(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportFileError, match="empty"):
        check_file(empty, tmp_path / "o.xlsx", snapshot, AS_OF)
    no_iban = _xlsx(tmp_path / "noiban.xlsx", [("A", "Rossi")], ("Codice", "Nome"))
    with pytest.raises(ImportFileError, match=r"no IBAN column found.*Codice, Nome"):
        check_file(no_iban, tmp_path / "o.xlsx", snapshot, AS_OF)
    numbers = _xlsx(
        tmp_path / "numbers.xlsx", [("A", 1.2345678901234567e25), ("B", 5.4e25)], ("Codice", "IBAN")
    )
    with pytest.raises(ImportFileError, match="column 'IBAN': the cells are numbers"):
        check_file(numbers, tmp_path / "o.xlsx", snapshot, AS_OF)
    header_only = _xlsx(tmp_path / "header.xlsx", [], ("IBAN",))
    with pytest.raises(ImportFileError, match="no rows"):
        check_file(header_only, tmp_path / "o.xlsx", snapshot, AS_OF)
    with pytest.raises(ImportFileError, match=r"must be an \.xlsx"):
        check_file(no_iban, tmp_path / "o.csv", snapshot, AS_OF)


def test_blank_rows_are_kept_as_empty_errors(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    rows = [("A", VALID), ("B", ""), ("C", "   "), ("D", VALID)]
    source = _xlsx(tmp_path / "in.xlsx", rows, ("Codice", "IBAN"))
    summary = check_file(source, tmp_path / "out.xlsx", snapshot, AS_OF)
    _, out, _ = _read(tmp_path / "out.xlsx")
    assert [r[0] for r in out] == ["A", "B", "C", "D"]
    assert summary.codes["EMPTY"] == 2


def test_a_row_with_too_many_fields_is_kept_not_dropped(
    tmp_path: Path, snapshot: RegistrySnapshot
) -> None:
    source = tmp_path / "lista.csv"
    source.write_text(f"Codice;IBAN\nA;{VALID}\nB;Rossi; Bianchi;{VALID}\nC;{VALID}\n")
    summary = check_file(source, tmp_path / "out.xlsx", snapshot, AS_OF)
    headers, rows, _ = _read(tmp_path / "out.xlsx")
    assert summary.rows == 3 and [r[0] for r in rows] == ["A", "B", "C"]
    assert headers[2] == "Campi in eccesso"
    by_code = {r[0]: dict(zip(headers, r, strict=True)) for r in rows}
    assert by_code["B"]["Campi in eccesso"] == f" Bianchi;{VALID}"
    assert by_code["B"]["Esito"] == "ERRORE"  # "Rossi" is what the IBAN column holds


def test_a_million_rows_mostly_blank(tmp_path: Path, snapshot: RegistrySnapshot) -> None:
    """Interior blank rows stay (row N out is row N in); the trailing ones are formatting."""
    lines = ["Codice;IBAN", f"A;{VALID}"]
    lines += [";"] * 500_000
    lines += [f"B;{VALID}", "C;"]
    lines += [";"] * 500_000
    source = tmp_path / "big.csv"
    source.write_text("\n".join(lines) + "\n")
    summary = check_file(source, tmp_path / "out.xlsx", snapshot, AS_OF)
    assert summary.rows == 500_003
    assert summary.verdicts == {"OK": 2, "WARNING": 0, "ERROR": 500_001}
    assert summary.codes["EMPTY"] == 500_001
