"""Invoice numbers in free remittance text, and the codes that only look like them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban, iso11649
from stdnum.it import codicefiscale

from riscossa.domain.remittance_tokens import (
    invoice_number_candidates,
    normalise_invoice_number,
)

# Real check digits, verified below with python-stdnum so that the masks are tested on codes
# a bank would print, not on look-alikes that any pattern would reject.
IBAN_IT = "IT60X0542811101000000123456"
IBAN_IT_PRINTED = "IT60 X054 2811 1010 0000 0123 456"
IBAN_DE_PRINTED = "DE89 3704 0044 0532 0130 00"
IBAN_FR = "FR1420041010050500013M02606"
RF = "RF18539007547034"
RF_PRINTED = "RF18 5390 0754 7034"
TAX_CODE = "RSSMRA85T10A562S"
TAX_CODE_OMOCODE = "RSSMRA85T10A56NH"  # the same person after an omocodia substitution


def test_the_sample_codes_are_valid() -> None:
    for code in (IBAN_IT, IBAN_IT_PRINTED, IBAN_DE_PRINTED, IBAN_FR):
        assert iban.is_valid(code), code
    assert iso11649.is_valid(RF)
    assert iso11649.is_valid(RF_PRINTED)
    assert codicefiscale.is_valid(TAX_CODE)
    assert codicefiscale.is_valid(TAX_CODE_OMOCODE)


@pytest.mark.parametrize(
    ("stored", "normalised"),
    [
        ("FT2024-000123", "FT2024000123"),
        ("ft 2024/000123", "FT2024000123"),
        ("24-123456", "24123456"),
        ("123456/2024", "1234562024"),
        ("E2400012345", "E2400012345"),
        ("INV-2024-00017", "INV202400017"),
        ("  n° 00017 ", "N00017"),
    ],
)
def test_normalise_invoice_number(stored: str, normalised: str) -> None:
    assert normalise_invoice_number(stored) == normalised


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(number: str) -> None:
    once = normalise_invoice_number(number)
    assert normalise_invoice_number(once) == once
    assert all(ch.isascii() and (ch.isdigit() or ch.isupper()) for ch in once)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        # the formats Italian utilities print, as payers copy them
        ("FT 2024/000123", ["FT2024000123", "2024000123"]),
        ("FATT. N. 24-123456", ["24123456"]),
        ("fattura n.123456/2024", ["1234562024"]),
        ("Rif. Fatt. E2400012345", ["E2400012345"]),
        ("INV-2024-00017", ["INV202400017", "202400017"]),
        ("Pagamento fattura FT2026-000123", ["FT2026000123"]),
        ("ft2024/000123", ["FT2024000123"]),
        ("RIF. FT 2024/000123", ["FT2024000123", "2024000123"]),
        ("Ft. 12345 del 01.02.2024", ["FT12345", "12345"]),
        ("FATTURA NR123456", ["NR123456", "123456"]),
        ("fattura n° 778899 del 2024-03-12", ["778899"]),
        ("Pagamento bolletta n. 2024-0001234 scad. 15/04/24", ["20240001234"]),
        ("DOC 1000123 IMPORTO 50,00", ["1000123"]),
        # several invoices in one payment
        ("Pagamento fatture FT2026-000001 FT2026-000002", ["FT2026000001", "FT2026000002"]),
        ("FATTURE 123456, 123457 E 123458", ["123456", "123457", "123458"]),
        ("Fattura n. 2024/123 e 2024/124", ["2024123", "2024124"]),
        ("FATTURA E2400012345 E E2400012346", ["E2400012345", "E2400012346"]),
        # unanchored: the shape alone says invoice number
        ("saldo 2024/000123 grazie", ["2024000123"]),
        ("bonifico E2400012345", ["E2400012345"]),
        # what the demo data and the banks write around them
        ("Saldo fatt. n. FT2026-000123 cod. cliente C000123", ["FT2026000123"]),
        ("Addebito SDD fattura FT2026-000123 cliente C000123", ["FT2026000123"]),
        (f"/RFB/{RF}/123.45/TXT/Fattura FT2026-000123", ["FT2026000123"]),
    ],
)
def test_candidates(text: str, candidates: list[str]) -> None:
    assert invoice_number_candidates(text) == candidates


@pytest.mark.parametrize(
    "text",
    [
        "",
        "saldo fattura",
        "pagamento bolletta marzo",
        # dates and billing periods
        "bonifico del 12/03/2024",
        "DEL 12.03.24",
        "valuta 2024-03-12",
        "FATTURA DEL 12/03/2024",
        "BOLLETTA 03/2024",
        "FATTURA 12/2024",
        "FATTURE 2024",
        # amounts
        "pagamento 1.234,56 euro",
        "importo 1,234.56",
        "EUR 120,50",
        "EUR 120",
        "120 EUR",
        "FATTURA 123,45",
        # IBANs, compact and printed, Italian and foreign
        f"IBAN {IBAN_IT}",
        f"IBAN {IBAN_IT_PRINTED}",
        f"ordinante {IBAN_DE_PRINTED}",
        f"da {IBAN_FR}",
        # tax codes, VAT numbers
        f"CF {TAX_CODE}",
        f"{TAX_CODE_OMOCODE} ROSSI MARIO",
        "P.IVA IT12345678901",
        "P.IVA 12345678901",
        # notice numbers and other long codes
        "AVVISO 301234567890123456",
        "CODICE AVVISO 3012 3456 7890 1234 56",
        "896 302000100000012345",
        "IUV 01234567890123456",
        "PDR 12345678901234",
        "POD IT001E12345678",
        f"RIF {RF}",
        RF_PRINTED,
        # addresses, phones, customer and bank codes
        "VIA ROMA 10, 20121 MILANO (MI)",
        "TEL 3331234567",
        "CRO 12345678901",
        "cod. cliente C000123",
        "CODICE CLIENTE A12345",
        "UTENZA 998877/2024",
        "TRN 0306912345678901234567",
    ],
)
def test_no_candidates_from_what_only_looks_like_a_number(text: str) -> None:
    assert invoice_number_candidates(text) == []


def test_the_invoice_survives_among_look_alikes() -> None:
    text = (
        f"FATTURA 123456 DEL 12/03/2024 EUR 120,50 IBAN {IBAN_IT_PRINTED} CF {TAX_CODE} "
        "AVVISO 301234567890123456 VIA ROMA 10 20121 MILANO"
    )
    assert invoice_number_candidates(text) == ["123456"]


def test_a_listed_number_of_another_shape_is_not_taken() -> None:
    assert invoice_number_candidates("FATTURA 123456, 20121 MILANO") == ["123456"]


def test_an_invalid_iban_is_not_masked_and_too_long_to_be_proposed() -> None:
    assert invoice_number_candidates("IT61X0542811101000000123456") == []


def test_the_engine_lookup_finds_the_one_invoice() -> None:
    stored = ["FT2026-000123", "FT2026-000124", "24/123456", "INV-2024-00017"]
    by_number = {normalise_invoice_number(number): number for number in stored}
    for text, expected in [
        ("bonifico fattura ft 2026/000123 del 12/03/2026", "FT2026-000123"),
        ("FATT. N. 24-123456", "24/123456"),
        ("Rif. INV 2024-00017", "INV-2024-00017"),
    ]:
        hits = {by_number[c] for c in invoice_number_candidates(text) if c in by_number}
        assert hits == {expected}, text


@given(st.text(max_size=120))
def test_candidates_are_normalised_and_unique(text: str) -> None:
    candidates = invoice_number_candidates(text)
    assert len(set(candidates)) == len(candidates)
    for candidate in candidates:
        assert normalise_invoice_number(candidate) == candidate
        assert 3 <= len(candidate) <= 24
        assert any(ch.isdigit() for ch in candidate)
