"""Payer names to customers: normalisation, exact and fuzzy hits, ties refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from riscossa.domain.name_match import NameIndex, normalise_name


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Mario Rossi", "MARIO ROSSI"),
        ("  rossi   mario ", "ROSSI MARIO"),
        ("Niccolò Müller-Lüdenscheidt", "NICCOLO MULLER LUDENSCHEIDT"),
        ("Sig.ra Maria D'Angelo", "MARIA DANGELO"),
        ("SIG.RA MARIA D’ANGELO", "MARIA DANGELO"),
        ("Sig. Raffaele Esposito", "RAFFAELE ESPOSITO"),
        ("Dott. Paolo Bianchi", "PAOLO BIANCHI"),
        ("Dott.ssa Anna Verdi", "ANNA VERDI"),
        ("DOTT. ING. PAOLO BIANCHI", "PAOLO BIANCHI"),
        ("ING BANK N.V.", "ING BANK N V"),
        ("Rossi & C. S.r.l.", "ROSSI C SRL"),
        ("ROSSI SRL", "ROSSI SRL"),
        ("Rossi S R L", "ROSSI SRL"),
        ("Acme S.p.A.", "ACME SPA"),
        ("S. p. A. ENEL", "SPA ENEL"),
        ("Bar Sport s.n.c. di Rossi", "BAR SPORT SNC DI ROSSI"),
        ("Rossi S.a.s.", "ROSSI SAS"),
        ("Mario Rossi S.r.l.s.", "MARIO ROSSI SRLS"),
        ("Gas Nord Società per Azioni", "GAS NORD SPA"),
        ("Rete Società a responsabilità limitata", "RETE SRL"),
        ("Soc. Coop. La Rete", "SC LA RETE"),
        ("G. Verdi", "G VERDI"),
        ("A.B. Rossi", "A B ROSSI"),
        ("", ""),
        ("Sig.", ""),
    ],
)
def test_normalise_name(name: str, normalised: str) -> None:
    assert normalise_name(name) == normalised


def test_legal_form_spellings_agree() -> None:
    spellings = ["Acme S.r.l.", "ACME SRL", "Acme s.r.l", "Acme S. R. L.", "Acme Srl."]
    assert {normalise_name(s) for s in spellings} == {"ACME SRL"}


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(
        [
            (1, "Mario Rossi"),
            (2, "Maria Rossi"),
            (3, "Rossi Mario S.r.l."),
            (4, "Giuseppe Verdi"),
            (4, "Verdi Peppe"),  # an alias learned from a manual match
            (5, "Anna Bianchi"),
            (6, "Anna Bianchi"),  # a homonym
            (7, "Luca Ferrari"),
            (8, ""),  # no name at all is never indexed
        ]
    )


def test_distinct_names_are_indexed_once(index: NameIndex) -> None:
    assert len(index) == 7


@pytest.mark.parametrize(
    ("payer", "customer"),
    [
        ("Mario Rossi", 1),
        ("ROSSI MARIO", 1),  # the bank swapped the words: still an exact hit
        ("Sig. Mario Rossi", 1),
        ("Maria Rossi", 2),
        ("ROSSI MARIO SRL", 3),
        ("Peppe Verdi", 4),  # the alias
        ("Giuseppe Verdy", 4),  # 92.9
        ("Luca Ferari", 7),  # 95.7
        ("Luka Ferari", 7),  # 87.0
        ("Mario Rossii", 1),  # 95.7 against 87.0 for Maria Rossi: more than 3 points apart
    ],
)
def test_best_finds_the_customer(index: NameIndex, payer: str, customer: int) -> None:
    assert index.best(payer) == customer


@pytest.mark.parametrize(
    "payer",
    [
        "Mari Rossi",  # 95.2 against Mario Rossi and against Maria Rossi: a tie
        "Anna Bianchi",  # two customers of that name
        "Rossi",  # 62.5: a surname alone matches nobody
        "Lucas Ferreira",  # 76.9, under the threshold
        "",
        "Sig.",
    ],
)
def test_best_refuses(index: NameIndex, payer: str) -> None:
    assert index.best(payer) is None


def test_threshold_and_margin_are_parameters(index: NameIndex) -> None:
    assert index.best("Luka Ferari") == 7  # 87.0
    assert index.best("Luka Ferari", threshold=90) is None
    assert index.best("Mario Rossii", margin=9) is None  # Maria Rossi is 8.7 points behind
    assert index.best("Mario Rossii", margin=8) == 1


def test_an_exact_hit_wins_even_with_a_close_neighbour(index: NameIndex) -> None:
    # Maria Rossi scores 90.9 against "MARIO ROSSI": within no margin of 100, and not needed.
    assert index.best("Mario Rossi", margin=20) == 1


def test_among_narrows_the_lookup(index: NameIndex) -> None:
    assert index.best("Mari Rossi", among={2, 4}) == 2  # Mario Rossi is not a suspect
    assert index.best("Anna Bianchi", among={6}) == 6
    assert index.best("Anna Bianchi", among={5, 6}) is None
    assert index.best("Mario Rossi", among={7}) is None
    assert index.best("Mario Rossi", among=set()) is None


def test_candidates_rank_customers_by_their_best_name(index: NameIndex) -> None:
    ranked = index.candidates("Mari Rossi")
    assert [customer for customer, _ in ranked] == [1, 2, 3]
    assert [round(score, 1) for _, score in ranked] == [95.2, 95.2, 80.0]
    assert index.candidates("Mari Rossi", limit=1) == [(1, 100 * (1 - 1 / 21))]
    assert index.candidates("Mari Rossi", limit=0) == []
    assert index.candidates("Mari Rossi", among={2}) == [(2, 100 * (1 - 1 / 21))]


def test_candidates_list_each_customer_once(index: NameIndex) -> None:
    ranked = index.candidates("Verdi Giuseppe", limit=5)
    assert ranked[0] == (4, 100.0)
    assert [customer for customer, _ in ranked].count(4) == 1


def test_candidates_below_the_floor_are_left_out(index: NameIndex) -> None:
    assert index.candidates("Zzyzx Qwerty") == []
    assert [c for c, _ in index.candidates("Rossi", min_score=60)] == [1, 2]


words = st.lists(
    st.text(alphabet="ABCDEFGHILMNOPRSTUVZ", min_size=1, max_size=8), min_size=1, max_size=4
)


@given(words, words)
def test_scores_are_token_sort_ratio(a: list[str], b: list[str]) -> None:
    first, second = " ".join(a), " ".join(b)
    index = NameIndex([(1, second)])
    expected = fuzz.token_sort_ratio(normalise_name(first), normalise_name(second))
    if expected >= 1:
        ((customer, score),) = index.candidates(first, min_score=0)
        assert customer == 1
        assert score == pytest.approx(expected)


@given(st.text(max_size=40))
def test_normalised_names_are_plain_words(name: str) -> None:
    normalised = normalise_name(name)
    assert normalised == normalised.strip()
    assert "  " not in normalised
    assert all(
        ch == " " or (ch.isascii() and ch.isalnum() and not ch.islower()) for ch in normalised
    )
    assert normalise_name(normalised) == normalised
