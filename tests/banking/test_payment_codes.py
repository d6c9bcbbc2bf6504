"""RF references, pagoPA notice numbers / IUVs and Poste 896 codes: make, check, find in text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from riscossa.banking.payment_codes import (
    IUV,
    NOTICE,
    POSTE_896,
    RF,
    PagopaNotice,
    find_codes,
    iuv_of_notice,
    make_pagopa_notice,
    make_poste_896,
    make_rf_reference,
    parse_pagopa_notice,
    parse_poste_896,
    parse_rf_reference,
    valid_pagopa_notice,
    valid_poste_896,
    valid_rf_reference,
)
from riscossa.services.demo.codes import pagopa_notice, poste_896, rf_reference

# Worked out by hand: 3010000000123456 = 93 * 32365591614230 + 88.
NOTICE_3 = "301000000012345688"
IUV_3 = "01000000012345688"
# 1000000000004242 mod 93 = 58.
POSTE_1 = "100000000000424258"

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
alnum = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21)


# -- RF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RF18539007547034",  # ISO 11649 example (also stdnum's and Wikipedia's)
        "RF18 5390 0754 7034",
        "rf18-5390-0754-7034",
        "RF185390075470Y",  # letters are allowed in the body
        "RF040",  # shortest: one body character
    ],
)
def test_valid_rf_references(text: str) -> None:
    assert valid_rf_reference(text)
    assert parse_rf_reference(text) == text.replace(" ", "").replace("-", "").upper()


@pytest.mark.parametrize(
    "text",
    [
        "RF17539007547034",  # check digits off by one
        "RF18539007547035",  # last digit changed
        "RF18539007547043",  # last two digits swapped
        # AgID's own example (SACI 1.3.1 § 3.2): its check digits do not verify; RF78 would.
        "RF23 5674 8393 7849 4505 5087 5",
        "RF18",  # no body
        "RF18" + "0" * 22,  # body longer than 21
        "XX18539007547034",
        "RFAM539007547034",  # letters for check digits: stdnum alone accepts it
        "RF1853900754703€",
        "",
    ],
)
def test_invalid_rf_references(text: str) -> None:
    assert not valid_rf_reference(text)
    assert parse_rf_reference(text) is None


def test_make_rf_reference_known_values() -> None:
    assert make_rf_reference("539007547034") == "RF18539007547034"
    assert make_rf_reference("5390075470y") == "RF185390075470Y"
    assert make_rf_reference("567483937849450550875") == "RF78567483937849450550875"
    assert make_rf_reference("0") == "RF040"
    assert make_rf_reference("a") == "RF25A"


@pytest.mark.parametrize("base", ["", "0" * 22, "12 34", "AB-C", "12€"])
def test_make_rf_reference_refuses_bad_bases(base: str) -> None:
    with pytest.raises(ValueError, match="1-21 letters or digits"):
        make_rf_reference(base)


@given(alnum)
def test_rf_round_trip_agrees_with_stdnum(base: str) -> None:
    reference = make_rf_reference(base)
    assert reference[4:] == base
    assert iso11649.is_valid(reference)
    assert parse_rf_reference(iso11649.format(reference)) == reference


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_demo_rf_reference_is_the_iso_one(serial: int) -> None:
    base = f"{serial:012d}"
    assert rf_reference(base) == f"RF{98 - int(base + '271500') % 97:02d}{base}"


# -- pagoPA notice numbers ----------------------------------------------------------------------


def test_make_pagopa_notice_each_aux_digit() -> None:
    assert make_pagopa_notice("010000000123456") == NOTICE_3
    assert make_pagopa_notice("010000000123456", aux_digit=3) == NOTICE_3
    # 0 12 0000000012345 -> 120000000012345 mod 93 = 84
    assert make_pagopa_notice("120000000012345", aux_digit=0) == "012000000001234584"
    # 2000000000054321 mod 93 = 11
    assert make_pagopa_notice("000000000054321", aux_digit=2) == "200000000005432111"
    assert make_pagopa_notice("00000000000012345", aux_digit=1) == "100000000000012345"


@pytest.mark.parametrize(
    ("body", "aux", "message"),
    [
        ("01000000012345", 3, "takes 15 digits"),
        ("0100000001234567", 3, "takes 15 digits"),
        ("01000000012345X", 3, "takes 15 digits"),
        ("010000000123456", 1, "takes 17 digits"),
        ("010000000123456", 4, "0, 1, 2 or 3"),
    ],
)
def test_make_pagopa_notice_refuses_bad_input(body: str, aux: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_pagopa_notice(body, aux_digit=aux)


def test_parse_pagopa_notice_takes_each_layout_apart() -> None:
    assert parse_pagopa_notice("3010 0000 0012 3456 88") == PagopaNotice(
        NOTICE_3, "3", IUV_3, segregation_code="01", application_code=None
    )
    assert parse_pagopa_notice("012000000001234584") == PagopaNotice(
        "012000000001234584", "0", "000000001234584", segregation_code=None, application_code="12"
    )
    assert parse_pagopa_notice("200000000005432111") == PagopaNotice(
        "200000000005432111", "2", "00000000005432111", None, None
    )
    aux1 = parse_pagopa_notice("100000000000012345")
    assert aux1 == PagopaNotice("100000000000012345", "1", "00000000000012345", None, None)
    assert aux1 is not None and not aux1.checked
    assert all(
        notice is not None and notice.checked
        for notice in map(parse_pagopa_notice, (NOTICE_3, "012000000001234584"))
    )


@pytest.mark.parametrize(
    "text",
    [
        "301000000012345678",  # check digits should be 88
        "301000000012345689",
        "310000000012345688",  # digits 2 and 3 swapped
        "401000000012345688",  # no aux digit 4
        "30100000001234568",  # 17 digits
        "3010000000123456880",
        "30100000001234568X",
        "",
    ],
)
def test_invalid_notice_numbers(text: str) -> None:
    assert parse_pagopa_notice(text) is None
    assert not valid_pagopa_notice(text)
    assert iuv_of_notice(text) is None


def test_iuv_of_notice() -> None:
    assert iuv_of_notice(NOTICE_3) == IUV_3
    assert iuv_of_notice("012000000001234584") == "000000001234584"  # aux 0: 15 digits
    assert iuv_of_notice("200000000005432111") == "00000000005432111"
    assert iuv_of_notice("100000000000012345") == "00000000000012345"


@given(st.integers(0, 99), st.integers(0, 10**13 - 1))
def test_demo_pagopa_notice_is_the_aux3_one(segregation: int, base: int) -> None:
    notice = pagopa_notice(segregation, base)
    body = f"{segregation:02d}{base:013d}"
    assert notice == f"3{body}{int('3' + body) % 93:02d}"
    parsed = parse_pagopa_notice(notice)
    assert parsed is not None
    assert parsed.segregation_code == f"{segregation:02d}"
    assert parsed.iuv == notice[1:]


@given(st.sampled_from([0, 2, 3]), st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_every_single_digit_change_is_caught(aux: int, body: str) -> None:
    notice = make_pagopa_notice(body, aux_digit=aux)
    for position in range(18):
        for digit in "0123456789":
            if digit != notice[position]:
                tampered = notice[:position] + digit + notice[position + 1 :]
                # Only an aux digit turned into 1 survives: aux 1 has no check digits.
                assert (parse_pagopa_notice(tampered) is None) != (tampered[0] == "1")


@given(st.sampled_from([0, 2, 3]), st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_adjacent_transpositions_before_the_check_are_caught(aux: int, body: str) -> None:
    notice = make_pagopa_notice(body, aux_digit=aux)
    for position in range(1, 15):
        a, b = notice[position], notice[position + 1]
        if a != b:
            swapped = notice[:position] + b + a + notice[position + 2 :]
            assert parse_pagopa_notice(swapped) is None


# -- Poste 896 -----------------------------------------------------------------------------------


def test_make_poste_896() -> None:
    assert make_poste_896("1000000000004242") == POSTE_1
    assert poste_896(10**15 + 4242) == POSTE_1
    # A TARI/TARES code as D.M. 2013 lays it out: year digit 3, cadastral letter H = 08, 501
    # (Roma H501), ten free digits; 3085010000000042 mod 93 = 80.
    assert make_poste_896("3085010000000042") == "308501000000004280"


@pytest.mark.parametrize("code16", ["100000000000424", "10000000000042420", "100000000000424X"])
def test_make_poste_896_refuses_bad_input(code16: str) -> None:
    with pytest.raises(ValueError, match="16 digits"):
        make_poste_896(code16)


@pytest.mark.parametrize(
    "text", ["100000000000424257", "010000000000424258", "10000000000042425", "1" * 19, ""]
)
def test_invalid_poste_codes(text: str) -> None:
    assert not valid_poste_896(text)
    assert parse_poste_896(text) is None


def test_poste_code_with_spaces() -> None:
    assert parse_poste_896("1000 0000 0000 4242 58") == POSTE_1


@given(st.integers(0, 10**16 - 1))
def test_poste_round_trip_and_demo(code: int) -> None:
    made = poste_896(code)
    assert made == f"{code:016d}{code % 93:02d}"
    assert parse_poste_896(made) == made
    for position in range(18):
        digit = "1" if made[position] != "1" else "2"
        assert parse_poste_896(made[:position] + digit + made[position + 1 :]) is None


# -- codes in remittance text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAGAMENTO FATTURA 2024/00123 AVVISO 301000000012345678", []),
        (
            "PAGAMENTO FATTURA 2024/00123 AVVISO 301000000012345688",
            [(NOTICE, NOTICE_3), (POSTE_896, NOTICE_3)],
        ),
        (
            "Avviso pagoPA n. 3010 0000 0012 3456 88 scad. 31/01/2025",
            [(NOTICE, NOTICE_3), (POSTE_896, NOTICE_3)],
        ),
        ("BOLLETTINO 896 CODICE 100000000000424258", [(POSTE_896, POSTE_1)]),
        ("BOLLETTINO 896 CODICE 100000000000424257", []),
        ("/RFS/RF18 5390 0754 7034/45.56", [(RF, "RF18539007547034")]),
        ("saldo rf18-5390-0754-7034 grazie", [(RF, "RF18539007547034")]),
        ("RF18 5390 0754 7034 FATTURA 2024/000123", [(RF, "RF18539007547034")]),
        ("/RFS/RF17 5390 0754 7034/45.56", []),
        ("/RFB/01000000012345688/12.34/TXT/TARI 2024", [(IUV, IUV_3)]),
        ("/RFB/01000000012345686/12.34", []),
        # Without the aux digit, the check is tried as aux 3 and as aux 2: 87 is the aux-2 one.
        ("/RFB/01000000012345687/12.34", [(IUV, "01000000012345687")]),
        (
            f"/RFB/{NOTICE_3}/12.34/TXT/Fattura FT2024-000042",
            [(NOTICE, NOTICE_3), (POSTE_896, NOTICE_3)],
        ),
        # Digits around the run make it another number.
        ("RIF 1301000000012345688 E 3010000000123456889", []),
        # Groups of four after another number: where the code starts is a guess, so none.
        ("2024 3010 0000 0012 3456 88", []),
        # An IBAN and a tax code are not codes.
        ("IBAN IT60X0542811101000000123456 CF RSSMRA80A01H501U", []),
        ("BONIFICO DA MARIO ROSSI FATTURA 12/2024", []),
        ("", []),
    ],
)
def test_find_codes_in_remittance(text: str, expected: list[tuple[str, str]]) -> None:
    assert find_codes(text) == expected


def test_find_codes_keeps_text_order_and_drops_repeats() -> None:
    text = (
        f"FATT. 1 BOLLETTINO {POSTE_1} FATT. 2 RF18539007547034 "
        f"AVVISO {NOTICE_3} DI NUOVO {POSTE_1}"
    )
    assert find_codes(text) == [
        (POSTE_896, POSTE_1),
        (RF, "RF18539007547034"),
        (NOTICE, NOTICE_3),
        (POSTE_896, NOTICE_3),
    ]


def test_aux1_notice_is_not_reported_as_a_notice() -> None:
    # 1000000000000123 45: no check digits to verify, and 45 is not 1000000000000123 mod 93.
    assert find_codes("AVVISO 100000000000012345") == []


def test_split_rf_readings_are_all_tried() -> None:
    # The body read up to "7034" and up to "70 34" ... only readings that verify are reported.
    assert find_codes("RF18 5390 0754 70 34") == [(RF, "RF18539007547034")]
    assert find_codes("RF185390075470Y") == [(RF, "RF185390075470Y")]


words = st.sampled_from(["PAGAMENTO", "FATTURA", "SALDO", "RATA", "N.", "DEL", "CANONE", "-"])


@given(
    st.lists(words, max_size=4),
    st.lists(words, max_size=4),
    st.text(alphabet="0123456789", min_size=15, max_size=15),
)
def test_a_notice_is_found_wherever_it_is_written(
    before: list[str], after: list[str], body: str
) -> None:
    notice = make_pagopa_notice(body)
    text = " ".join([*before, notice, *after])
    assert (NOTICE, notice) in find_codes(text)
    assert (POSTE_896, notice) in find_codes(text)


@given(st.lists(words, max_size=4), alnum)
def test_an_rf_is_found_printed_in_groups(before: list[str], base: str) -> None:
    reference = make_rf_reference(base)
    text = " ".join([*before, iso11649.format(reference), "/45.56"])
    assert (RF, reference) in find_codes(text)


@given(st.text(alphabet="0123456789", min_size=2, max_size=2), alnum)
def test_find_codes_agrees_with_stdnum_on_rf_check_digits(check: str, body: str) -> None:
    reference = f"RF{check}{body}"
    expected = [(RF, reference)] if iso11649.is_valid(reference) else []
    assert find_codes(f"CAUSALE {reference}/GRAZIE") == expected


@given(st.integers(0, 10**16 - 1), st.integers(0, 17), digits)
def test_a_tampered_poste_code_is_not_found(code: int, position: int, digit: str) -> None:
    made = poste_896(code)
    tampered = made[:position] + digit + made[position + 1 :]
    found = find_codes(f"BOLLETTINO 896 CODICE {tampered}")
    assert found == ([] if tampered != made else [(k, made) for k in _kinds(made)])


def _kinds(code: str) -> list[str]:
    return [NOTICE, POSTE_896] if code[0] in "023" else [POSTE_896]
