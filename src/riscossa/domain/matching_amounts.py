"""Matching a payment to a customer's open items by amount alone, in integer cents.

These run after the identifiers and the remittance text have failed, so an amount is the only
evidence: every answer must be the only one possible, or there is no answer. A payment that
fits two different sets of items is left to art. 1193 c.c. (:mod:`allocation_order`) or to
the unapplied queue, never guessed.

Open items with a zero or negative open amount (paid items, credit notes) never take part:
credit notes are offset by their own rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from riscossa.domain.errors import ValidationError

DEFAULT_MAX_ITEMS = 12
DEFAULT_MAX_STEPS = 20_000


def exact_item(amount_cents: int, open_cents: Sequence[int]) -> int | None:
    """Index of the only open item of exactly ``amount_cents``; None for none or several."""
    if amount_cents <= 0:
        return None
    hit: int | None = None
    for index, cents in enumerate(open_cents):
        if cents == amount_cents:
            if hit is not None:
                return None
            hit = index
    return hit


def subset_for(
    amount_cents: int,
    open_cents: Sequence[int],
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> tuple[int, ...] | None:
    """Indexes (ascending) of the one set of two or more open items summing to the amount.

    Uniqueness is judged on amounts, not on indexes: two bills of the same amount are
    interchangeable for the sum, so "80.00 = 30.00 + 50.00" is one answer even when two bills
    of 30.00 are open. Which of the equal bills is paid is a question art. 1193 c.c. answers,
    so ``open_cents`` is expected in :func:`allocation_order.law_order` order and the earliest
    indexes of each amount are returned. Two different sums of amounts (30 + 50 and 20 + 60)
    are ambiguous and give None. A payment equal to a single open item is
    :func:`exact_item`'s question; when it also equals a sum of several, neither is sure and
    the answer is None.

    Bounds, both ending in None rather than a guess: only items no larger than the payment
    can take part, and when more than ``max_items`` of them are open the search is not
    attempted; the search visits at most ``max_steps`` nodes (one node = one choice of how
    many items of one distinct amount to take, O(1) work), which caps a call at a few
    milliseconds whatever the input. With the defaults the budget is never the binding bound
    (12 items make at most 2**13 - 1 = 8,191 nodes); it is there for a raised ``max_items``.
    """
    if max_items < 0 or max_steps < 0:
        raise ValidationError("subset search bounds cannot be negative")
    if amount_cents <= 0:
        return None
    by_amount: dict[int, list[int]] = {}
    available = 0
    for index, cents in enumerate(open_cents):
        if 0 < cents <= amount_cents:
            by_amount.setdefault(cents, []).append(index)
            available += 1
    if available < 2 or available > max_items:
        return None
    values = sorted(by_amount, reverse=True)
    counts = [len(by_amount[v]) for v in values]
    suffix = [0] * (len(values) + 1)
    for j in range(len(values) - 1, -1, -1):
        suffix[j] = suffix[j + 1] + values[j] * counts[j]
    if suffix[0] < amount_cents:
        return None

    found = _search(amount_cents, values, counts, suffix, max_steps)
    if found is None or sum(found) < 2:
        return None
    chosen: list[int] = []
    for value, k in zip(values, found, strict=True):
        chosen.extend(by_amount[value][:k])
    return tuple(sorted(chosen))


def _search(
    amount: int, values: list[int], counts: list[int], suffix: list[int], max_steps: int
) -> list[int] | None:
    """How many items of each distinct amount make the only sum; None if none, two or budget.

    Depth-first over the distinct amounts, largest first, each taken ``count..0`` times,
    iterative so that no recursion limit applies whatever ``max_items`` is. ``suffix[j]`` is
    what the amounts from ``j`` on can still add up to, which prunes branches that cannot
    reach.
    """
    depth_max = len(values)
    taken = [0] * depth_max  # invariant: on entering depth d, taken[d:] are all zero
    needs = [0] * (depth_max + 1)
    needs[0] = amount
    found: list[int] | None = None
    depth = steps = 0
    while depth >= 0:
        steps += 1
        if steps > max_steps:
            return None
        need = needs[depth]
        if need == 0:
            if found is not None:
                return None
            found = taken.copy()
        elif depth < depth_max and suffix[depth] >= need:
            k = min(counts[depth], need // values[depth])
            taken[depth] = k
            needs[depth + 1] = need - k * values[depth]
            depth += 1
            continue
        # Leaf: back up to the deepest level that can still take one item fewer.
        depth -= 1
        while depth >= 0 and taken[depth] == 0:
            depth -= 1
        if depth >= 0:
            taken[depth] -= 1
            needs[depth + 1] = needs[depth] - taken[depth] * values[depth]
            depth += 1
    return found


def within_tolerance(amount_cents: int, due_cents: int, *, tolerance_cents: int) -> bool:
    """Whether a payment differs from what is due by no more than the policy tolerance.

    Both directions count: an underpayment within tolerance closes the items with a write-off
    of the difference, an overpayment within tolerance leaves the excess as customer credit;
    the caller tells them apart by the sign of ``amount_cents - due_cents``. The tolerance is a
    policy setting, not a constant of this module.
    """
    if tolerance_cents < 0:
        raise ValidationError("a tolerance cannot be negative")
    if amount_cents <= 0 or due_cents <= 0:
        return False
    return abs(amount_cents - due_cents) <= tolerance_cents
