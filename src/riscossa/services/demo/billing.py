"""Demo contracts and their billing schedule over the 24 months before ``as_of``.

Periods are calendar months (monthly billing) or aligned pairs of months (bimonthly); a
period's bill is issued in the following month on the contract's billing day. Amounts are
integer cents: a monthly taxable base times a seasonal factor (per mille) times noise, split
into energy / network / excise / fees, with VAT computed on their sum — so lines always add up
to the total exactly.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from riscossa.services.demo.people import BUSINESS, CHRONIC, PUBLIC, RESIDENTIAL, DemoCustomer

# Seasonal shape per mille, January first.
SEASON = {
    "electricity": (1100, 1000, 950, 900, 900, 1050, 1200, 1150, 950, 900, 950, 1050),
    "gas": (1900, 1700, 1300, 800, 500, 350, 300, 300, 450, 900, 1400, 1800),
    "water": (900, 900, 950, 1000, 1050, 1150, 1250, 1250, 1050, 950, 900, 900),
    "telco": (1000,) * 12,
}
# Residential monthly taxable base range in cents.
BASE = {
    "electricity": (3500, 9000),
    "gas": (3000, 8000),
    "water": (1200, 3000),
    "telco": (2000, 4500),
}
VAT_RESIDENTIAL, VAT_BUSINESS = 10, 22

_METHODS_PERSON = (
    ("sdd", 0.45),
    ("bank_transfer", 0.65),
    ("postal_slip", 0.85),
    ("pagopa", 0.95),
    ("card", 1.0),
)
_METHODS_PUBLIC = (("bank_transfer", 0.7), ("pagopa", 1.0))


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    first: int  # ordinal of the 1st
    last: int  # ordinal of the last day


class Calendar:
    """Months from 27 before ``as_of`` to ``as_of``'s own; index ``now`` is ``as_of``'s month."""

    def __init__(self, as_of: dt.date, months: int = 24) -> None:
        self.as_of = as_of.toordinal()
        self.span = months
        first = dt.date(as_of.year, as_of.month, 1)
        year, month = first.year, first.month
        for _ in range(months + 3):
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        self.months: list[Month] = []
        while (year, month) <= (as_of.year, as_of.month):
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            start = dt.date(year, month, 1).toordinal()
            self.months.append(Month(year, month, start, nxt.toordinal() - 1))
            year, month = nxt.year, nxt.month
        self.now = len(self.months) - 1
        day = min(as_of.day, 28)
        self.window_start = dt.date(as_of.year - months // 12, as_of.month, day).toordinal()
        if months % 12:
            self.window_start -= (months % 12) * 30


@dataclass(slots=True)
class DemoContract:
    code: str
    customer: int
    utility: str
    supply_point: str
    status: str
    method: str
    start: dt.date
    end: dt.date | None
    months_per_bill: int
    bill_day: int
    due_days: int
    base: int
    vat_rate: int
    excise_permille: int
    periods: list[tuple[int, int]] = field(default_factory=list)  # (first month index, issue)
    credit_notes: dict[int, int] = field(default_factory=dict)  # period month index -> issue


def _utility(rnd: float) -> str:
    return (
        "electricity" if rnd < 0.45 else "gas" if rnd < 0.75 else "water" if rnd < 0.90 else "telco"
    )


def _supply_point(utility: str, rng: random.Random, serial: int) -> str:
    rnd = rng.random
    if utility == "electricity":
        return f"IT{(1, 1, 1, 12, 20)[int(rnd() * 5)]:03d}E{int(rnd() * 10**8):08d}"
    if utility == "gas":
        return f"{int(rnd() * 10**14):014d}"
    if utility == "water":
        return f"MTR{serial:09d}"
    return f"0{int(rnd() * 10**9):09d}"


def make_contracts(
    customers: list[DemoCustomer], rng: random.Random, cal: Calendar
) -> list[DemoContract]:
    rnd = rng.random
    out: list[DemoContract] = []
    for cust in customers:
        count = 2 if rnd() < 0.2 else 1
        utilities = [_utility(rnd())]
        if count == 2:
            other = _utility(rnd())
            utilities.append(
                other
                if other != utilities[0]
                else ("gas" if utilities[0] == "electricity" else "electricity")
            )
        for utility in utilities:
            serial = len(out) + 1
            methods = _METHODS_PUBLIC if cust.segment == PUBLIC else _METHODS_PERSON
            draw = rnd()
            method = next(m for m, limit in methods if draw < limit)
            if cust.segment == BUSINESS and method in ("postal_slip", "card"):
                method = "bank_transfer"
            residential = cust.segment == RESIDENTIAL
            low, high = BASE[utility]
            base = low + int((high - low) * rnd())
            if not residential:
                base *= 3 + int(37 * rnd() ** 3)
            # A quarter of contracts started inside the window; the others years before it.
            if rnd() < 0.25:
                start_ord = cal.window_start + int(rnd() * (cal.as_of - cal.window_start - 60))
            else:
                start_ord = cal.window_start - 30 - int(rnd() * 3650)
            start = dt.date.fromordinal(start_ord)
            status, end = "active", None
            end_ord = cal.as_of + 1
            draw = rnd()
            if draw < 0.04:
                status = "terminated"
                end_ord = max(start_ord + 45, cal.as_of - int(rnd() * 600))
                end = dt.date.fromordinal(min(end_ord, cal.as_of))
            elif cust.behaviour == CHRONIC and draw < 0.3:
                status = "suspended"
                end_ord = cal.as_of - 30 - int(rnd() * 150)
            contract = DemoContract(
                code=f"CT{serial:08d}",
                customer=cust.index,
                utility=utility,
                supply_point=_supply_point(utility, rng, serial),
                status=status,
                method=method,
                start=start,
                end=end,
                months_per_bill=(
                    1
                    if utility == "telco"
                    or (not residential and rnd() < 0.7)
                    or (residential and rnd() < 0.1)
                    else 2
                ),
                bill_day=5 + int(rnd() * 11),
                due_days=20 + int(rnd() * 11),
                base=base,
                vat_rate=VAT_RESIDENTIAL if residential and utility != "telco" else VAT_BUSINESS,
                excise_permille=(0 if utility in ("water", "telco") else 40 + int(rnd() * 61)),
            )
            _schedule(contract, start_ord, end_ord, cal, rng)
            out.append(contract)
    return out


def _schedule(
    contract: DemoContract, start_ord: int, end_ord: int, cal: Calendar, rng: random.Random
) -> None:
    months, step = cal.months, contract.months_per_bill
    for k in range(len(months) - step):
        if step == 2 and (months[k].month - 1) % 2:
            continue
        if months[k + step - 1].last < start_ord or months[k].first > end_ord:
            continue
        issue = months[k + step].first + contract.bill_day - 1
        if issue > cal.as_of or issue <= cal.window_start:
            continue
        contract.periods.append((k, issue))
        if rng.random() < 0.004:
            credit_issue = issue + 15 + int(rng.random() * 46)
            if credit_issue <= cal.as_of:
                contract.credit_notes[k] = credit_issue


def lines(contract: DemoContract, month: int, noise: int) -> tuple[int, int, int, int, int]:
    """Energy, network, excise, fees, VAT in cents for a period starting in ``month`` (1-12)."""
    season = SEASON[contract.utility]
    factor = (
        season[month - 1]
        if contract.months_per_bill == 1
        else (season[month - 1] + season[month % 12])
    )
    taxable = contract.base * factor * noise // 1_000_000
    energy = taxable * (480 + noise % 121) // 1000
    network = taxable * (150 + noise % 101) // 1000
    excise = taxable * contract.excise_permille // 1000
    fees = taxable - energy - network - excise
    vat = (taxable * contract.vat_rate + 50) // 100
    return energy, network, excise, fees, vat
