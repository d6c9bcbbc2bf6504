"""How each demo customer pays: the behaviours a credit manager meets, as simple dice rolls.

Prompt payers pay on or just before the due date; late payers 5-90 days after; chronic
defaulters pay about half of their bills, very late, sometimes in part; irregular payers mix
on-time, late, split and grouped payments. Direct debits are collected on the due date (moved
to Monday at weekends) unless the debit is rejected, after which the bill is paid late by
transfer or never. Disputed bills are never paid. Rare overpayments (rounded up) and double
payments leave money unapplied, which the ground truth shows as allocations smaller than
the payment, or none at all.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from riscossa.services.demo.people import CHRONIC, IRREGULAR, LATE, PROMPT

SDD_REJECT_RATE = {PROMPT: 0.015, LATE: 0.05, CHRONIC: 0.2, IRREGULAR: 0.03}


@dataclass(slots=True)
class Bill:
    """What the payment simulation needs to know of one invoice."""

    number: str
    payment_reference: str
    issue: int  # date ordinal
    due: int
    amount: int  # cents
    method: str  # contract payment method
    payable: bool  # False: disputed, or a row the import will reject


# (value_ord, serial, customer index, amount, channel, ((invoice, reference, cents), ...))
Allocation = tuple[str, str, int]
PaymentRecord = tuple[int, int, int, int, str, tuple[Allocation, ...]]


class PaymentSimulator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[PaymentRecord] = []
        self.stats: Counter[str] = Counter()

    def _add(
        self, day: int, customer: int, amount: int, channel: str, allocs: tuple[Allocation, ...]
    ) -> None:
        self.records.append((day, len(self.records), customer, amount, channel, allocs))

    def _add_sdd(
        self, day: int, customer: int, amount: int, allocs: tuple[Allocation, ...]
    ) -> None:
        """Direct debits settle on the due date, moved to Monday at weekends."""
        weekday = (day - 1) % 7  # date.fromordinal(1) is a Monday
        if weekday >= 5:
            day += 7 - weekday
        self.records.append((day, len(self.records), customer, amount, "sdd", allocs))

    def simulate(self, customer: int, behaviour: str, bills: list[Bill]) -> None:
        rnd = self.rng.random
        add, add_sdd = self._add, self._add_sdd
        stats = self.stats
        skip_next = False
        for pos, bill in enumerate(bills):
            if skip_next:
                skip_next = False
                continue
            if not bill.payable:
                continue
            full = ((bill.number, bill.payment_reference, bill.amount),)
            if bill.method == "sdd":
                if rnd() >= SDD_REJECT_RATE[behaviour]:
                    add_sdd(bill.due, customer, bill.amount, full)
                    continue
                stats["sdd_rejected"] += 1
                if rnd() < (0.7 if behaviour == CHRONIC else 0.4):
                    stats["sdd_rejected_never_paid"] += 1
                    continue
                add(bill.due + 10 + int(rnd() * 50), customer, bill.amount, "bank_transfer", full)
                continue
            channel = bill.method
            draw = rnd()
            if behaviour == PROMPT or (behaviour == IRREGULAR and draw < 0.45):
                day = max(bill.issue + 1, bill.due - int(rnd() * 6))
            elif behaviour == LATE:
                day = bill.due + 5 + int(85 * rnd() * rnd())
            elif behaviour == CHRONIC:
                if draw < 0.5:
                    stats["chronic_unpaid"] += 1
                    continue
                day = bill.due + 15 + int(285 * rnd() * rnd())
                if draw > 0.85:
                    part = bill.amount * (30 + int(rnd() * 41)) // 100
                    if part > 0:
                        stats["partial_payments"] += 1
                        add(
                            day,
                            customer,
                            part,
                            channel,
                            ((bill.number, bill.payment_reference, part),),
                        )
                    continue
            elif draw < 0.70:
                day = bill.due + 1 + int(rnd() * 40)
            elif draw < 0.85:
                first = bill.amount * (40 + int(rnd() * 41)) // 100
                day = bill.due + int(rnd() * 11)
                stats["partial_payments"] += 1
                if first > 0:
                    add(
                        day,
                        customer,
                        first,
                        channel,
                        ((bill.number, bill.payment_reference, first),),
                    )
                if rnd() < 0.8 and bill.amount - first > 0:
                    rest = bill.amount - first
                    add(
                        day + 20 + int(rnd() * 41),
                        customer,
                        rest,
                        channel,
                        ((bill.number, bill.payment_reference, rest),),
                    )
                continue
            else:
                nxt = bills[pos + 1] if pos + 1 < len(bills) else None
                if nxt is not None and nxt.payable and nxt.method == bill.method:
                    stats["grouped_payments"] += 1
                    add(
                        nxt.due,
                        customer,
                        bill.amount + nxt.amount,
                        channel,
                        (full[0], (nxt.number, nxt.payment_reference, nxt.amount)),
                    )
                    skip_next = True
                    continue
                day = bill.due + 1 + int(rnd() * 40)
            amount = bill.amount
            extra = rnd()
            if extra < 0.004:
                amount = (amount // 500 + 1) * 500  # rounded up to the next 5 euro
                stats["overpayments"] += 1
            add(day, customer, amount, channel, full)
            if extra > 0.999:
                stats["double_payments"] += 1
                add(day + 3 + int(rnd() * 18), customer, bill.amount, channel, ())
