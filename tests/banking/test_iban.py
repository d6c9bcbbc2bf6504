"""check_iban: DOMAIN.md vectors, one example per code, normalisation, helpers, properties.

What the checks guarantee, worked out from the algorithms (and asserted below):
- mod-97 catches every single substitution that keeps a character's kind (digit for digit,
  letter for letter): the number changes by (new - old) * 10^k, and 97 is prime to 10.
- mod-97 catches every adjacent transposition of two digits (9 * difference * 10^k) and of
  two letters (99 * difference * 10^k, 99 = 2 mod 97).
- A digit where a letter is required, or the reverse, is BAD_FORMAT.
- Where the structure allows either ("c" positions), a digit turned letter shifts the rest of
  the number by one decimal place; mod-97 then misses it for about one prefix in 97. Letter
  and digit swapped ("1B" <-> "B1", "2M" <-> "M2", "3X" <-> "X3") keep the remainder exactly.
- The Italian CIN weighs digit d and letter chr(65 + d) alike and sees a swap through its
  odd/even weights only sometimes, so "1B" <-> "B1" in an Italian account passes both checks
  (test_mod97_and_cin_miss_a_letter_digit_swap); schwifty accepts it too.
Where nothing is guaranteed the tests assert agreement with schwifty, which also checks the
national check digits of a dozen countries: it may catch more there, never less.
"""

from __future__ import annotations

import random
import string
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from schwifty.bban import BBAN
from schwifty.checksum import algorithms
from schwifty.exceptions import InvalidAccountCode, InvalidBBANChecksum

from riscossa.banking.iban import (
    IbanCheck,
    IbanCode,
    build_iban,
    check_digits,
    check_iban,
    iban_layout,
    italian_bban,
    italian_cin,
    normalise,
)
from riscossa.banking.iban_countries import COUNTRIES, SEPA_COUNTRIES

VALID_IT = "IT60X0542811101000000123456"
ALNUM = string.digits + string.ascii_uppercase
# Countries whose national check digits schwifty verifies (besides the CIN of IT and SM).
NATIONAL = sorted({key.split(":")[0] for key in algorithms} & SEPA_COUNTRIES - {"IT", "SM"})


def schwifty_accepts(value: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no national checksum registered for HU"
        try:
            IBAN(value, validate_bban=True)
        except ValueError:
            return False
    return True


def schwifty_only_national(value: str) -> bool:
    """schwifty rejects the value for its national check digits and for nothing else.

    (Norway's mod-11 has no check digit for some accounts: schwifty calls those accounts
    invalid, a national rule too.)
    """
    try:
        IBAN(value, validate_bban=True)
    except (InvalidBBANChecksum, InvalidAccountCode):
        return True
    except ValueError:
        return False
    return False


# DOMAIN.md vectors ------------------------------------------------------------------------


def test_domain_cin_vectors() -> None:
    assert check_iban(VALID_IT).code is IbanCode.OK
    assert check_iban("IT65A0542811101000000123456").code is IbanCode.BAD_CIN
    assert italian_cin("0542811101000000123456") == "X"


def test_valid_result_carries_the_parts() -> None:
    assert check_iban(VALID_IT) == IbanCheck(
        VALID_IT, IbanCode.OK, "IT", "05428", "11101", "000000123456", False
    )
    assert check_iban(VALID_IT).valid


# One readable example per code ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", IbanCode.EMPTY),
        ("  - ", IbanCode.EMPTY),
        ("IBAN:", IbanCode.EMPTY),
        ("IT60X0542811101000000123456€", IbanCode.BAD_CHARACTERS),
        ("IT60_X054_2811_1010_0000_0123_456", IbanCode.BAD_CHARACTERS),  # underscores
        ("PT: 50 0018 0003 2440 3537 0208 4", IbanCode.BAD_CHARACTERS),  # colon mid-way
        ("XX60X0542811101000000123456", IbanCode.BAD_COUNTRY),
        ("GF7630006000011234567890189", IbanCode.BAD_COUNTRY),  # French Guiana uses FR IBANs
        ("AL47212110090000000235698741", IbanCode.NOT_SEPA),
        ("RU0204452560040702810412345678901", IbanCode.NOT_SEPA),
        ("IT60X054281110100000012345", IbanCode.BAD_LENGTH),
        ("IT60X05428111010000001234567", IbanCode.BAD_LENGTH),
        ("IT6090542811101000000123456", IbanCode.BAD_FORMAT),  # a digit where the CIN goes
        ("ITAAX0542811101000000123456", IbanCode.BAD_FORMAT),  # letters as check digits
        ("IT00X0542811101000000123456", IbanCode.BAD_FORMAT),  # check digits 00
        ("IT99X0542811101000000123456", IbanCode.BAD_FORMAT),
        ("IT61X0542811101000000123456", IbanCode.BAD_CHECKSUM),
        ("IT60X0542811101000000123465", IbanCode.BAD_CHECKSUM),  # swapped digits
        ("IT65A0542811101000000123456", IbanCode.BAD_CIN),
        ("DE89370400440532013000", IbanCode.OK),
        ("SM86U0322509800000000270100", IbanCode.OK),
    ],
)
def test_codes(text: str, code: IbanCode) -> None:
    assert check_iban(text).code is code


def test_parts_only_when_the_length_is_right() -> None:
    short = check_iban("IT60X054281110100000012345")
    assert (short.country, short.bank_code, short.branch_code, short.account) == ("IT", "", "", "")
    foreign = check_iban("AL47212110090000000235698741")
    assert (foreign.bank_code, foreign.branch_code) == ("212", "1100")
    assert check_iban("DE89370400440532013000").branch_code == ""
    assert check_iban("XX12").country == ""
    assert check_iban("IT60X05428111010000001234*6").account == ""


def test_registry_codes_are_not_decided_here() -> None:
    assert {IbanCode.UNKNOWN_BANK, IbanCode.UNKNOWN_BRANCH} <= set(IbanCode)
    assert {IbanCode.BANK_RETIRED, IbanCode.BRANCH_CLOSED} <= set(IbanCode)


# Normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "IT60 X054 2811 1010 0000 0123 456",
        " it60x0542811101000000123456\n",
        "IBAN IT60 X054 2811 1010 0000 0123 456",
        "IBAN: IT60X0542811101000000123456",
        "iban:it60-x054-2811-1010-0000-0123-456",
        "IT60\u00a0X054\u00a02811\u00a01010\u00a00000\u00a00123\u00a0456",  # NBSP
        "IT60\u200bX0542811101000000123456\ufeff",  # zero-width space, BOM
        "IT60\tX054\t2811.1010.0000.0123/456",
        "IT60\u2013X054\u20142811\u22121010\u201100000123456",  # en, em, minus, nb hyphen
        "".join(chr(ord(ch) + 0xFEE0) for ch in VALID_IT),  # full-width
        "\uff29\uff34\uff16\uff10 X054 2811 1010 0000 0123 456",
    ],
)
def test_normalises_what_people_type(typed: str) -> None:
    assert normalise(typed) == (VALID_IT, False)
    assert check_iban(typed).code is IbanCode.OK


@pytest.mark.parametrize(
    "typed",
    [
        "IT6OX0542811101000000123456",  # O in the check digits
        "IT60X054281110I000000123456",  # I in the CAB
        "it60x054281110l000000123456",  # lower-case l in the CAB
        "IT60 XO54 2811 1010 0000 0123 456",
    ],
)
def test_lookalikes_where_digits_belong(typed: str) -> None:
    assert normalise(typed) == (VALID_IT, True)
    result = check_iban(typed)
    assert (result.code, result.corrected, result.iban) == (IbanCode.OK, True, VALID_IT)


@pytest.mark.parametrize(
    "typed",
    [
        "IT60X0542811101000000I23456",  # the account may hold letters: no guessing
        "IT60O0542811101000000123456",  # the CIN is a letter
        "IT60X054281110I00000012345",  # wrong length: positions are uncertain
        "1T60X0542811101000000123456",  # the country code is never guessed
    ],
)
def test_lookalikes_left_alone_elsewhere(typed: str) -> None:
    iban, corrected = normalise(typed)
    assert not corrected
    assert iban == typed.upper()
    assert not check_iban(typed).valid


# Helpers ----------------------------------------------------------------------------------


def test_helpers_build_the_domain_vector() -> None:
    assert italian_bban("05428", "11101", "123456") == "X0542811101000000123456"
    assert check_digits("IT", "X0542811101000000123456") == "60"
    assert build_iban("IT", italian_bban("05428", "11101", "000000123456")) == VALID_IT
    assert build_iban("DE", "370400440532013000") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (italian_cin, ("054281110100000012345",)),
        (italian_cin, ("05428111010000001234a6",)),
        (italian_bban, ("5428", "11101", "1")),
        (italian_bban, ("05428", "11101", "1234567890123")),
        (check_digits, ("IT", "x05428")),
    ],
)
def test_helpers_reject_bad_input(call: object, args: tuple[str, ...]) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=r"must|needs"):
        call(*args)


# Properties -------------------------------------------------------------------------------

_CLASSES = {"n": string.digits, "a": string.ascii_uppercase, "c": ALNUM}


@st.composite
def structured_bbans(draw: st.DrawFn, country: str) -> str:
    """A BBAN drawn from the country's structure; the CIN computed for IT and SM."""
    layout = iban_layout(country)[4:]
    bban = "".join(draw(st.sampled_from(_CLASSES[kind])) for kind in layout)
    if country in ("IT", "SM"):
        bban = italian_cin(bban[1:]) + bban[1:]
    return bban


@st.composite
def valid_ibans(draw: st.DrawFn, countries: list[str] | None = None) -> str:
    country = draw(st.sampled_from(countries or sorted(SEPA_COUNTRIES)))
    if country in NATIONAL:  # let schwifty make the national check digits
        seed = draw(st.integers(0, 2**32))
        bban = str(BBAN.random(country, random=random.Random(seed), use_registry=False))
    else:
        bban = draw(structured_bbans(country))
    return build_iban(country, bban)


@settings(max_examples=300, deadline=None)
@given(valid_ibans())
def test_generated_ibans_are_valid_for_both(iban: str) -> None:
    result = check_iban(iban)
    assert (result.code, result.iban, result.corrected) == (IbanCode.OK, iban, False)
    assert schwifty_accepts(iban)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(NATIONAL).flatmap(lambda c: st.tuples(st.just(c), structured_bbans(c))))
def test_structure_without_national_check_digits(case: tuple[str, str]) -> None:
    """National check digits are not ours to check: mod-97 and structure are."""
    iban = build_iban(*case)
    assert check_iban(iban).code is IbanCode.OK
    assert schwifty_accepts(iban) or schwifty_only_national(iban)


def substitutions(iban: str) -> list[tuple[int, str]]:
    return [(p, ch) for p in range(len(iban)) for ch in ALNUM if ch != iban[p]]


def accepts(value: str) -> bool:
    """Valid as typed: a look-alike read as a digit is a warning, not an acceptance."""
    result = check_iban(value)
    return result.valid and not result.corrected


def caught(original: str, corrupted: str) -> bool:
    """Not valid, or read back to the original through a look-alike (a warning)."""
    result = check_iban(corrupted)
    return not result.valid or (result.corrected and result.iban == original)


def same_kind(a: str, b: str) -> bool:
    return a.isdigit() == b.isdigit()


def cin_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 65


ACCOUNT_START = 15  # IBAN positions 15..26 of an Italian IBAN are the 12!c account


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_ibans(["IT"]))
def test_every_italian_substitution_and_swap_is_caught(iban: str) -> None:
    for position, new in substitutions(iban):
        corrupted = iban[:position] + new + iban[position + 1 :]
        old = iban[position]
        if position < ACCOUNT_START or same_kind(old, new) or cin_value(old) != cin_value(new):
            assert caught(iban, corrupted), corrupted
        assert accepts(corrupted) == schwifty_accepts(corrupted), corrupted
    for position in range(len(iban) - 1):
        a, b = iban[position], iban[position + 1]
        if a == b:
            continue
        swapped = iban[:position] + b + a + iban[position + 2 :]
        fixed_class = position < ACCOUNT_START and not {a, b} & {"O", "I", "L"}
        if same_kind(a, b) or fixed_class:
            assert caught(iban, swapped), swapped
        assert accepts(swapped) == schwifty_accepts(swapped), swapped


def test_mod97_and_cin_miss_a_letter_digit_swap() -> None:
    iban = build_iban("IT", italian_bban("05428", "11101", "0000001B2345"))
    swapped = iban.replace("1B", "B1")
    assert check_iban(iban).valid and check_iban(swapped).valid
    assert schwifty_accepts(swapped)


@settings(max_examples=200, deadline=None)
@given(
    valid_ibans(sorted(SEPA_COUNTRIES - {"IT", "SM"})),
    st.integers(0, 10**6),
    st.sampled_from(ALNUM),
    st.booleans(),
)
def test_other_countries_agree_with_schwifty(iban: str, where: int, new: str, swap: bool) -> None:
    position = 2 + where % (len(iban) - 3)
    old = iban[position]
    if swap:
        corrupted = iban[:position] + iban[position + 1] + old + iban[position + 2 :]
        guaranteed = same_kind(old, iban[position + 1]) and old != iban[position + 1]
    else:
        corrupted = iban[:position] + new + iban[position + 1 :]
        guaranteed = old != new and (same_kind(old, new) or iban_layout(iban[:2])[position] != "c")
    if corrupted == iban:
        return
    if guaranteed:
        assert caught(iban, corrupted), corrupted
    ours, theirs = accepts(corrupted), schwifty_accepts(corrupted)
    if ours and not theirs:
        # Only schwifty's national check digits may catch what mod-97 cannot.
        assert not guaranteed and schwifty_only_national(corrupted), corrupted
    else:
        assert ours == theirs, corrupted


def test_table_covers_every_sepa_country_with_a_layout() -> None:
    for code in SEPA_COUNTRIES:
        assert len(iban_layout(code)) == COUNTRIES[code].iban_length
