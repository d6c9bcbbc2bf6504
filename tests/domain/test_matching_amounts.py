"""Matching by amount: one exact item, a unique subset, a tolerance — never a guess."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.domain.errors import ValidationError
from riscossa.domain.matching_amounts import (
    DEFAULT_MAX_ITEMS,
    exact_item,
    subset_for,
    within_tolerance,
)

# -- exact_item -----------------------------------------------------------------------------


def test_exact_item_finds_the_only_item_of_that_amount() -> None:
    assert exact_item(12_345, [10_000, 12_345, 9_999]) == 1


def test_exact_item_refuses_two_items_of_the_same_amount() -> None:
    assert exact_item(5_000, [5_000, 7_000, 5_000]) is None


@pytest.mark.parametrize(
    ("amount", "items"),
    [(4_999, [5_000, 7_000]), (5_000, []), (0, [0, 5_000]), (-5_000, [-5_000, 100])],
)
def test_exact_item_none_without_a_positive_hit(amount: int, items: list[int]) -> None:
    assert exact_item(amount, items) is None


# -- subset_for -----------------------------------------------------------------------------


def test_two_bills_paid_together() -> None:
    assert subset_for(8_000, [3_000, 9_000, 5_000]) == (0, 2)


def test_three_bills_out_of_five() -> None:
    # 123.45 + 67.89 + 10.01 = 201.35; no other combination of these amounts gives it.
    assert subset_for(20_135, [12_345, 50_000, 6_789, 1_001, 99_999]) == (0, 2, 3)


def test_result_indexes_are_ascending_whatever_the_amount_order() -> None:
    assert subset_for(1_500, [1_000, 7_000, 500]) == (0, 2)


def test_two_different_sums_are_ambiguous() -> None:
    # 80.00 = 30.00 + 50.00 = 20.00 + 60.00
    assert subset_for(8_000, [3_000, 5_000, 2_000, 6_000]) is None


def test_equal_amounts_are_one_answer_and_the_earliest_items_are_paid() -> None:
    # 80.00 = 30.00 + 50.00 with two bills of 30.00 open: the items come in art. 1193 order,
    # so the first 30.00 is the one the law pays first.
    assert subset_for(8_000, [3_000, 3_000, 5_000]) == (0, 2)
    assert subset_for(8_000, [5_000, 7_000, 3_000, 3_000]) == (0, 2)


def test_two_of_three_identical_bills() -> None:
    assert subset_for(5_998, [2_999, 2_999, 2_999]) == (0, 1)


def test_every_item_of_one_amount() -> None:
    assert subset_for(10, [1] * 10) == tuple(range(10))


def test_a_single_item_of_the_amount_is_not_a_subset() -> None:
    assert subset_for(5_000, [5_000, 1_000]) is None
    assert subset_for(5_000, [5_000, 5_000]) is None


def test_a_single_item_and_a_pair_of_the_same_amount_are_ambiguous() -> None:
    assert subset_for(5_000, [5_000, 2_000, 3_000]) is None


def test_no_subset_reaches_the_amount() -> None:
    assert subset_for(8_001, [3_000, 5_000, 2_000]) is None
    assert subset_for(100_000, [3_000, 5_000]) is None


@pytest.mark.parametrize("amount", [0, -8_000])
def test_non_positive_payment_matches_nothing(amount: int) -> None:
    assert subset_for(amount, [3_000, 5_000, -8_000]) is None


def test_credit_notes_paid_items_and_larger_items_take_no_part() -> None:
    # -10.00 (credit note), 0 (paid) and 90.00 (larger than the payment) are skipped:
    # without the credit note, 80.00 = 30.00 + 50.00 is unique.
    assert subset_for(8_000, [-1_000, 3_000, 0, 9_000, 5_000, 4_000]) == (1, 4)


def test_too_many_candidate_items_is_no_answer() -> None:
    items = [100 + i for i in range(DEFAULT_MAX_ITEMS + 1)]  # 1.00 .. 1.12
    # 1.00 + 1.01 is the only way to 2.01, but 13 items are more than the search may consider.
    assert subset_for(201, items) is None
    assert subset_for(201, items, max_items=DEFAULT_MAX_ITEMS + 1) == (0, 1)


def test_items_larger_than_the_payment_do_not_count_towards_max_items() -> None:
    small = [1_000, 2_000]
    large = [50_000 + i for i in range(40)]
    assert subset_for(3_000, small + large) == (0, 1)


def test_step_budget_exhausted_is_no_answer() -> None:
    items = [2**i for i in range(12)]  # every total from 1 to 4095 is one unique subset
    amount = sum(items[::2])
    expected = tuple(range(0, 12, 2))
    assert subset_for(amount, items) == expected
    assert subset_for(amount, items, max_steps=10) is None


def test_deep_searches_need_no_recursion() -> None:
    items = list(range(1, 1_501))
    assert subset_for(sum(items), items, max_items=2_000, max_steps=100_000) == tuple(range(1_500))


def test_negative_bounds_are_refused() -> None:
    with pytest.raises(ValidationError, match="bounds cannot be negative"):
        subset_for(100, [50, 50], max_steps=-1)
    with pytest.raises(ValidationError, match="bounds cannot be negative"):
        subset_for(100, [50, 50], max_items=-1)


def _brute_force(amount: int, items: list[int]) -> tuple[int, ...] | None:
    """The rule spelled out over every subset of indexes (fine for ten items)."""
    usable = [i for i, cents in enumerate(items) if cents > 0]
    solutions = [
        combo
        for size in range(1, len(usable) + 1)
        for combo in itertools.combinations(usable, size)
        if sum(items[i] for i in combo) == amount
    ]
    sums = {tuple(sorted(items[i] for i in combo)) for combo in solutions}
    if len(sums) != 1:
        return None
    (amounts,) = sums
    if len(amounts) < 2:
        return None
    chosen: list[int] = []
    for value in set(amounts):
        chosen.extend([i for i in usable if items[i] == value][: amounts.count(value)])
    return tuple(sorted(chosen))


@settings(max_examples=400, deadline=None)
@given(
    items=st.lists(st.integers(min_value=-20, max_value=60), max_size=10),
    amount=st.integers(min_value=-5, max_value=250),
)
def test_subset_for_agrees_with_brute_force(items: list[int], amount: int) -> None:
    result = subset_for(amount, items)
    assert result == _brute_force(amount, items)
    if result is not None:
        assert sum(items[i] for i in result) == amount
        assert len(result) >= 2
        assert len(set(result)) == len(result)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.integers(min_value=1, max_value=100_000), min_size=2, max_size=10),
    data=st.data(),
)
def test_a_unique_subset_of_indexes_is_found(items: list[int], data: st.DataObject) -> None:
    picked = data.draw(
        st.lists(st.sampled_from(range(len(items))), min_size=2, max_size=len(items), unique=True)
    )
    amount = sum(items[i] for i in picked)
    matches = [
        combo
        for size in range(1, len(items) + 1)
        for combo in itertools.combinations(range(len(items)), size)
        if sum(items[i] for i in combo) == amount
    ]
    if len(matches) == 1:
        assert subset_for(amount, items) == tuple(sorted(picked))


# -- within_tolerance -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "due", "tolerance", "expected"),
    [
        (10_000, 10_000, 0, True),
        (9_950, 10_000, 50, True),  # underpaid by 0.50: write-off under policy
        (10_050, 10_000, 50, True),  # overpaid by 0.50: customer credit
        (9_949, 10_000, 50, False),
        (10_051, 10_000, 50, False),
        (9_999, 10_000, 0, False),
        (0, 10, 50, False),
        (50, 0, 50, False),
        (-10_000, -10_000, 50, False),
    ],
)
def test_within_tolerance(amount: int, due: int, tolerance: int, expected: bool) -> None:
    assert within_tolerance(amount, due, tolerance_cents=tolerance) is expected


def test_negative_tolerance_is_refused() -> None:
    with pytest.raises(ValidationError, match="tolerance cannot be negative"):
        within_tolerance(100, 100, tolerance_cents=-1)
