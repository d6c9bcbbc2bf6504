"""SWIFT MT940 customer statement, as banks export it for multi-bank setups.

Files come bare (``:20:`` first), behind a one-line ``:940:`` export header (Rabobank), or
in SWIFT blocks ``{1:..}{2:..}{3:..}{4:`` ... ``-}{5:..}``; with CRLF, LF or CR line ends;
several statements one after the other, each opened by its ``:20:``. A field runs until the
next line that starts with a tag; its lines are joined as they were wrapped (65 characters
a line), so no space is invented inside a word or a reference.

``:61:`` marks: C credit, D debit, RC reversal of a credit (money taken back, a debit),
RD reversal of a debit (a credit). A letter after the mark is the third letter of the
currency code ("CR" is a credit in EUR, not a reversal).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from riscossa.banking.statement_model import Statement, StatementEntry, check_control_figures
from riscossa.domain.errors import ImportFileError

FORMAT = "MT940"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TAG = re.compile(r":(\d{2}[A-Z]?):")
_KNOWN_TAGS = frozenset(
    {"13", "13D", "20", "21", "25", "25P", "28", "28C", "34F", "60F", "60M", "61", "62F", "62M"}
    | {"64", "65", "86", "90C", "90D"}
)
_BALANCE = re.compile(r"([CD])(\d{6})([A-Z]{3})(\d+(?:,\d*)?)")
_LINE = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<fund>[A-Z])?"
    r"(?P<amount>\d+(?:,\d*)?) ?(?P<type>[NSF][A-Z0-9 ]{3})"
    r"(?P<customer>.*?)(?://(?P<bank>.*))?"
)
_SLASH_CODES = re.compile(
    r"/(EREF|NAME|REMI|IBAN|CNTP|ORDP|BENM|ADDR|ISDT|MARF|CSID|PREF|RTRN|TRCD|BIC|PURP)/"
)
_BALANCES = frozenset({"60", "62", "64", "65", "90"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # SOH/ETX framing bytes
_SUBFIELD = re.compile(r"\?(\d{2})")


def looks_like(data: bytes) -> bool:
    """An MT940 file: a SWIFT block header, or the :20: field among its first lines."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf\r\n \t")
    return head.startswith(b"{1:") or head.startswith(b":20:") or b"\n:20:" in head[:400]


def parse_mt940(
    data: bytes, *, what: str = "MT940 statement", encoding: str = "utf-8"
) -> tuple[Statement, ...]:
    """Every statement of an MT940 file, each checked against its balances.

    Bytes that are not valid in ``encoding`` are read as Latin-1: DOS-era exports use
    national code pages, and a wrong letter in a name is better than a refused file.
    """
    try:
        content = data.decode(encoding)
    except UnicodeDecodeError:
        content = data.decode("latin-1")
    fields = _fields(_LINE_BREAK.split(content.removeprefix("\ufeff")), what)
    groups: list[list[tuple[str, str, int]]] = []
    for field in fields:
        if field[0] == "20":
            groups.append([])
        if not groups:
            raise ImportFileError(f"{what}: line {field[2]}: :{field[0]}: before the first :20:")
        groups[-1].append(field)
    if not groups:
        raise ImportFileError(f"{what}: no MT940 statement (no :20: field) in the file")
    return tuple(check_control_figures(_statement(group, what), what=what) for group in groups)


def _fields(lines: list[str], what: str) -> list[tuple[str, str, int]]:
    """(tag, value, line number) of every field, SWIFT block wrappers removed."""
    fields: list[tuple[str, str, int]] = []
    between = True  # before the first field, or after a message's end
    for number, raw in enumerate(lines, start=1):
        line = _CONTROL.sub("", raw).rstrip()
        if not line.strip():
            continue
        if line.startswith("{"):
            opened = line.find("{4:")
            if opened < 0:
                continue
            line = line[opened + 3 :]
            if not line.strip():
                continue
        last = fields[-1][0] if fields else ""
        if _ends_message(line, lines, number) or (line == "-" and last[:2] in _BALANCES):
            between = True
            continue
        if number == 1 and line == ":940:":
            continue
        tag = _TAG.match(line)
        if tag is not None and tag.group(1) not in _KNOWN_TAGS and fields:
            tag = None  # ":12:" inside a wrapped :86: text is text
        if tag is None:
            if between and not line.startswith(":"):
                continue  # a transmission header before a message ("ABNANL2A", "940")
            if not fields:
                raise ImportFileError(
                    f"{what}: line {number}: {line[:20]!r} is not an MT940 field "
                    "(the file should start with :20: or a SWIFT {1: block)"
                )
            fields[-1] = (fields[-1][0], fields[-1][1] + "\n" + line, fields[-1][2])
            continue
        if tag.group(1) not in _KNOWN_TAGS:
            raise ImportFileError(f"{what}: line {number}: unknown MT940 field :{tag.group(1)}:")
        between = False
        fields.append((tag.group(1), line[tag.end() :], number))
    return fields


def _ends_message(line: str, lines: list[str], number: int) -> bool:
    """ "-}", "-}{5:...}", "}" or a "-" that is followed by a tag, a block or the end."""
    if line.startswith("-}") or line == "}":
        return True
    if line != "-":
        return False
    following = next((later.strip() for later in lines[number:] if later.strip()), "")
    return not following or following.startswith(("{", "}", ":"))


def _statement(group: list[tuple[str, str, int]], what: str) -> Statement:
    values: dict[str, tuple[str, int]] = {}
    entries: list[StatementEntry] = []
    for tag, value, number in group:
        if tag == "61":
            entries.append(_entry(value, number, what))
        elif tag == "86" and entries and entries[-1].remittance_text is None:
            entries[-1] = _with_details(entries[-1], value)
        else:
            values.setdefault(tag[:2], (value, number))
    statement_id = values["20"][0].replace("\n", "").strip()
    where = f"{what}: statement {statement_id!r}"
    for tag, name in (
        ("25", "account (:25:)"),
        ("60", "opening balance (:60F:)"),
        ("62", "closing balance (:62F:)"),
    ):
        if tag not in values:
            raise ImportFileError(f"{where}: the {name} is missing")
    opening = _balance(*values["60"], where)
    closing = _balance(*values["62"], where)
    return Statement(
        format=FORMAT,
        statement_id=statement_id,
        account_id=_account(values["25"][0], opening[2]),
        currency=opening[2],
        opening_balance_cents=opening[0],
        closing_balance_cents=closing[0],
        opening_date=opening[1],
        closing_date=closing[1],
        entries=tuple(entries),
    )


def _account(value: str, currency: str) -> str:
    """The account as given, without the currency some banks append ("NL..INGB..EUR")."""
    account = value.replace("\n", "").strip()
    if account.endswith(currency) and len(account) > len(currency) + 8:
        account = account[: -len(currency)]
    return account.strip()


def _balance(value: str, number: int, what: str) -> tuple[int, dt.date, str]:
    matched = _BALANCE.fullmatch(value.strip())
    if matched is None:
        raise ImportFileError(f"{what}: line {number}: {value!r} is not an MT940 balance")
    cents = _cents(matched.group(4))
    return (
        -cents if matched.group(1) == "D" else cents,
        _date(matched.group(2), number, what),
        matched.group(3),
    )


def _entry(value: str, number: int, what: str) -> StatementEntry:
    first, _, supplementary = value.partition("\n")
    matched = _LINE.fullmatch(first.strip())
    if matched is None:
        raise ImportFileError(f"{what}: line {number}: {first!r} is not an MT940 statement line")
    value_date = _date(matched.group("value"), number, what)
    mark = matched.group("mark")
    cents = _cents(matched.group("amount"))
    customer = matched.group("customer").strip()
    bank = (matched.group("bank") or "").strip() or supplementary.split("\n")[0].strip()
    return StatementEntry(
        amount_cents=-cents if mark in ("D", "RC") else cents,
        booking_date=_entry_date(value_date, matched.group("entry"), number, what),
        value_date=value_date,
        reversal=mark.startswith("R"),
        bank_reference=bank or (customer if customer.upper() != "NONREF" else None) or None,
        bank_transaction_code=matched.group("type").strip(),
    )


def _with_details(entry: StatementEntry, value: str) -> StatementEntry:
    """The :86: text, and the payer and references where the bank structures them."""
    text = value.replace("\n", "")
    codes = _slash_codes(text) if _SLASH_CODES.search(text) else {}
    subfields = _subfields(text) if _SUBFIELD.search(text) else {}
    end_to_end = codes.get("EREF")
    name = codes.get("NAME")
    iban = codes.get("IBAN")
    if "CNTP" in codes:  # ING: /CNTP/account/bic/name/city/
        parts = codes["CNTP"].split("/")
        iban = iban or (parts[0] or None)
        name = name or (parts[2] if len(parts) > 2 and parts[2] else None)
    remittance = codes.get("REMI", "").removeprefix("USTD//").strip("/") or None
    if subfields:
        free = "".join(subfields.get(f"{n}", "") for n in range(20, 30)) + "".join(
            subfields.get(f"{n}", "") for n in range(60, 64)
        )
        eref = re.search(r"EREF\+(.*?)(?=(?:[A-Z]{4}\+)|$)", free)
        end_to_end = end_to_end or (eref.group(1).strip() if eref else None)
        name = name or ((subfields.get("32", "") + subfields.get("33", "")).strip() or None)
        iban = iban or (subfields.get("31", "").strip() or None)
        remittance = remittance or free.strip() or None
    return StatementEntry(
        amount_cents=entry.amount_cents,
        booking_date=entry.booking_date,
        value_date=entry.value_date,
        reversal=entry.reversal,
        bank_reference=entry.bank_reference,
        end_to_end_id=end_to_end if end_to_end and end_to_end != "NOTPROVIDED" else None,
        remittance_text=remittance or text.strip() or None,
        payer_name=name,
        payer_iban=iban,
        bank_transaction_code=entry.bank_transaction_code,
    )


def _slash_codes(text: str) -> dict[str, str]:
    """``/CODE/value/CODE/value`` (Dutch banks) as a dict of the codes this reader uses."""
    found: dict[str, str] = {}
    marks = list(_SLASH_CODES.finditer(text))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        found.setdefault(mark.group(1), text[mark.end() : end].strip("/").strip())
    return found


def _subfields(text: str) -> dict[str, str]:
    """German ``?NN`` subfields (?20-?29 remittance, ?31 IBAN, ?32-?33 name)."""
    parts = _SUBFIELD.split(text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _cents(raw: str) -> int:
    whole, _, fraction = raw.partition(",")
    value = Decimal(f"{whole}.{fraction or '0'}") * 100
    if value != value.to_integral_value():
        raise ImportFileError(f"MT940 amount {raw} has a fraction of a cent")
    return int(value)


def _date(raw: str, number: int, what: str) -> dt.date:
    year = int(raw[:2])
    try:
        return dt.date(2000 + year if year < 80 else 1900 + year, int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        raise ImportFileError(f"{what}: line {number}: {raw!r} is not a date (YYMMDD)") from None


def _entry_date(value_date: dt.date, raw: str | None, number: int, what: str) -> dt.date | None:
    """The booking date MMDD, in the year that puts it nearest the value date."""
    if raw is None:
        return None
    candidates = [
        dt.date(value_date.year + shift, int(raw[:2]), int(raw[2:]))
        for shift in (-1, 0, 1)
        if _valid(value_date.year + shift, raw)
    ]
    if not candidates:
        raise ImportFileError(f"{what}: line {number}: {raw!r} is not a booking date (MMDD)")
    return min(candidates, key=lambda day: abs((day - value_date).days))


def _valid(year: int, raw: str) -> bool:
    try:
        dt.date(year, int(raw[:2]), int(raw[2:]))
    except ValueError:
        return False
    return True
