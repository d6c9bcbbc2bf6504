"""Lot exports: CSV and XLSX lists read back exactly, and notice letters read back as text.

pypdf (a test-only dependency) extracts the letters' text and where each piece stands on
the page, so the test can tell what shows through the envelope window.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from riscossa.adapters.lot_exports import (
    LOT_COLUMNS,
    MAX_ITEM_ROWS,
    Delivery,
    LetterError,
    LetterSettings,
    LotEntry,
    NoticeLetter,
    Sender,
    Supply,
    Window,
    dialable,
    lot_rows,
    notice_paragraphs,
    window_lines,
    write_lot_csv,
    write_lot_xlsx,
    write_notice_letters,
)
from riscossa.domain.customers import Customer
from riscossa.domain.errors import ValidationError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import OpenItem
from riscossa.domain.money import Money

HEADER = [
    "Lotto",
    "Codice cliente",
    "Nominativo",
    "Indirizzo",
    "CAP",
    "Comune",
    "Provincia",
    "Telefono",
    "Email",
    "PEC",
    "Importo scaduto",
    "Fatture",
    "Scadenza più vecchia",
    "Azione",
    "Canale",
]


def item(number: str, issued: dt.date, cents: int, allocated: int = 0) -> OpenItem:
    return OpenItem(
        number=number,
        kind=InvoiceKind.INVOICE,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=20),
        amount=Money(cents),
        allocated=Money(allocated),
    )


ROSSI = Customer(
    code="C0001",
    name="Mario Rossi",
    phone="+39 333 123 4567",
    email="mario.rossi@example.it",
    address="Via Garibaldi 12",
    postcode="20121",
    city="Milano",
    province="MI",
)
BIANCHI = Customer(
    code="C0002",
    name='=HYPERLINK("http://x","Anna")',
    phone="0612345678",
    email="@anna",
    pec="anna.bianchi@pec.it",
    address="-Piazza Duomo 1",
    postcode="50122",
    city="Firenze",
    province="FI",
)
VERDI = Customer(
    code="C0003",
    name="Nicolò Dvořák Verdi",
    phone="n/d",
    address="Corso Italia 7; scala B",
    postcode="80121",
    city="Napoli",
    province="NA",
    non_disconnectable=True,
)

ENTRIES = (
    LotEntry(
        ROSSI,
        (
            item("2025/0100", dt.date(2025, 11, 3), 12_345),
            item("2025/0200", dt.date(2025, 12, 2), 111_111, allocated=11_111),
        ),
        "Costituzione in mora",
        "lettera",
    ),
    LotEntry(BIANCHI, (item("2026/0007", dt.date(2026, 1, 5), 4_990),), "+sms", "sms"),
    LotEntry(VERDI, (item("2025/0999", dt.date(2025, 10, 1), 250_000),), "Chiamata", "telefono"),
)


def test_phones_become_e164_digits() -> None:
    assert dialable("+39 333 123 4567") == "393331234567"
    assert dialable("0039 (06) 1234-5678") == "390612345678"
    assert dialable("333.1234567") == "393331234567"
    assert dialable("0612345678") == "390612345678"
    assert dialable("+41 44 668 18 00") == "41446681800"
    assert dialable("n/d") == "n/d"
    assert dialable("=1+1") == "=1+1"  # not a phone: left for the writer to neutralise
    assert dialable("12") == "12"


def test_rows_carry_what_a_print_centre_or_dialler_needs() -> None:
    rows = lot_rows("L-07", ENTRIES)
    assert len(LOT_COLUMNS) == len(HEADER) == len(rows[0])
    assert rows[0] == (
        "L-07",
        "C0001",
        "Mario Rossi",
        "Via Garibaldi 12",
        "20121",
        "Milano",
        "MI",
        "393331234567",
        "mario.rossi@example.it",
        "",
        112_345,
        "2025/0100, 2025/0200",
        dt.date(2025, 11, 23),
        "Costituzione in mora",
        "lettera",
    )


def test_csv_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "lotto.csv"
    assert write_lot_csv(path, "L-07", ENTRIES) == 3
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with io.StringIO(raw.decode("utf-8-sig"), newline="") as text:
        rows = list(csv.reader(text, delimiter=";"))
    assert rows == [
        HEADER,
        [
            "L-07",
            "C0001",
            "Mario Rossi",
            "Via Garibaldi 12",
            "20121",
            "Milano",
            "MI",
            "393331234567",
            "mario.rossi@example.it",
            "",
            "1.123,45",
            "2025/0100, 2025/0200",
            "23/11/2025",
            "Costituzione in mora",
            "lettera",
        ],
        [
            "L-07",
            "C0002",
            '\'=HYPERLINK("http://x","Anna")',
            "'-Piazza Duomo 1",
            "50122",
            "Firenze",
            "FI",
            "390612345678",
            "'@anna",
            "anna.bianchi@pec.it",
            "49,90",
            "2026/0007",
            "25/01/2026",
            "'+sms",
            "sms",
        ],
        [
            "L-07",
            "C0003",
            "Nicolò Dvořák Verdi",
            "Corso Italia 7; scala B",
            "80121",
            "Napoli",
            "NA",
            "n/d",
            "",
            "",
            "2.500,00",
            "2025/0999",
            "21/10/2025",
            "Chiamata",
            "telefono",
        ],
    ]


def test_xlsx_reads_back_with_formulas_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "lotto.xlsx"
    assert write_lot_xlsx(path, "L/07", ENTRIES) == 3
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Lotto L_07"]
    sheet = book.active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[1][:10] == [
        "L/07",
        "C0001",
        "Mario Rossi",
        "Via Garibaldi 12",
        "20121",
        "Milano",
        "MI",
        "393331234567",
        "mario.rossi@example.it",
        None,
    ]
    assert rows[1][10] == pytest.approx(1123.45)
    assert rows[1][11:] == [
        "2025/0100, 2025/0200",
        dt.datetime(2025, 11, 23),
        "Costituzione in mora",
        "lettera",
    ]
    assert rows[2][2] == '\'=HYPERLINK("http://x","Anna")'
    assert rows[2][3] == "'-Piazza Duomo 1"
    assert rows[2][8] == "'@anna"
    assert rows[2][13] == "'+sms"
    # no cell holds a formula: openpyxl would return the "=..." text of one
    formulas = [
        cell.coordinate
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value[:1] in "=+-@")
    ]
    assert formulas == []


# --- letters ---------------------------------------------------------------------------

SETTINGS = LetterSettings(
    sender=Sender(
        name="Luce & Gas Nord S.p.A.",
        address="Via Roma 1",
        postcode="20121",
        city="Milano",
        province="MI",
        vat_number="12345678903",
        phone="800 123 456",
        email="clienti@lucegasnord.it",
        pec="clienti@pec.lucegasnord.it",
    ),
    place="Milano",
    payment_methods=(
        "bonifico su IBAN IT60X0542811101000000123456 intestato a Luce & Gas Nord S.p.A.",
        "avviso pagoPA presso banche, uffici postali, tabaccherie e app di pagamento",
    ),
)
LETTER_DATE = dt.date(2026, 3, 2)
DEADLINE = dt.date(2026, 3, 20)
ACTION_FROM = dt.date(2026, 3, 27)


def letters() -> list[NoticeLetter]:
    supplies = (Supply.ELECTRICITY_LOW_VOLTAGE, Supply.GAS, Supply.WATER)
    return [
        NoticeLetter(entry, LETTER_DATE, DEADLINE, ACTION_FROM, supply)
        for entry, supply in zip(ENTRIES, supplies, strict=True)
    ]


def page_texts(path: Path) -> list[str]:
    """Each page's text with line breaks and runs of spaces made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_one_page_per_customer_with_deadline_and_amounts(tmp_path: Path) -> None:
    path = tmp_path / "lettere.pdf"
    assert write_notice_letters(path, letters(), SETTINGS) == 3
    texts = page_texts(path)
    assert len(texts) == 3
    rossi, bianchi, verdi = texts
    for text in texts:
        assert "entro il 20/03/2026" in text
        assert "a partire dal 27/03/2026" not in text or "non possono essere sospese" not in text
        assert "recupero crediti" not in text.lower()
        assert "Milano, 02/03/2026" in text
        assert "Raccomandata A/R" in text
    assert "123,45 €" in rossi
    assert "1.000,00 €" in rossi  # 1,111.11 less 111.11 already paid
    assert "complessivo di 1.123,45 €" in rossi
    assert "2025/0100" in rossi and "2025/0200" in rossi
    assert "ridurre la potenza disponibile al 15%" in rossi
    assert "indennizzo automatico di 30,00 €" in rossi
    assert "indennizzo automatico di 20,00 €" in rossi
    assert "codice cliente C0001" in rossi
    assert "IT60X0542811101000000123456" in rossi
    assert "49,90 €" in bianchi
    assert "sospendere la fornitura" in bianchi
    assert "ridurre la potenza" not in bianchi
    assert "2.500,00 €" in verdi
    assert "non possono essere sospese" in verdi
    assert "sospendere la fornitura" not in verdi
    assert "La fornitura non può essere sospesa se" not in verdi
    assert "La fornitura non può essere sospesa se ci ha comunicato di aver pagato" in rossi
    assert "Nicolò Dvorák Verdi" in verdi  # ř has no glyph in the core fonts: r


def test_water_notice_speaks_of_limitation_and_no_energy_compensation() -> None:
    entry = LotEntry(ROSSI, ENTRIES[0].items, "Costituzione in mora", "lettera")
    text = notice_paragraphs(
        NoticeLetter(entry, LETTER_DATE, DEADLINE, ACTION_FROM, Supply.WATER), SETTINGS
    )
    consequences = " ".join(text["consequences"])
    assert "a partire dal 27/03/2026 potremo limitare e successivamente sospendere" in consequences
    assert "50 litri per abitante al giorno" in consequences
    assert "indennizzo" not in " ".join(text["rights"])


def test_pec_notice_says_so(tmp_path: Path) -> None:
    path = tmp_path / "pec.pdf"
    letter = NoticeLetter(ENTRIES[0], LETTER_DATE, DEADLINE, ACTION_FROM, Supply.GAS, Delivery.PEC)
    write_notice_letters(path, [letter], SETTINGS)
    (text,) = page_texts(path)
    assert "Inviata via PEC" in text
    assert "Raccomandata" not in text


def test_window_shows_only_sender_and_recipient(tmp_path: Path) -> None:
    """Text placed inside the window rectangle (pypdf gives points from the bottom left)."""
    path = tmp_path / "finestra.pdf"
    write_notice_letters(path, letters()[:1], SETTINGS)
    page = PdfReader(path).pages[0]
    height = float(page.mediabox.height)
    w = SETTINGS.window
    mm = 72 / 25.4
    inside: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        if not text.strip():
            return
        left, top = x / mm, (height - y) / mm
        if w.left - 1 <= left <= w.left + w.width and w.top <= top <= w.top + w.height:
            inside.append(text.strip())

    page.extract_text(visitor_text=visit)
    assert inside == [
        "Luce & Gas Nord S.p.A. · Via Roma 1 · 20121 Milano MI",
        "Mario Rossi",
        "Via Garibaldi 12",
        "20121 Milano MI",
    ]
    assert window_lines(SETTINGS, ROSSI) == tuple(inside)


def test_a_sender_that_names_the_debt_is_refused(tmp_path: Path) -> None:
    loud = LetterSettings(
        sender=Sender("Ufficio Recupero Crediti", "Via Roma 1", "20121", "Milano"),
        place="Milano",
        payment_methods=("bonifico",),
    )
    with pytest.raises(LetterError, match="'Recupero' would show through the envelope window"):
        write_notice_letters(tmp_path / "x.pdf", letters()[:1], loud)
    with pytest.raises(LetterError, match="'morosità' would show"):
        window_lines(
            LetterSettings(Sender("Gestione morosità", "Via Roma 1", "1", "X"), "X", ()), ROSSI
        )
    # a customer's own name is theirs: Mora is a surname, not a word about debt
    assert window_lines(SETTINGS, Customer(code="C9", name="Giulia Mora"))[1] == "Giulia Mora"


def test_many_invoices_still_one_page(tmp_path: Path) -> None:
    items = tuple(
        item(f"2024/{n:04d}", dt.date(2024, 1, 1) + dt.timedelta(days=15 * n), 1_000 + n)
        for n in range(30)
    )
    entry = LotEntry(ROSSI, items, "Costituzione in mora", "lettera")
    path = tmp_path / "lunga.pdf"
    letter = NoticeLetter(entry, LETTER_DATE, DEADLINE, ACTION_FROM, Supply.GAS)
    assert write_notice_letters(path, [letter], SETTINGS) == 1
    (text,) = page_texts(path)
    shown = MAX_ITEM_ROWS - 1
    assert f"2024/{shown - 1:04d}" in text
    rest = sum(1_000 + n for n in range(shown, 30))
    assert f"altre {30 - shown} fatture, dalla 2024/{shown:04d} alla 2024/0029" in text
    assert f"{rest // 100},{rest % 100:02d} €" in text
    total = sum(1_000 + n for n in range(30))
    assert f"complessivo di {total // 100},{total % 100:02d} €" in text


def test_a_letter_that_cannot_fit_is_refused(tmp_path: Path) -> None:
    wordy = LetterSettings(
        sender=SETTINGS.sender,
        place="Milano",
        payment_methods=tuple("metodo di pagamento molto lungo " * 8 for _ in range(12)),
        window=Window(),
    )
    with pytest.raises(LetterError, match="notice to customer C0001 does not fit one page"):
        write_notice_letters(tmp_path / "x.pdf", letters()[:1], wordy)


def test_notice_dates_and_items_must_make_sense() -> None:
    entry = ENTRIES[0]
    with pytest.raises(ValidationError, match="C0001: deadline 2026-03-02 not after the letter"):
        NoticeLetter(entry, LETTER_DATE, LETTER_DATE, ACTION_FROM, Supply.GAS)
    with pytest.raises(ValidationError, match="C0001: action from 2026-03-20 not after the dead"):
        NoticeLetter(entry, LETTER_DATE, DEADLINE, DEADLINE, Supply.GAS)
    empty = LotEntry(ROSSI, (), "Costituzione in mora", "lettera")
    with pytest.raises(ValidationError, match="C0001: no unpaid invoice to list"):
        NoticeLetter(empty, LETTER_DATE, DEADLINE, ACTION_FROM, Supply.GAS)


def test_same_letters_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    write_notice_letters(first, letters(), SETTINGS)
    write_notice_letters(second, letters(), SETTINGS)
    assert first.read_bytes() == second.read_bytes()
