"""What a work lot is handed over as: a CSV or XLSX list, or formal-notice letters in PDF.

The list is what a print centre, an SMS gateway or a dialler imports: one row per customer
with the contact data, the amount, the unpaid invoices, the action and the channel. It is
written by ``tabular_writer``, so CSV is UTF-8 with BOM, ``;``-separated with Italian
amounts and dates, and every text cell (in CSV and XLSX alike) is neutralised against
formula injection by the project's one guard. Phone numbers are written as E.164 digits
without the ``+`` (``393331234567``): that is what gateways and diallers import, and a
leading ``+`` would be neutralised into ``'+39...``, which none of them would dial.

Letters are the formal notice (costituzione in mora) ARERA requires before a supply is
reduced or suspended: one A4 page per customer, folded in three into a window envelope,
listing every unpaid invoice, the payment deadline, how to pay, what happens otherwise and
the customer's rights. The Garante privacy forbids telling third parties about the debt,
so what shows through the window (sender and recipient) is checked to say nothing of it.
Regulated figures (compensation, the water minimum) are settings; the dates come from the
regulatory clocks, never from here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF

from riscossa.adapters.tabular_writer import (
    ITALIAN_CSV,
    Cell,
    Column,
    ColumnKind,
    CsvTableWriter,
    XlsxTableWriter,
    format_amount_it,
)
from riscossa.domain.customers import Customer
from riscossa.domain.errors import RiscossaError, ValidationError
from riscossa.domain.ledger import OpenItem

LOT_COLUMNS: tuple[Column, ...] = (
    Column("Lotto"),
    Column("Codice cliente"),
    Column("Nominativo"),
    Column("Indirizzo"),
    Column("CAP"),
    Column("Comune"),
    Column("Provincia"),
    Column("Telefono"),
    Column("Email"),
    Column("PEC"),
    Column("Importo scaduto", ColumnKind.AMOUNT),
    Column("Fatture"),
    Column("Scadenza più vecchia", ColumnKind.DATE),
    Column("Azione"),
    Column("Canale"),
)

_PHONE_NOISE = re.compile(r"[\s./()\-]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FIXED_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class LetterError(RiscossaError):
    """A letter cannot be printed as asked (it would not fit its page, or would show the
    debt through the envelope window)."""


@dataclass(frozen=True, slots=True)
class LotEntry:
    """One customer's row of a lot: the unpaid items, the action and its channel."""

    customer: Customer
    items: tuple[OpenItem, ...]
    action: str
    channel: str

    @property
    def amount_cents(self) -> int:
        return sum(item.open_amount.cents for item in self.items)

    @property
    def oldest_due(self) -> dt.date | None:
        return min((item.due_date for item in self.items), default=None)


def dialable(phone: str) -> str:
    """``+39 333 123.4567``, ``0039...`` or ``333 1234567`` -> ``393331234567``; anything
    that is not a phone number comes back as it was (and is neutralised on writing)."""
    digits = _PHONE_NOISE.sub("", phone)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits[:1] in ("0", "3") and 6 <= len(digits) <= 11:
        digits = "39" + digits  # an Italian number written without the country code
    if digits.isdigit() and 8 <= len(digits) <= 15:
        return digits
    return phone


def lot_rows(lot_code: str, entries: Iterable[LotEntry]) -> list[tuple[Cell, ...]]:
    """The rows of ``LOT_COLUMNS`` for a lot, in the order of the entries."""
    rows: list[tuple[Cell, ...]] = []
    for entry in entries:
        c = entry.customer
        rows.append(
            (
                lot_code,
                c.code,
                c.name,
                c.address,
                c.postcode,
                c.city,
                c.province,
                dialable(c.phone) if c.phone else "",
                c.email,
                c.pec,
                entry.amount_cents,
                ", ".join(item.number for item in entry.items),
                entry.oldest_due,
                entry.action,
                entry.channel,
            )
        )
    return rows


def write_lot_csv(path: Path, lot_code: str, entries: Iterable[LotEntry]) -> int:
    """The lot as Italian CSV; returns the number of customers written."""
    rows = lot_rows(lot_code, entries)
    with CsvTableWriter(path, LOT_COLUMNS, ITALIAN_CSV) as out:
        out.write_rows(rows)
    return len(rows)


def write_lot_xlsx(path: Path, lot_code: str, entries: Iterable[LotEntry]) -> int:
    """The lot as one XLSX sheet named after it; returns the number of customers written."""
    rows = lot_rows(lot_code, entries)
    sheet = _SHEET_FORBIDDEN.sub("_", f"Lotto {lot_code}")[:31]
    with XlsxTableWriter(path, LOT_COLUMNS, sheet_name=sheet) as out:
        out.write_rows(rows)
    return len(rows)


# --- formal-notice letters --------------------------------------------------------------


class Supply(StrEnum):
    """What the consequences of not paying are depends on the supply."""

    ELECTRICITY_LOW_VOLTAGE = "electricity_low_voltage"
    ELECTRICITY = "electricity"  # medium and high voltage
    GAS = "gas"
    WATER = "water"


class Delivery(StrEnum):
    RACCOMANDATA = "raccomandata"
    PEC = "pec"


@dataclass(frozen=True, slots=True)
class Sender:
    """The creditor as printed on the letter; the first four fields show in the window."""

    name: str
    address: str
    postcode: str
    city: str
    province: str = ""
    vat_number: str = ""
    phone: str = ""
    email: str = ""
    pec: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    """Where the address block sits on the A4 page, in mm from the top-left corner.

    The default suits the common DL (110 x 220 mm) envelope with the window on the right
    and a page folded in three; a print centre's envelope may need other figures.
    """

    left: float = 110.0
    top: float = 48.0
    width: float = 88.0
    height: float = 40.0


@dataclass(frozen=True, slots=True)
class LetterSettings:
    """The parts of a notice that are the creditor's choice or a regulated figure."""

    sender: Sender
    place: str
    payment_methods: tuple[str, ...]
    compensation_without_notice_cents: int = 3_000
    compensation_terms_not_respected_cents: int = 2_000
    water_minimum_litres: int = 50
    window: Window = field(default_factory=Window)


@dataclass(frozen=True, slots=True)
class NoticeLetter:
    """One customer's notice: dated ``letter_date``, payable by ``deadline``; the supply
    may be acted on from ``action_from`` (both dates from the regulatory clocks)."""

    entry: LotEntry
    letter_date: dt.date
    deadline: dt.date
    action_from: dt.date
    supply: Supply
    delivery: Delivery = Delivery.RACCOMANDATA

    def __post_init__(self) -> None:
        code = self.entry.customer.code
        if not self.entry.items:
            raise ValidationError(f"notice to customer {code}: no unpaid invoice to list")
        if self.deadline <= self.letter_date:
            raise ValidationError(
                f"notice to customer {code}: deadline {self.deadline} not after the letter "
                f"date {self.letter_date}"
            )
        if self.action_from <= self.deadline:
            raise ValidationError(
                f"notice to customer {code}: action from {self.action_from} not after the "
                f"deadline {self.deadline}"
            )


ENVELOPE_FORBIDDEN = re.compile(
    r"\b(recupero|credit[oi]|mora|morosit\w*|sollecit\w*|insolut\w*|debit\w*|diffida"
    r"|sospension\w*|distacc\w*|legale)\b",
    re.IGNORECASE,
)
"""Words that would tell the postman or a neighbour about a debt (Garante privacy, 2005)."""

FULL_TABLE_ROWS = 8
"""Up to this many invoices are listed one per line, with issue and due date."""
MAX_ITEM_ROWS = 20
"""Up to this many are listed in two columns; more are summed up in one line, so that the
notice stays one page."""

_SUPPLY_NAMES = {
    Supply.ELECTRICITY_LOW_VOLTAGE: "energia elettrica",
    Supply.ELECTRICITY: "energia elettrica",
    Supply.GAS: "gas naturale",
    Supply.WATER: "servizio idrico integrato",
}
_DELIVERY_NAMES = {Delivery.RACCOMANDATA: "Raccomandata A/R", Delivery.PEC: "Inviata via PEC"}
_PAGE_BOTTOM = 287.0
_LEFT = 20.0
_WIDTH = 170.0


def euro(cents: int) -> str:
    """``123456`` -> ``1.234,56 €``."""
    return f"{format_amount_it(cents)} €"


def day(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


def window_lines(settings: LetterSettings, customer: Customer) -> tuple[str, ...]:
    """What shows through the envelope window: the sender's return line, then the recipient.

    The sender's part is ours to word, so it must not hint at a debt; the recipient's is
    their name and address, whatever they are.
    """
    s = settings.sender
    sender_line = " · ".join(
        part for part in (s.name, s.address, f"{s.postcode} {s.city} {s.province}".strip()) if part
    )
    found = ENVELOPE_FORBIDDEN.search(sender_line)
    if found:
        raise LetterError(
            f"sender {s.name!r}: {found.group(0)!r} would show through the envelope window"
        )
    place = " ".join(part for part in (customer.postcode, customer.city, customer.province) if part)
    return (sender_line, customer.name, customer.address, place)


def notice_paragraphs(letter: NoticeLetter, settings: LetterSettings) -> dict[str, list[str]]:
    """The wording of a notice, by section, so it is read and tested apart from the layout."""
    entry, customer = letter.entry, letter.entry.customer
    s = settings.sender
    supply = _SUPPLY_NAMES[letter.supply]
    contacts = _contacts(s)
    opening = [
        "Gentile Cliente,",
        "dalle nostre verifiche risultano non ancora pagate, alla data di questa lettera, le "
        f"seguenti fatture relative alla fornitura di {supply}:",
    ]
    demand = [
        "Con la presente La costituiamo formalmente in mora e La invitiamo a pagare l'importo "
        f"complessivo di {euro(entry.amount_cents)} entro il {day(letter.deadline)} "
        "(termine ultimo di pagamento).",
    ]
    paying = [
        "Come pagare:",
        *(f"- {method}" for method in settings.payment_methods),
        f"Indichi sempre nella causale il codice cliente {customer.code}.",
        "Se ha già pagato, ci invii copia della ricevuta"
        + (f" ({contacts})" if contacts else "")
        + ": in questo caso non daremo seguito a questa comunicazione.",
    ]
    return {
        "opening": opening,
        "demand": demand,
        "paying": paying,
        "consequences": _consequences(letter, settings),
        "rights": _rights(letter, settings, contacts),
    }


def _contacts(s: Sender) -> str:
    parts = [f"tel. {s.phone}" if s.phone else "", f"email {s.email}" if s.email else ""]
    parts.append(f"PEC {s.pec}" if s.pec else "")
    return ", ".join(p for p in parts if p)


def _consequences(letter: NoticeLetter, settings: LetterSettings) -> list[str]:
    start = (
        "Se il pagamento non ci perverrà entro il termine indicato, a partire dal "
        f"{day(letter.action_from)}"
    )
    interest = (
        "Sugli importi pagati in ritardo sono dovuti gli interessi di mora previsti dal contratto."
    )
    if letter.entry.customer.non_disconnectable:
        return [
            "Cosa succede se non paga:",
            "La Sua fornitura è tra quelle che non possono essere sospese: in mancanza di "
            "pagamento tuteleremo le nostre ragioni nelle sedi previste dalla legge.",
            interest,
        ]
    if letter.supply is Supply.ELECTRICITY_LOW_VOLTAGE:
        action = (
            f"{start} potremo chiedere al distributore di ridurre la potenza disponibile al 15% "
            "e, trascorsi 15 giorni dalla riduzione senza che il pagamento sia avvenuto, di "
            "sospendere la fornitura."
        )
    elif letter.supply is Supply.WATER:
        action = (
            f"{start} potremo limitare e successivamente sospendere la fornitura. Per le utenze "
            "domestiche residenti in condizioni di disagio economico e sociale è prevista la "
            "sola limitazione, garantendo il quantitativo minimo vitale di "
            f"{settings.water_minimum_litres} litri per abitante al giorno."
        )
    else:
        action = f"{start} potremo chiedere al distributore di sospendere la fornitura."
    return ["Cosa succede se non paga:", action, interest]


def _rights(letter: NoticeLetter, settings: LetterSettings, contacts: str) -> list[str]:
    rights = ["I Suoi diritti:"]
    suspendable = not letter.entry.customer.non_disconnectable
    if suspendable:
        rights.append(
            "La fornitura non può essere sospesa se ci ha comunicato di aver pagato, se ha "
            "presentato un reclamo scritto per fatturazione anomala al quale non abbiamo ancora "
            "risposto, o se l'importo non pagato non supera il deposito cauzionale versato; non "
            "può esserlo di venerdì, di sabato, nei giorni festivi e nei giorni che li precedono."
        )
    if suspendable and letter.supply is not Supply.WATER:
        rights.append(
            "Se la fornitura fosse sospesa o la potenza ridotta senza l'invio di questa "
            "comunicazione, avrà diritto a un indennizzo automatico di "
            f"{euro(settings.compensation_without_notice_cents)}; se lo fosse senza il rispetto "
            "dei termini qui indicati, a un indennizzo automatico di "
            f"{euro(settings.compensation_terms_not_respected_cents)}. In questi casi non Le "
            "saranno addebitati costi di sospensione e di riattivazione."
        )
    rights.append("Può chiederci di pagare a rate l'importo dovuto.")
    s = settings.sender
    where = ", ".join(
        p for p in (contacts, f"{s.address}, {s.postcode} {s.city} {s.province}".strip()) if p
    )
    rights.append(f"Per informazioni e reclami: {where}.")
    return rights


def write_notice_letters(
    path: Path, letters: Sequence[NoticeLetter], settings: LetterSettings
) -> int:
    """One page per letter, in the order given, into one PDF; returns the page count."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # the core fonts then print € and curly quotes
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, 15, 20)
    pdf.set_creation_date(_FIXED_CREATED)
    pdf.set_title("Comunicazione ai clienti")
    pdf.set_creator(settings.sender.name)
    pdf.set_lang("it")
    for letter in letters:
        _page(pdf, letter, settings)
    pdf.output(str(path))
    return len(letters)


def _page(pdf: FPDF, letter: NoticeLetter, settings: LetterSettings) -> None:
    customer = letter.entry.customer
    s = settings.sender
    pdf.add_page()
    # letterhead
    pdf.set_xy(_LEFT, 15)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(80, 6, _printable(s.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    for line in (
        s.address,
        f"{s.postcode} {s.city} {s.province}".strip(),
        f"P. IVA {s.vat_number}" if s.vat_number else "",
        _contacts(s),
    ):
        if line:
            pdf.cell(80, 4, _printable(line), new_x="LMARGIN", new_y="NEXT")
    # what shows through the window
    w = settings.window
    sender_line, *recipient = window_lines(settings, customer)
    pdf.set_xy(w.left, w.top)
    pdf.set_font("Helvetica", "", 6.5)
    pdf.cell(w.width, 4, _printable(sender_line), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_y(pdf.get_y() + 2)
    for line in recipient:
        if line:
            pdf.set_x(w.left)
            pdf.multi_cell(w.width, 5, _printable(line), new_x="LEFT", new_y="NEXT")
    # below the window: date, delivery, subject, body
    top = max(w.top + w.height, pdf.get_y()) + 2
    pdf.set_xy(_LEFT, top)
    pdf.set_font("Helvetica", "", 9.5)
    pdf.cell(
        _WIDTH / 2, 5, _printable(f"{settings.place}, {day(letter.letter_date)}"), new_x="RIGHT"
    )
    pdf.cell(
        _WIDTH / 2, 5, _DELIVERY_NAMES[letter.delivery], align="R", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(
        _WIDTH,
        5,
        _printable(
            f"Oggetto: costituzione in mora per fatture non pagate - codice cliente {customer.code}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    text = notice_paragraphs(letter, settings)
    _paragraphs(pdf, text["opening"], 9.5)
    _items_table(pdf, letter.entry)
    pdf.set_font("Helvetica", "B", 9.5)
    _paragraphs(pdf, text["demand"], 9.5, style="B")
    _paragraphs(pdf, text["paying"], 9, heading=True)
    _paragraphs(pdf, text["consequences"], 9, heading=True)
    _paragraphs(pdf, text["rights"], 7.5, heading=True)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 9.5)
    pdf.cell(_WIDTH, 5, "Distinti saluti", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(_WIDTH, 5, _printable(s.name), new_x="LMARGIN", new_y="NEXT")
    if pdf.get_y() > _PAGE_BOTTOM:
        raise LetterError(
            f"notice to customer {customer.code} does not fit one page: shorten the payment "
            "methods or the sender's details"
        )


def _paragraphs(
    pdf: FPDF, lines: list[str], size: float, *, style: str = "", heading: bool = False
) -> None:
    for number, line in enumerate(lines):
        bold = heading and number == 0
        pdf.set_font("Helvetica", "B" if bold else style, size)
        pdf.multi_cell(
            _WIDTH, size * 0.45, _printable(line), align="L", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(1.5)


def _items_table(pdf: FPDF, entry: LotEntry) -> None:
    """Up to ``FULL_TABLE_ROWS`` invoices one per line with both dates; more side by side in
    two columns (number, due date, amount); past ``MAX_ITEM_ROWS`` the rest in one line."""
    items = entry.items
    if len(items) <= FULL_TABLE_ROWS:
        _table(pdf, (45.0, 32.0, 33.0, 40.0), _FULL_TITLES, [_full_cells(i) for i in items])
    else:
        shown = items if len(items) <= MAX_ITEM_ROWS else items[: MAX_ITEM_ROWS - 1]
        cells = [_short_cells(i) for i in shown]
        half = (len(cells) + 1) // 2
        lines = [
            (*left, "", *(cells[half + n] if half + n < len(cells) else ("", "", "")))
            for n, left in enumerate(cells[:half])
        ]
        _table(pdf, (24.0, 22.0, 24.0, 10.0, 24.0, 22.0, 24.0), _TWO_SIDES, lines)
        rest = items[len(shown) :]
        if rest:
            pdf.set_x(_LEFT + 5)
            pdf.set_font("Helvetica", "", 8)
            pdf.cell(
                120,
                4,
                _printable(
                    f"altre {len(rest)} fatture, dalla {rest[0].number} alla {rest[-1].number}"
                ),
            )
            pdf.cell(30, 4, euro(sum(i.open_amount.cents for i in rest)), align="R")
            pdf.ln(4)
    pdf.set_x(_LEFT + 5)
    pdf.set_font("Helvetica", "B", 8.5)
    pdf.cell(120, 5, "Totale da pagare", border="T")
    pdf.cell(30, 5, euro(entry.amount_cents), border="T", align="R")
    pdf.ln(7)


_FULL_TITLES = ("Fattura n.", "Emessa il", "Scaduta il", "Importo non pagato")
_SHORT_TITLES = ("Fattura n.", "Scaduta il", "Non pagato")
_TWO_SIDES = (*_SHORT_TITLES, "", *_SHORT_TITLES)


def _full_cells(item: OpenItem) -> tuple[str, ...]:
    return (item.number, day(item.issue_date), day(item.due_date), euro(item.open_amount.cents))


def _short_cells(item: OpenItem) -> tuple[str, str, str]:
    return (item.number, day(item.due_date), euro(item.open_amount.cents))


def _table(
    pdf: FPDF,
    widths: tuple[float, ...],
    titles: tuple[str, ...],
    lines: Sequence[tuple[str, ...]],
) -> None:
    """A 150 mm table under the opening; amount columns right-aligned."""
    money = {n for n, title in enumerate(titles) if title in ("Importo non pagato", "Non pagato")}
    pdf.set_x(_LEFT + 5)
    pdf.set_font("Helvetica", "B", 8)
    for n, (width, title) in enumerate(zip(widths, titles, strict=True)):
        pdf.cell(width, 5, title, border="B" if title else "", align="R" if n in money else "L")
    pdf.ln(5)
    pdf.set_font("Helvetica", "", 8)
    for line in lines:
        pdf.set_x(_LEFT + 5)
        for n, (width, value) in enumerate(zip(widths, line, strict=True)):
            pdf.cell(width, 4, _printable(value), align="R" if n in money else "L")
        pdf.ln(4)


def _printable(text: str) -> str:
    """Text the PDF core fonts can print (Windows-1252): accents kept, other letters
    reduced to their base letter (``Dvořák`` -> ``Dvorák``), the rest replaced by ``?``."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        out = []
        for char in text:
            try:
                char.encode("cp1252")
                out.append(char)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
                out.append(base or "?")
        return "".join(out)
    return text
