"""The demo portfolio: deterministic, importable, valid where meant to be, wrong where counted."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649

from riscossa.domain.customers import valid_tax_code, valid_vat_number
from riscossa.services.demo.codes import cin, codice_fiscale, italian_iban, pagopa_notice
from riscossa.services.demo_portfolio import PortfolioFiles, generate_portfolio
from riscossa.services.import_schemas import (
    BOOL_FALSE,
    BOOL_TRUE,
    SCHEMAS,
    FieldSpec,
    FieldType,
    normalise_choice,
    normalise_header,
)

AS_OF = dt.date(2026, 3, 31)
N = 200


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> PortfolioFiles:
    return generate_portfolio(tmp_path_factory.mktemp("demo"), customers=N, seed=7, as_of=AS_OF)


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    delimiter = ";" if raw.startswith(b"\xef\xbb\xbf") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def _cents(text: str) -> int:
    """Italian ``1.234,56`` or English ``1234.56`` to cents (test helper)."""
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    units, _, decimals = text.lstrip("-").partition(".")
    value = int(units) * 100 + int(decimals.ljust(2, "0"))
    return -value if text.startswith("-") else value


def _field_by_header(entity: str) -> dict[str, FieldSpec]:
    return {
        normalise_header(name): spec for spec in SCHEMAS[entity].fields for name in spec.all_names()
    }


FILES = {
    "customers": "customers",
    "contracts": "contracts",
    "invoices": "invoices",
    "payments": "payments",
}


@pytest.mark.parametrize("entity", list(FILES))
def test_headers_and_choices_are_accepted_by_the_import_schemas(
    portfolio: PortfolioFiles, entity: str
) -> None:
    rows = _read(getattr(portfolio, entity))
    known = _field_by_header(entity)
    headers = list(rows[0])
    assert all(normalise_header(h) in known for h in headers), headers
    assert len({known[normalise_header(h)].name for h in headers}) == len(headers)
    for header in headers:
        spec = known[normalise_header(header)]
        values = {row[header] for row in rows} - {""}
        if spec.type is FieldType.CHOICE:
            assert {normalise_choice(v) for v in values} <= set(spec.choices), header
        elif spec.type is FieldType.BOOL:
            assert {normalise_choice(v) for v in values} <= set(BOOL_TRUE + BOOL_FALSE)
    required = {s.name for s in SCHEMAS[entity].fields if s.required}
    assert required <= {known[normalise_header(h)].name for h in headers}


def test_same_seed_same_bytes_other_seed_other_bytes(
    portfolio: PortfolioFiles, tmp_path: Path
) -> None:
    again = generate_portfolio(tmp_path / "a", customers=N, seed=7, as_of=AS_OF)
    other = generate_portfolio(tmp_path / "b", customers=N, seed=8, as_of=AS_OF)
    for name in ("customers", "contracts", "invoices", "payments", "ground_truth"):
        first = getattr(portfolio, name).read_bytes()
        assert getattr(again, name).read_bytes() == first, name
        assert getattr(other, name).read_bytes() != first, name
    assert again.counts == portfolio.counts
    assert again.bad_data == portfolio.bad_data


def test_italian_conventions(portfolio: PortfolioFiles) -> None:
    head = portfolio.invoices.read_bytes()[:200]
    assert head.startswith(b"\xef\xbb\xbf" + b"Numero Fattura;")
    row = _read(portfolio.invoices)[0]
    day, month, year = row["Data Emissione"].split("/")
    assert dt.date(int(year), int(month), int(day))
    assert "," in row["Importo Totale"]
    assert portfolio.payments.read_bytes().startswith(b"bank_reference,amount,")


def test_tax_codes_validate_except_the_counted_bad_ones(portfolio: PortfolioFiles) -> None:
    rows = _read(portfolio.customers)
    first = {}
    for row in rows:
        first.setdefault(row["Codice Cliente"], row)
    assert len(first) == N
    bad_tax = 0
    persons = businesses = 0
    for row in first.values():
        tax, vat = row["Codice Fiscale"], row["Partita IVA"]
        if row["Tipo Cliente"] == "Persona fisica":
            persons += 1
            assert len(tax) == 16
            if vat:
                assert valid_vat_number(vat)
        else:
            businesses += 1
            assert tax == vat and len(vat) == 11
        if not valid_tax_code(tax):
            bad_tax += 1
    assert bad_tax == portfolio.bad_data.get("invalid_tax_code", 0)
    assert 0.75 < persons / N < 0.95
    assert businesses > 0


def test_ibans_validate_except_the_counted_bad_ones(portfolio: PortfolioFiles) -> None:
    invalid = 0
    written = 0
    seen = set()
    for row in _read(portfolio.customers):
        if row["Codice Cliente"] in seen or not row["IBAN"]:
            continue
        seen.add(row["Codice Cliente"])
        written += 1
        try:
            IBAN(row["IBAN"], validate_bban=True)
        except SchwiftyException:
            invalid += 1
    counted = sum(n for kind, n in portfolio.bad_data.items() if kind.startswith("invalid_iban"))
    assert invalid == counted
    assert written > N * 0.4
    for row in _read(portfolio.payments):
        if row["payer_iban"]:
            IBAN(row["payer_iban"], validate_bban=True)


def test_repeated_customer_rows_are_counted(portfolio: PortfolioFiles) -> None:
    codes = Counter(row["Codice Cliente"] for row in _read(portfolio.customers))
    repeated = sum(n - 1 for n in codes.values())
    assert repeated == (
        portfolio.bad_data.get("duplicate_customer_rows_identical", 0)
        + portfolio.bad_data.get("duplicate_customer_rows_conflicting", 0)
    )
    assert repeated >= 1


def test_invoice_lines_add_up_and_vat_is_right(portfolio: PortfolioFiles) -> None:
    rows = _read(portfolio.invoices)
    numbers = Counter(row["Numero Fattura"] for row in rows)
    assert max(numbers.values()) == 1
    line_headers = ("Spesa Materia Energia", "Trasporto e Contatore", "Accise", "Oneri di Sistema")
    unparseable = 0
    credit_notes = 0
    for row in rows:
        try:
            total = _cents(row["Importo Totale"])
        except ValueError:
            unparseable += 1
            continue
        taxable = sum(_cents(row[h]) for h in line_headers)
        vat = _cents(row["IVA"])
        assert taxable + vat == total
        if row["Tipo Documento"] == "Nota di credito":
            credit_notes += 1
            assert total < 0
            continue
        assert total > 0
        assert vat in ((taxable * 10 + 50) // 100, (taxable * 22 + 50) // 100)
        reference = row["Codice Avviso"]
        if reference.startswith("RF"):
            assert iso11649.is_valid(reference)
        elif reference:
            assert len(reference) == 18 and reference.isdigit()
    assert unparseable == portfolio.bad_data["unparseable_invoice_amounts"]
    assert credit_notes == portfolio.stats.get("credit_notes", 0)
    assert portfolio.counts["invoices"] == len(rows)


def test_unknown_customer_invoices(portfolio: PortfolioFiles) -> None:
    known = {row["Codice Cliente"] for row in _read(portfolio.customers)}
    strangers = [r for r in _read(portfolio.invoices) if r["Codice Cliente"] not in known]
    assert len(strangers) == portfolio.bad_data["unknown_customer_invoices"]


def test_ground_truth_never_exceeds_payments_or_invoices(portfolio: PortfolioFiles) -> None:
    payments = {r["bank_reference"]: r for r in _read(portfolio.payments)}
    assert len(payments) == portfolio.counts["payments"]
    invoices = {r["Numero Fattura"]: r for r in _read(portfolio.invoices)}
    per_payment: defaultdict[str, int] = defaultdict(int)
    per_invoice: defaultdict[str, int] = defaultdict(int)
    truth = _read(portfolio.ground_truth)
    assert len(truth) == portfolio.counts["allocations"]
    for row in truth:
        cents = _cents(row["amount"])
        assert cents > 0
        per_payment[row["bank_reference"]] += cents
        per_invoice[row["invoice_number"]] += cents
    for reference, cents in per_payment.items():
        assert cents <= _cents(payments[reference]["amount"])
    for number, cents in per_invoice.items():
        invoice = invoices[number]
        assert invoice["Tipo Documento"] == "Fattura"
        assert invoice["Contestata"] == "NO"
        assert cents <= _cents(invoice["Importo Totale"])
    assert len(per_payment) > len(payments) * 0.9


def test_payments_have_happened_and_are_consistent(portfolio: PortfolioFiles) -> None:
    rows = _read(portfolio.payments)
    bad_dates = 0
    for row in rows:
        try:
            value = dt.date.fromisoformat(row["value_date"])
        except ValueError:
            bad_dates += 1
            continue
        assert value <= AS_OF
        if row["booking_date"]:
            assert value <= dt.date.fromisoformat(row["booking_date"]) <= AS_OF
            assert row["status"] == "booked"
        else:
            assert row["status"] == "in_transit"
        if row["channel"] == "sdd":
            assert row["customer_code"] and row["payer_iban"]
            assert value.weekday() < 5
    assert bad_dates == portfolio.bad_data["unparseable_payment_dates"]
    unidentified = sum(1 for r in rows if not r["customer_code"])
    assert 0.01 < unidentified / len(rows) < 0.12


def test_behaviour_mix(portfolio: PortfolioFiles) -> None:
    stats = portfolio.stats
    assert sum(v for k, v in stats.items() if k.startswith("behaviour_")) == N
    assert stats["behaviour_prompt"] > stats["behaviour_late"] > stats["behaviour_chronic"]
    assert stats["partial_payments"] > 0
    assert stats["sdd_rejected"] > 0


def test_xlsx_files(tmp_path: Path) -> None:
    first = generate_portfolio(
        tmp_path / "a", customers=30, seed=3, as_of=AS_OF, file_format="xlsx"
    )
    again = generate_portfolio(
        tmp_path / "b", customers=30, seed=3, as_of=AS_OF, file_format="xlsx"
    )
    assert first.invoices.suffix == ".xlsx" and first.ground_truth.suffix == ".csv"
    for name in ("customers", "contracts", "invoices", "payments"):
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes()
    sheet = openpyxl.load_workbook(first.invoices, read_only=True).active
    assert sheet is not None
    header, row = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert header[0] == "Numero Fattura"
    assert isinstance(row[header.index("Importo Totale")], float)


def test_code_vectors() -> None:
    assert codice_fiscale("Rossi", "Mario", dt.date(1980, 1, 1), False, "H501") == (
        "RSSMRA80A01H501U"
    )
    # Four consonants or more: 1st, 3rd and 4th; women add 40 to the day.
    assert codice_fiscale("Bianchi", "Francesca", dt.date(1990, 7, 15), True, "F205")[:11] == (
        "BNCFNC90L55"
    )
    assert cin("0542811101000000123456") == "X"
    assert italian_iban("05428", "11101", "000000123456") == "IT60X0542811101000000123456"
    notice = pagopa_notice(1, 42)
    assert len(notice) == 18 and notice.startswith("301")
