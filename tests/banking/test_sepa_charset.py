"""SEPA Latin character subset: transliteration of free text, identifier checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.banking.sepa_charset import is_mandate_id, is_sepa_identifier, to_sepa_text

SEPA = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nicolò Perù", "Nicolo Peru"),
        ("D'Annunzio Gabriele", "D'Annunzio Gabriele"),
        ("àèéìòù ÀÈÉÌÒÙ", "aeeiou AEEIOU"),
        ("Città di Castello – Umbria", "Citta di Castello - Umbria"),
        ("Rossi & Figli S.n.c.", "Rossi + Figli S.n.c."),
        ("Müller Straße 5", "Muller Strasse 5"),
        ("L’Aquila “centro”", "L'Aquila 'centro'"),
        ("Fattura n° 12; scad. 31/05", "Fattura n. 12, scad. 31/05"),
        ("  doppio   spazio\tqui\n", "doppio spazio qui"),
        ("Łódź Œuvre Ærø", "Lodz OEuvre AEro"),
        ("email: a_b@c.it", "email: a-b c.it"),
        ("", ""),
        ("北京", ""),
    ],
)
def test_transliteration(text: str, expected: str) -> None:
    assert to_sepa_text(text) == expected


def test_cut_after_transliteration() -> None:
    assert to_sepa_text("ß" * 10, 5) == "sssss"
    assert to_sepa_text("abc def", 4) == "abc"


@given(st.text())
def test_output_is_always_in_the_subset_and_stable(text: str) -> None:
    out = to_sepa_text(text, 70)
    assert SEPA.fullmatch(out)
    assert len(out) <= 70
    assert to_sepa_text(out, 70) == out


@pytest.mark.parametrize(
    ("value", "identifier", "mandate"),
    [
        ("E2E-0001", True, True),
        ("ABC 123", True, False),
        ("/start", False, False),
        ("end/", False, False),
        ("a//b", False, False),
        ("a/b", True, True),
        ("x" * 35, True, True),
        ("x" * 36, False, False),
        ("", False, False),
        ("città", False, False),
        ("a&b", False, False),
    ],
)
def test_identifiers(value: str, identifier: bool, mandate: bool) -> None:
    assert is_sepa_identifier(value) is identifier
    assert is_mandate_id(value) is mandate
