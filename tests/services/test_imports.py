"""Imports against real files written the way Italian exports look, on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import Engine, func, select

from riscossa.adapters.db import tables as t
from riscossa.domain.errors import ImportFileError
from riscossa.services.imports import import_file

CUSTOMERS_IT = (
    "Codice Cliente;Ragione Sociale;Codice Fiscale;Partita IVA;IBAN;Segmento;Bonus Sociale\n"
    "C001;Mario Rossi;RSSMRA85M01H501Q;;IT60 X054 2811 1010 0000 0123 456;domestico;no\n"
    "\n"
    "C002;Acme S.r.l.;;IT00743110157;;non domestico;\n"
    ";;;;;;\n"
    "C003;Niccolò Bianchi;BNCNCC80A01F205X;;;residenziale;sì\n"
)

INVOICES_IT = (
    "Numero Fattura;Codice Cliente;Data Emissione;Data Scadenza;Importo;Quota Energia;IVA;"
    "Tipo Documento\n"
    "F1;C001;01/02/2025;28/02/2025;€ 1.220,00;1.000,00;220,00;FT\n"
    "F2;C001;01/03/2025;31/03/2025;110,00;;;fattura\n"
    "F3;C002;01/03/2025;31/03/2025;2.500,50;;;\n"
    "NC1;C001;05/03/2025;05/03/2025;50,00;;;NC\n"
)


def write(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def customers_file(tmp_path: Path) -> Path:
    return write(tmp_path / "clienti.csv", CUSTOMERS_IT)


def test_italian_customers_file(engine: Engine, customers_file: Path) -> None:
    result = import_file(engine, "customers", customers_file)
    assert (result.imported, result.rejected, result.blank_rows) == (3, 0, 2)
    with engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(t.customers))}
    assert rows["C001"].iban == "IT60X0542811101000000123456"
    assert rows["C001"].tax_code_valid is True
    assert rows["C002"].kind == "business" and rows["C002"].segment == "business"
    assert rows["C003"].name == "Niccolò Bianchi" and rows["C003"].bonus_sociale is True


def test_reimport_changes_nothing_and_changes_are_updates(
    engine: Engine, customers_file: Path, tmp_path: Path
) -> None:
    import_file(engine, "customers", customers_file)
    again = import_file(engine, "customers", customers_file)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    changed = write(tmp_path / "c2.csv", CUSTOMERS_IT.replace("Mario Rossi", "Mario Rossi Jr"))
    result = import_file(engine, "customers", changed)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 2)
    assert count(engine, t.customers) == 3


def test_windows_1252_comma_separated_file(engine: Engine, tmp_path: Path) -> None:
    text = "customer_code,name,city\nX1,Società Città Più,Forlì\n"
    path = write(tmp_path / "c.csv", text, encoding="cp1252")
    result = import_file(engine, "customers", path)
    assert result.imported == 1
    with engine.connect() as conn:
        row = conn.execute(select(t.customers.c.name, t.customers.c.city)).one()
    assert tuple(row) == ("Società Città Più", "Forlì")


def test_missing_required_column_is_refused_before_any_row(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "Numero Fattura;Importo\nF1;10,00\n")
    with pytest.raises(ImportFileError) as info:
        import_file(engine, "invoices", path)
    message = str(info.value)
    assert "f.csv" in message and "customer_code" in message and "due_date" in message
    assert count(engine, t.import_files) == 0


def test_duplicates_and_bad_rows_are_rejected_with_row_and_column(
    engine: Engine, tmp_path: Path
) -> None:
    text = (
        "Codice Cliente;Ragione Sociale;Segmento\n"
        "A1;Uno;domestico\n"
        "A2;;domestico\n"
        "A1;Uno bis;domestico\n"
        "A3;Tre;marziano\n"
    )
    result = import_file(engine, "customers", write(tmp_path / "c.csv", text))
    assert result.imported == 1 and result.rejected == 3
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert errors[(3, "Ragione Sociale")] == "required value missing"
    assert errors[(4, "Codice Cliente")] == "duplicate customer code 'A1' (first at row 2)"
    assert "'marziano' is not a valid segment" in errors[(5, "Segmento")]
    assert all(e.file.endswith("c.csv") for e in result.errors)


def test_strict_imports_nothing_when_a_row_fails(engine: Engine, tmp_path: Path) -> None:
    text = "Codice Cliente;Ragione Sociale\nA1;Uno\nA2;\n"
    result = import_file(engine, "customers", write(tmp_path / "c.csv", text), strict=True)
    assert result.rejected == 1 and result.imported == 0 and not result.committed
    assert count(engine, t.customers) == 0
    assert count(engine, t.import_files) == 0


def test_invoices_with_lines_credit_notes_and_errors(
    engine: Engine, customers_file: Path, tmp_path: Path
) -> None:
    import_file(engine, "customers", customers_file)
    bad = (
        "F9;C999;01/03/2025;31/03/2025;10,00;;;\n"
        "F10;C001;01/03/2025;28/02/2025;10,00;;;\n"
        "F11;C001;01/03/2025;31/03/2025;100,00;90,00;;\n"
        "F12;C001;31/02/2025;31/03/2025;10,00;;;\n"
    )
    result = import_file(engine, "invoices", write(tmp_path / "f.csv", INVOICES_IT + bad))
    assert result.imported == 4 and result.rejected == 4
    messages = {e.row: e.message for e in result.errors}
    assert "unknown customer code 'C999'" in messages[6]
    assert messages[7] == "due date before the issue date"
    assert "lines add up to 9000 cents but the total is 10000" in messages[8]
    assert "'31/02/2025' is not a date" in messages[9]
    with engine.connect() as conn:
        inv = {r.number: r for r in conn.execute(select(t.invoices))}
    assert inv["F1"].amount_cents == 122000 and inv["F1"].due_date == dt.date(2025, 2, 28)
    assert (inv["F1"].energy_cents, inv["F1"].vat_cents) == (100000, 22000)
    assert inv["F1"].network_cents is None and inv["F3"].energy_cents is None
    assert inv["NC1"].kind == "credit_note" and inv["NC1"].amount_cents == -5000
    assert inv["F3"].amount_cents == 250050


def test_xlsx_with_excel_numbers_and_dates_equals_the_csv(
    engine: Engine, customers_file: Path, tmp_path: Path
) -> None:
    import_file(engine, "customers", customers_file)
    import_file(engine, "invoices", write(tmp_path / "f.csv", INVOICES_IT))
    path = tmp_path / "fatture.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    headers = INVOICES_IT.splitlines()[0].split(";")
    sheet.write_row(0, 0, headers)
    sheet.write_row(1, 0, ["F1", "C001"])
    sheet.write_datetime(1, 2, dt.datetime(2025, 2, 1), date_format)
    sheet.write_datetime(1, 3, dt.datetime(2025, 2, 28), date_format)
    sheet.write_number(1, 4, 1220)
    sheet.write_number(1, 5, 1000)
    sheet.write_number(1, 6, 220)
    sheet.write_string(1, 7, "FT")
    sheet.write_row(3, 0, ["F2", "C001", "01/03/2025", "31/03/2025", "110,00", None, None, "FT"])
    book.close()
    result = import_file(engine, "invoices", path)
    assert (result.imported, result.updated, result.unchanged, result.rejected) == (0, 0, 2, 0)
    assert result.blank_rows == 1


def test_payments_allocate_declared_invoices_once(
    engine: Engine, customers_file: Path, tmp_path: Path
) -> None:
    import_file(engine, "customers", customers_file)
    import_file(engine, "invoices", write(tmp_path / "f.csv", INVOICES_IT))
    text = (
        "bank_reference,amount,value_date,customer_code,payer_name,reference,invoice_numbers\n"
        "B1,1220.00,2025-02-27,C001,Mario Rossi,Fattura F1,F1\n"
        "B2,100.00,2025-03-20,,Mario Rossi,acconto,F2\n"
        "B3,50.00,2025-03-21,,Mario Rossi,saldo,F2 F404\n"
        "B4,30.00,2025-03-20,,Sconosciuto,,\n"
        "B5,-5,2025-03-20,,,,\n"
    )
    path = write(tmp_path / "p.csv", text)
    result = import_file(engine, "payments", path)
    assert result.imported == 4 and result.rejected == 1 and result.allocated == 3
    warnings = [w.message for w in result.warnings]
    assert any("F404" in w and "not found" in w for w in warnings)
    with engine.connect() as conn:
        pay = {r.bank_reference: r for r in conn.execute(select(t.payments))}
        inv = {r.number: r for r in conn.execute(select(t.invoices))}
    assert inv["F1"].allocated_cents == 122000
    assert inv["F2"].allocated_cents == 11000  # 100 + 10 of B3, never more than the item
    assert pay["B3"].allocated_cents == 1000 and pay["B3"].customer_id == inv["F2"].customer_id
    assert pay["B4"].status == "unapplied" and pay["B4"].customer_id is None
    again = import_file(engine, "payments", path)
    assert (again.imported, again.unchanged, again.allocated) == (0, 4, 0)
    assert count(engine, t.allocations) == 3


def test_a_failure_mid_file_leaves_nothing_behind(
    engine: Engine, customers_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import riscossa.services.imports as imports

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "insert_frame", boom)
    with pytest.raises(RuntimeError):
        import_file(engine, "customers", customers_file)
    assert count(engine, t.customers) == 0 and count(engine, t.import_files) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\n\n  \n", "empty"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx", ".xls")],
)
def test_unreadable_files_are_refused(
    engine: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_file(engine, "customers", path)


def test_ragged_rows_name_the_line(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "Codice Cliente;Ragione Sociale\nA1;Uno\nA2;Due;extra;more\n")
    with pytest.raises(ImportFileError, match=r"row 3: 4 fields but the header has 2"):
        import_file(engine, "customers", path)
