"""Imputing a payment the payer did not declare: art. 1193 c.c.

Art. 1193, second paragraph: without the debtor's declaration a payment goes to the debt
already due (*scaduto*); among several due debts to the least secured (*meno garantito*),
then to the most onerous (*più oneroso*), then to the oldest (*più antico*). The engine has
no data on guarantees or on the cost of each debt (every bill of a supply carries the same
late-interest rule), so age decides: the earliest due date, then the earliest issue date,
then the item id, so that the same input always gives the same plan. Where even the dates
tie the code says "lowest id" where the article would split proportionally: the plan stays
deterministic and an operator can re-impute by hand. Debts not yet due come after every due
one, earliest due date first. What is left once every item is paid is an overpayment and
becomes customer credit.

Art. 1194 (interest and costs before capital) is outside this module: a fee or interest
charge billed as an open item takes its place by its own dates like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from riscossa.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class DueItem:
    """An open item as the imputation sees it; ``open_cents`` <= 0 items are skipped."""

    item_id: int
    due_date: dt.date
    issue_date: dt.date
    open_cents: int


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """``allocations`` are ``(index into the items given, cents)`` in the order the law pays
    them; ``leftover_cents`` is the overpayment left as customer credit."""

    allocations: tuple[tuple[int, int], ...]
    leftover_cents: int
    due_cents: int
    """The part that went to debts already due on ``as_of`` (see :func:`is_due`)."""

    @property
    def allocated_cents(self) -> int:
        return sum(cents for _, cents in self.allocations)


def is_due(item: DueItem, as_of: dt.date) -> bool:
    """Due (*scaduto*, exigible) from its due date on: a payment made that day pays a due debt.

    The ledger calls an item overdue only the day after; the order is the same either way.
    """
    return item.due_date <= as_of


def law_order(items: Sequence[DueItem], as_of: dt.date) -> list[int]:
    """Indexes of the items with something open, in the order art. 1193 pays them.

    Debts due first, then the others; within each group the earliest due date, issue date and
    id. The two groups split the due dates at ``as_of``, so the key is also plain date order;
    the group comes first in the key to keep the rule visible should the order within a group
    ever change (a "least secured" flag, for instance).
    """
    open_indexes = [i for i, item in enumerate(items) if item.open_cents > 0]
    open_indexes.sort(
        key=lambda i: (
            not is_due(items[i], as_of),
            items[i].due_date,
            items[i].issue_date,
            items[i].item_id,
        )
    )
    return open_indexes


def allocate_by_law(
    amount_cents: int, items: Sequence[DueItem], *, as_of: dt.date
) -> AllocationPlan:
    """Spread a payment over the items in :func:`law_order`, each paid in full before the next."""
    if amount_cents < 0:
        raise ValidationError("a payment to impute cannot be negative")
    left = amount_cents
    due = 0
    allocations: list[tuple[int, int]] = []
    for index in law_order(items, as_of):
        if left == 0:
            break
        item = items[index]
        cents = min(left, item.open_cents)
        allocations.append((index, cents))
        left -= cents
        if is_due(item, as_of):
            due += cents
    return AllocationPlan(tuple(allocations), leftover_cents=left, due_cents=due)
