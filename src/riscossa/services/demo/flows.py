"""One day of demo payment flows, as the bank, Poste and pagoPA send them, with their truth.

The files are the real formats the flow import reads: a camt.053.001.02 statement of the
creditor's account (most transfers, a bank fee, reversals of credits booked earlier in the
same statement, the pagoPA lump sum ``/PUR/LGPE-RIVERSAMENTO/URI/<flow id>``), the pagoPA
FlussoRiversamento that details the lump sum, a Poste report of paid 896 bollettini, a CBI
RH statement and an MT940 statement of two other accounts. ``truth-<day>.csv`` says where
every euro should end.

Shares of the day's payments (each kind at least once from 20 payments on, when the open
items allow it; ``reference`` takes what the others leave):

====================  =====  ========================================================
kind                  share  what the payer did
====================  =====  ========================================================
reference             ~49%   paid one bill exactly quoting the creditor's code: pagoPA
                             notice (through pagoPA), 896 code (at the post office), RF
                             or notice number on a transfer
invoice_number        14%    a transfer quoting only the invoice number, spelled in one
                             of the ways that still normalise to it ("FT 2024/000123",
                             "saldo fatt. n. ft2024000123")
invoice_number_loose  2%     the number spelled so that it no longer does ("fattura n.
                             2024000123", "saldo fatt. 2024/123"), from the customer's
                             own IBAN or in their exact name
iban_only             9%     no reference, from the customer's own IBAN, the amount of one
                             open bill: the oldest (the one reminders ask for) in 6 cases
                             out of 10, any open one otherwise
name_typo             3%     no reference and no IBAN (cash paid in at a branch), the
                             name mistyped by one letter, the amount of one bill (chosen
                             as for iban_only)
relative              3%     another first name, the same surname, an account nobody
                             knows, the bill's code or number
partial               5%     30-80% of a bill in whole euros, quoting its code or number
multi_listed          2.5%   2-4 bills of one customer, exact sum, their numbers listed
multi_unlisted        1.5%   2-4 bills, exact sum, no numbers, own IBAN (the oldest ones
                             in 6 cases out of 10, any others otherwise)
overpayment           2%     a bill rounded up to the next 5 or 10 euro, quoting its code
wrong_reference       2%     the RF or notice number of a bill (chosen as for iban_only)
                             with one digit mistyped so that its check digits fail, own
                             IBAN or exact name, the amount of that bill
unknown_payer         3%     nobody the creditor knows: an unknown name and account,
                             unrelated text
reversed              1%     a transfer quoting a code, taken back by the bank later in
                             the same statement
====================  =====  ========================================================

Truth. One row per allocation line the engine should make (``invoice_number`` empty for
money that stays as credit or unapplied); the bank reference is the one the import stores
(a pagoPA payment's IUR gets ``/<position>`` from the second payment of its flow on). Where
the payer declared items (a code, a number, even a badly spelled one) the truth pays those
items, in the order of art. 1193 c.c. among them, the rest being the customer's credit;
where they declared none (the undeclared kinds: ``iban_only``, ``name_typo``,
``multi_unlisted``, ``wrong_reference``) it is what art. 1193 c.c. gives over all the
customer's open items (:func:`allocate_by_law` as of ``day``; the items must be given in
the order of their ids in the ledger, which breaks ties of dates as the engine does).
Unknown payers' money stays unapplied; reversed payments have no row.

Each row depends on one payment only, whatever order the engine takes them in: a bill is
named by one payment at most, and a customer who pays without saying what makes no other
payment that day. Otherwise the truth of a later payment would hang on how the engine read
an earlier one (a typo'd name it could not place, say), and a bill named after another
payment paid it in full would raise a question (refund, or another bill?) that is policy,
not arithmetic.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stdnum import iso11649

from riscossa.banking.iban import check_iban
from riscossa.domain.allocation_order import DueItem, allocate_by_law, law_order
from riscossa.domain.matching_amounts import exact_item, subset_for
from riscossa.domain.name_match import NameIndex, normalise_name
from riscossa.services.demo.codes import italian_iban, partita_iva
from riscossa.services.demo.flow_writers import ROUTES, Creditor, DayPayment, write_day

KIND_SHARES: Mapping[str, float] = {
    "invoice_number": 0.14,
    "invoice_number_loose": 0.02,
    "iban_only": 0.09,
    "name_typo": 0.03,
    "relative": 0.03,
    "partial": 0.05,
    "multi_listed": 0.025,
    "multi_unlisted": 0.015,
    "overpayment": 0.02,
    "wrong_reference": 0.02,
    "unknown_payer": 0.03,
    "reversed": 0.01,
}
KINDS = ("reference", *KIND_SHARES)
UNDECLARED_KINDS = ("iban_only", "name_typo", "multi_unlisted", "wrong_reference")
# An undeclared payment is worth the oldest open bill(s) this often, else other open bills.
OLDEST_BILL_SHARE = 0.6
# Transfers not bound to pagoPA or Poste: which statement carries them.
TRANSFER_ROUTES = (("camt053", 0.75), ("cbi_rh", 0.18), ("mt940", 0.07))
TRUTH_COLUMNS = ("bank_reference", "customer_code", "invoice_number", "amount_cents", "kind")
DEMO_CREDITOR_NAME = "Riscossa Demo Energia S.p.A."
DEMO_CREDITOR_TAX_CODE = partita_iva(4815162, 58)
DEMO_POSTE_ACCOUNT = "001023456789"

_RELATIVE_NAMES = (
    "Giuseppe", "Maria", "Giovanni", "Anna", "Antonio", "Francesca", "Luca", "Sara",
    "Marco", "Giulia", "Paolo", "Chiara", "Roberto", "Elena", "Stefano", "Laura",
)  # fmt: skip
_STRANGERS = (
    "Zhang Wei", "Oksana Kovalenko", "Jean-Pierre Dubois", "Hans Gruber", "Ahmed Benali",
    "Ioana Popescu", "Tomasz Kowalski", "Nguyen Van An", "Ricardo Da Silva", "John Smith",
    "Condominio Via Garibaldi", "Associazione Sportiva Aurora", "Parrocchia San Rocco",
    "Studio Tecnico Brenna e Soci", "Immobiliare Tre Pini S.r.l.", "Olena Shevchenko",
)  # fmt: skip
_STRANGER_TEXTS = (
    "rimborso spese", "quota condominiale", "affitto box", "restituzione caparra",
    "donazione", "saldo preventivo", "bonifico", "",
)  # fmt: skip
_VAGUE = (
    "pagamento bolletta", "saldo utenze", "bolletta luce", "pagamento fornitura gas",
    "utenza", "BONIFICO A VOSTRO FAVORE", "",
)  # fmt: skip
_VAGUE_MANY = ("pagamento bollette", "saldo utenze arretrate", "bollette insolute", "")
_CASH = ("VERSAMENTO CONTANTI", "versamento", *_VAGUE)
_NUMBER_TEXTS = (
    "Pagamento fattura {n}", "PAGAMENTO FATTURA N. {n}", "saldo fatt. {n}",
    "Saldo fatt. n. {n} euro {euro}", "fattura {n} cod. cliente {code}", "rif. fattura {n}",
    "bolletta n. {n}", "{n}", "pag. {n} {name}",
)  # fmt: skip
_LOOSE_TEXTS = ("fattura n. {n}", "saldo fatt. {n}", "bolletta {n}", "pagamento fattura {n}")
_LIST_TEXTS = ("Pagamento fatture {n}", "saldo fatt. {n}", "fatture {n}", "{n}")
_LIST_JOINS = (", ", " e ", " ", " + ")
_WRONG_TEXTS = ("{c}", "pagamento {c}", "AVVISO {c}", "rif. {c}")
_PARTIAL_WORDS = ("ACCONTO ", "acconto ", "parziale ", "")
_BANKS = ("03069", "02008", "05034", "03111", "05387", "01030", "03062", "05696")
_COMPANY_WORDS = re.compile(
    r"(?i)(?<![a-z])(?:s\.?r\.?l|s\.?p\.?a|s\.?n\.?c|s\.?a\.?s|group|comune|istituto|azienda|"
    r"biblioteca|casa|liceo|consorzio|provincia|societ|ditta|studio|e figli)(?![a-z])|[&,0-9]"
)
_NUMBER_PARTS = re.compile(r"([A-Za-z]*)[ /-]?(\d+)[/.-](\d+)")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class DemoItem:
    """An open item as a payer sees it; ``open_cents`` is what is still to pay."""

    customer_code: str
    customer_name: str
    customer_iban: str
    tax_code: str
    invoice_number: str
    payment_reference: str
    due_date: dt.date
    issue_date: dt.date
    open_cents: int


@dataclass(frozen=True, slots=True)
class DayFlows:
    """The files of one day in the order to import them, the truth, and what they hold.

    ``lump_sums`` (end ``split``), ``reversed`` (end ``reversed``, no allocation) and
    ``unknown`` (end ``unapplied``) are bank references as the import stores them.
    """

    day: dt.date
    files: tuple[Path, ...]
    truth: Path
    counts: Mapping[str, int]
    payments: int
    truth_lines: int
    lump_sums: tuple[str, ...]
    reversed: tuple[str, ...]
    unknown: tuple[str, ...]


def generate_day_flows(
    items: Sequence[DemoItem],
    rng: random.Random,
    day: dt.date,
    creditor_iban: str,
    out_dir: Path,
    payments: int,
    *,
    with_mt940: bool = True,
    creditor_name: str = DEMO_CREDITOR_NAME,
    creditor_tax_code: str = DEMO_CREDITOR_TAX_CODE,
) -> DayFlows:
    """Write one day's flows and truth for ``payments`` payments (fewer only when the open
    items run out) into ``out_dir``."""
    planner = _Planner(items, rng, day, with_mt940)
    planned = planner.plan(payments)
    out_dir.mkdir(parents=True, exist_ok=True)
    creditor = Creditor(creditor_name, creditor_iban, creditor_tax_code, DEMO_POSTE_ACCOUNT)
    files, lump_sums = write_day(planned, rng, day, creditor, out_dir)
    rows = list(planner.truth(planned))
    truth = out_dir / f"truth-{day.isoformat()}.csv"
    with truth.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(rows)
    counts = Counter(p.kind for p in planned)
    return DayFlows(
        day=day,
        files=files,
        truth=truth,
        counts={kind: counts[kind] for kind in KINDS if counts[kind]},
        payments=len(planned),
        truth_lines=len(rows),
        lump_sums=lump_sums,
        reversed=tuple(p.bank_reference for p in planned if p.reversed),
        unknown=tuple(p.bank_reference for p in planned if p.customer is None),
    )


def kind_counts(payments: int) -> dict[str, int]:
    """How many payments of each kind make ``payments``; ``reference`` takes the rest."""
    counts = {
        kind: max(1 if payments >= 20 else 0, round(share * payments))
        for kind, share in KIND_SHARES.items()
    }
    return {"reference": max(payments - sum(counts.values()), 0), **counts}


def reference_kind(code: str) -> str:
    """``rf``, ``notice`` (pagoPA, aux digit 3), ``poste`` (other 18-digit mod-93 code) or ""."""
    compact = code.replace(" ", "").upper()
    if compact.startswith("RF") and iso11649.is_valid(compact):
        return "rf"
    if len(compact) == 18 and compact.isdigit() and int(compact[:16]) % 93 == int(compact[16:]):
        return "notice" if compact[0] == "3" else "poste"
    return ""


@dataclass(slots=True)
class _Payment(DayPayment):
    kind: str = "reference"
    customer: str | None = None  # whose money it is; None for an unknown payer
    items: tuple[int, ...] = ()  # the items the payer declared (positions in ``items``)


@dataclass(slots=True)
class _Customer:
    code: str
    name: str
    iban: str  # "" unless a valid IBAN
    tax_code: str
    items: list[int] = field(default_factory=list)  # open ones


class _Planner:
    """What each payer of the day does, and where the law says their money goes."""

    def __init__(
        self, items: Sequence[DemoItem], rng: random.Random, day: dt.date, with_mt940: bool
    ) -> None:
        self.items, self.rng, self.day = items, rng, day
        self.routes = TRANSFER_ROUTES if with_mt940 else (("camt053", 0.8), ("cbi_rh", 0.2))
        self.customers: dict[str, _Customer] = {}
        for position, item in enumerate(items):
            customer = self.customers.get(item.customer_code)
            if customer is None:
                checked = check_iban(item.customer_iban)
                iban = checked.iban if item.customer_iban and checked.valid else ""
                customer = _Customer(item.customer_code, item.customer_name, iban, item.tax_code)
                self.customers[item.customer_code] = customer
            if item.open_cents > 0:
                customer.items.append(position)
        self.refs = [reference_kind(item.payment_reference) for item in items]
        self.declared: set[int] = set()  # items a payer names
        self.undeclared: set[str] = set()  # customers who pay without saying what
        self.known_ibans = {c.iban for c in self.customers.values() if c.iban}
        self._pools: dict[str, list[int]] = {}
        self._customer_pools: dict[str, list[str]] = {}
        self._strangers: list[str] | None = None
        self._names: dict[str, str] | None = None

    def plan(self, count: int) -> list[_Payment]:
        counts = kind_counts(count)
        planned: list[_Payment] = []
        # Undeclared payers first: their customers make no other payment that day.
        for kind in dict.fromkeys((*UNDECLARED_KINDS, *KIND_SHARES, "reference")):
            wanted = counts[kind] if kind != "reference" else count - len(planned)
            for _ in range(wanted):
                payment = getattr(self, f"_{kind}")()
                if payment is None:
                    break
                planned.append(payment)
        for payment in planned:
            payment.order = self.rng.random()
            payment.value_date = self._value_date(payment.route)
        return planned

    def truth(self, planned: Sequence[_Payment]) -> Iterator[tuple[str, str, str, int, str]]:
        """Rows of the truth, file by file in import order."""
        for p in sorted(planned, key=lambda p: (ROUTES.index(p.route), p.order)):
            ref, kind = p.bank_reference, p.kind
            if p.customer is None:
                yield ref, "", "", p.amount_cents, kind
            elif not p.reversed:
                own = p.items or tuple(self.customers[p.customer].items)
                lines = (
                    self._by_law(p.amount_cents, own)
                    if p.items
                    else self._tacit(p.amount_cents, own)
                )
                for position, cents in lines:
                    yield ref, p.customer, self.items[position].invoice_number, cents, kind
                left = p.amount_cents - sum(cents for _, cents in lines)
                if left:
                    yield ref, p.customer, "", left, kind

    def _by_law(self, amount: int, positions: Sequence[int]) -> list[tuple[int, int]]:
        plan = allocate_by_law(amount, self._due(positions), as_of=self.day)
        return [(positions[index], cents) for index, cents in plan.allocations]

    def _tacit(self, amount: int, positions: Sequence[int]) -> list[tuple[int, int]]:
        """What a payment that names nothing pays: an amount equal to one open bill, to all
        of them or to one set of them says which (matching order, step 4); otherwise the
        law decides (art. 1193 c.c., step 5)."""
        due = self._due(positions)
        ordered = [positions[n] for n in law_order(due, self.day)]
        opens = [self.items[p].open_cents for p in ordered]
        exact = exact_item(amount, opens)
        if exact is not None:
            return [(ordered[exact], amount)]
        if amount == sum(opens):
            return list(zip(ordered, opens, strict=True))
        subset = subset_for(amount, opens)
        if subset is not None:
            return [(ordered[n], opens[n]) for n in subset]
        return self._by_law(amount, positions)

    # -- picking ---------------------------------------------------------------------------

    def _due(self, positions: Sequence[int]) -> list[DueItem]:
        items = self.items
        return [
            DueItem(p, items[p].due_date, items[p].issue_date, items[p].open_cents)
            for p in positions
        ]

    def _take(self, *pools: str) -> int | None:
        """An open item nobody names yet, of a customer who says what they pay."""
        for name in pools:
            pool = self._pool(name)
            while pool:
                position = pool.pop()
                if position in self.declared:
                    continue
                if self.items[position].customer_code in self.undeclared:
                    continue
                self.declared.add(position)
                return position
        return None

    def _pool(self, name: str) -> list[int]:
        """Open items fit for ``name``, shuffled once; taken from the end."""
        if name not in self._pools:
            pool = [p for p, item in enumerate(self.items) if item.open_cents > 0]
            pool = [p for p in pool if self._fits(name, p)]
            self.rng.shuffle(pool)
            self._pools[name] = pool
        return self._pools[name]

    def _fits(self, pool: str, position: int) -> bool:
        if pool == "coded":
            return self.refs[position] != ""
        if pool == "transfer":
            return self.refs[position] in ("rf", "notice")
        if pool == "loose":
            return bool(_loose(self.items[position].invoice_number))
        if pool == "person":
            return _person(self.items[position].customer_name) is not None
        return True

    def _customer(self, need: str) -> _Customer | None:
        """A customer with open items and no payment yet today, fit for ``need``."""
        if need not in self._customer_pools:
            codes = list(self.customers)
            self.rng.shuffle(codes)
            self._customer_pools[need] = codes
        pool = self._customer_pools[need]
        while pool:
            customer = self.customers[pool.pop()]
            if customer.code in self.undeclared or not customer.items:
                continue
            if any(p in self.declared for p in customer.items):
                continue
            coded = any(self.refs[p] in ("rf", "notice") for p in customer.items)
            if (need == "iban" and not customer.iban) or (need == "coded" and not coded):
                continue
            if need == "many" and not (customer.iban and len(customer.items) >= 2):
                continue
            return customer
        return None

    def _value_date(self, route: str) -> dt.date:
        rnd = self.rng.random()
        if route == "pagopa":  # paid the day or two before the PSP settles
            return self.day - dt.timedelta(days=1 + int(rnd * 2))
        if route == "poste":  # paid at a post office in the last days (Saturdays too)
            paid = self.day - dt.timedelta(days=1 + int(rnd * 3))
            return paid - dt.timedelta(days=1) if paid.weekday() == 6 else paid
        if rnd < 0.8:
            return self.day
        previous = self.day - dt.timedelta(days=1)
        while previous.weekday() >= 5:
            previous -= dt.timedelta(days=1)
        return previous

    def _transfer_route(self) -> str:
        rnd = self.rng.random()
        for route, share in self.routes:
            rnd -= share
            if rnd < 0:
                return route
        return self.routes[0][0]

    # -- how payers write --------------------------------------------------------------------

    def _transfer(
        self,
        kind: str,
        customer: _Customer,
        items: Sequence[int],
        amount: int,
        text: str = "",
        structured: str = "",
        *,
        payer: tuple[str, str] | None = None,
    ) -> _Payment:
        """A transfer by ``customer`` (or ``payer``: name, IBAN), naming ``items``."""
        if payer is None:  # their own account when the creditor knows it, mostly
            own = customer.iban and self.rng.random() < 0.7
            payer = _spelled(customer.name, self.rng), customer.iban if own else self._iban()
        route = "camt053" if kind == "reversed" else self._transfer_route()
        return _Payment(
            route,
            amount,
            payer_name=payer[0],
            payer_iban=payer[1],
            payer_tax_code=customer.tax_code if payer[1] == customer.iban else "",
            remittance=text,
            creditor_reference=structured,
            reversed=kind == "reversed",
            kind=kind,
            customer=customer.code,
            items=tuple(items),
        )

    def _iban(self) -> str:
        """An account the creditor does not know."""
        while True:
            iban = italian_iban(
                self.rng.choice(_BANKS),
                f"{self.rng.randrange(1, 99_999):05d}",
                f"{self.rng.randrange(10**11, 10**12):012d}",
            )
            if iban not in self.known_ibans:
                return iban

    def _code_text(self, position: int) -> tuple[str, str]:
        """(remittance, structured RF) quoting the item's code on a transfer."""
        item = self.items[position]
        code = item.payment_reference.replace(" ", "").upper()
        pick = self.rng.randrange(4)
        if self.refs[position] == "rf":
            spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
            texts = ("", code, spaced, f"Pagamento {code} fattura {item.invoice_number}")
            return texts[pick], code if pick == 0 else ""
        if self.refs[position] == "notice":
            spaced = " ".join(code[i : i + 4] for i in range(0, 18, 4))
            euro = f"{item.open_cents // 100}.{item.open_cents % 100:02d}"
            texts = (f"PAGAMENTO AVVISO PAGOPA {code}", spaced, f"/RFB/{code[1:]}/{euro}", code)
            return texts[pick], ""
        return f"BOLLETTINO 896 {code}", ""

    def _number_text(self, position: int) -> str:
        item = self.items[position]
        template = self.rng.choice(_NUMBER_TEXTS)
        spelling = self.rng.choice(_spellings(item.invoice_number))
        if spelling.isdigit():  # bare digits are nobody's invoice number without a word
            template = "fattura {n}"
        return template.format(
            n=spelling,
            euro=f"{item.open_cents // 100},{item.open_cents % 100:02d}",
            code=item.customer_code,
            name=_spelled(item.customer_name, self.rng),
        )

    def _quoting(self, kind: str, position: int, amount: int, code_share: float) -> _Payment:
        """A transfer quoting the item's code (``code_share`` of the time) or its number."""
        customer = self.customers[self.items[position].customer_code]
        if self.refs[position] in ("rf", "notice") and self.rng.random() < code_share:
            return self._transfer(kind, customer, (position,), amount, *self._code_text(position))
        return self._transfer(kind, customer, (position,), amount, self._number_text(position))

    # -- payers who say what they pay --------------------------------------------------------

    def _reference(self) -> _Payment | None:
        position = self._take("coded", "any")
        if position is None:
            return None
        item = self.items[position]
        kind = "reference" if self.refs[position] else "invoice_number"
        route = {"poste": "poste", "notice": "pagopa"}.get(self.refs[position])
        if route is not None and (route == "poste" or self.rng.random() < 0.85):
            code = item.payment_reference.replace(" ", "")
            return _Payment(
                route, item.open_cents, code=code, customer=item.customer_code, items=(position,)
            )
        return self._quoting(kind, position, item.open_cents, 1.0)

    def _reversed(self) -> _Payment | None:
        position = self._take("transfer")
        if position is None:
            return None
        return self._quoting("reversed", position, self.items[position].open_cents, 1.0)

    def _overpayment(self) -> _Payment | None:
        """A bill rounded up by a customer who owes nothing else: the rest is their credit
        (with other bills open, the engine would rightly pay those with it)."""
        while (position := self._take("transfer")) is not None:
            if len(self.customers[self.items[position].customer_code].items) == 1:
                step = 500 if self.rng.random() < 0.6 else 1000
                amount = (self.items[position].open_cents // step + 1) * step
                return self._quoting("overpayment", position, amount, 1.0)
            self.declared.discard(position)
        return None

    def _partial(self) -> _Payment | None:
        while (position := self._take("any")) is not None:
            due = self.items[position].open_cents
            amount = due * self.rng.randint(30, 80) // 100 // 100 * 100
            if 0 < amount < due:
                payment = self._quoting("partial", position, amount, 0.6)
                word = self.rng.choice(_PARTIAL_WORDS)
                payment.remittance = (word + payment.remittance).strip()
                return payment
            self.declared.discard(position)
        return None

    def _invoice_number(self) -> _Payment | None:
        position = self._take("any")
        if position is None:
            return None
        return self._quoting("invoice_number", position, self.items[position].open_cents, 0.0)

    def _invoice_number_loose(self) -> _Payment | None:
        position = self._take("loose")
        if position is None:
            return None
        item = self.items[position]
        customer = self.customers[item.customer_code]
        number = self.rng.choice(_loose(item.invoice_number))
        text = self.rng.choice(_LOOSE_TEXTS).format(n=number)
        payer = customer.name, customer.iban  # own account, or at least their exact name
        return self._transfer(
            "invoice_number_loose", customer, (position,), item.open_cents, text, payer=payer
        )

    def _relative(self) -> _Payment | None:
        position = self._take("person")
        if position is None:
            return None
        item = self.items[position]
        first, surname = _person(item.customer_name) or ("", "")
        other = self.rng.choice([n for n in _RELATIVE_NAMES if n.upper() != first.upper()])
        payment = self._quoting("relative", position, item.open_cents, 0.7)
        payment.payer_name = _spelled(f"{other} {surname}", self.rng)
        payment.payer_iban, payment.payer_tax_code = self._iban(), ""
        return payment

    def _multi_listed(self) -> _Payment | None:
        customer = self._customer("any")
        while customer is not None and len(customer.items) < 2:
            customer = self._customer("any")
        if customer is None:
            return None
        chosen = self.rng.sample(customer.items, min(len(customer.items), self.rng.randint(2, 4)))
        self.declared.update(chosen)
        numbers = [self.rng.choice(_listable(self.items[p].invoice_number)) for p in chosen]
        text = self.rng.choice(_LIST_TEXTS).format(n=self.rng.choice(_LIST_JOINS).join(numbers))
        amount = sum(self.items[p].open_cents for p in chosen)
        return self._transfer("multi_listed", customer, chosen, amount, text[:140])

    # -- payers who do not -------------------------------------------------------------------

    def _bills(self, positions: Sequence[int], count: int = 1) -> list[int]:
        """The bills an undeclared payment is worth: the oldest open ones, often."""
        due = self._due(positions)
        order = [positions[n] for n in law_order(due, self.day)]
        if self.rng.random() < OLDEST_BILL_SHARE:
            return order[:count]
        return self.rng.sample(order, count)

    def _undeclared(
        self, kind: str, customer: _Customer, bills: list[int], payer: tuple[str, str], text: str
    ) -> _Payment:
        self.undeclared.add(customer.code)
        amount = sum(self.items[p].open_cents for p in bills)
        return self._transfer(kind, customer, (), amount, text, payer=payer)

    def _iban_only(self) -> _Payment | None:
        customer = self._customer("iban")
        if customer is None:
            return None
        payer = _spelled(customer.name, self.rng), customer.iban
        text = self.rng.choice(_VAGUE)
        return self._undeclared("iban_only", customer, self._bills(customer.items), payer, text)

    def _multi_unlisted(self) -> _Payment | None:
        customer = self._customer("many")
        if customer is None:
            return None
        bills = self._bills(customer.items, self.rng.randint(2, min(4, len(customer.items))))
        payer = _spelled(customer.name, self.rng), customer.iban
        text = self.rng.choice(_VAGUE_MANY)
        return self._undeclared("multi_unlisted", customer, bills, payer, text)

    def _name_typo(self) -> _Payment | None:
        if self._names is None:
            self._names = {normalise_name(c.name): c.code for c in self.customers.values()}
        names = self._names
        while (customer := self._customer("any")) is not None:
            typo = _typo(customer.name, self.rng)
            if typo is None or names.get(normalise_name(typo), customer.code) != customer.code:
                continue  # a name too short to mistype, or a typo spelling another customer
            bills = self._bills(customer.items)
            return self._undeclared(
                "name_typo", customer, bills, (typo, ""), self.rng.choice(_CASH)
            )
        return None

    def _wrong_reference(self) -> _Payment | None:
        customer = self._customer("coded")
        if customer is None:
            return None
        bill = self._bills([p for p in customer.items if self.refs[p] in ("rf", "notice")])
        broken = _broken_code(self.items[bill[0]].payment_reference, self.rng)
        own = customer.iban and self.rng.random() < 0.6
        payer = (_spelled(customer.name, self.rng), customer.iban) if own else (customer.name, "")
        text = self.rng.choice(_WRONG_TEXTS).format(c=broken)
        return self._undeclared("wrong_reference", customer, bill, payer, text)

    def _unknown_payer(self) -> _Payment | None:
        if self._strangers is None:  # nobody a customer's name could be mistaken for
            index = NameIndex(enumerate(c.name for c in self.customers.values()))
            self._strangers = [name for name in _STRANGERS if index.best(name) is None]
        if not self._strangers:
            return None
        return _Payment(
            self._transfer_route(),
            self.rng.randrange(1000, 30_000, 50),
            payer_name=_spelled(self.rng.choice(self._strangers), self.rng),
            payer_iban=self._iban(),
            remittance=self.rng.choice(_STRANGER_TEXTS),
            kind="unknown_payer",
        )


# -- how people write names, numbers and codes ------------------------------------------------


def _person(name: str) -> tuple[str, str] | None:
    """(first name, surname) of a private person's name; None for companies and bodies."""
    words = name.split()
    if not 2 <= len(words) <= 3 or _COMPANY_WORDS.search(name):
        return None
    return words[0], " ".join(words[1:])


def _spelled(name: str, rng: random.Random) -> str:
    """The name as a bank carries it: as written, upper case, or surname first."""
    rnd = rng.random()
    if rnd < 0.5:
        return name
    person = _person(name)
    if rnd < 0.85 or person is None:
        return name.upper()
    return f"{person[1]} {person[0]}".upper()


def _typo(name: str, rng: random.Random) -> str | None:
    """The name with one letter of its longest word swapped, dropped, doubled or changed."""
    words = name.split()
    longest = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[longest]
    if len(word) < 5 or not word.isalpha():
        return None
    at = rng.randrange(1, len(word) - 1)
    how = rng.randrange(4)
    if how == 0 and word[at] != word[at + 1]:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif how == 1:
        word = word[:at] + word[at + 1 :]
    elif how == 2:
        word = word[:at] + word[at] + word[at:]
    else:
        vowels = "aeiou" if word[at].islower() else "AEIOU"
        replacement = rng.choice([v for v in vowels if v != word[at].lower()])
        word = word[:at] + replacement + word[at + 1 :]
    words[longest] = word
    typo = " ".join(words)
    return typo if normalise_name(typo) != normalise_name(name) else None


def _spellings(number: str) -> list[str]:
    """Ways of writing an invoice number that normalise to it (letters and digits kept)."""
    out = [number, number.replace("-", "/"), _NOT_ALNUM.sub("", number).lower()]
    parts = _NUMBER_PARTS.fullmatch(number)
    if parts is not None and parts.group(1):
        out.append(f"{parts.group(1)} {parts.group(2)}/{parts.group(3)}")
        out.append(f"{parts.group(1).lower()}. {parts.group(2)}-{parts.group(3)}")
    return list(dict.fromkeys(out))


def _listable(number: str) -> list[str]:
    """Spellings that stand alone in a list: bare digits need a word before each."""
    return [s for s in _spellings(number) if not s.isdigit()] or [f"fattura {number}"]


def _loose(number: str) -> list[str]:
    """Ways of writing it that do not: the series letters dropped, leading zeros dropped."""
    parts = _NUMBER_PARTS.fullmatch(number)
    if parts is None:
        return []
    letters, year, serial = parts.groups()
    out = []
    if letters:
        out.append(year + serial)
    if serial.startswith("0") and serial.strip("0"):
        out.append(f"{year}/{int(serial)}")
    compact = _NOT_ALNUM.sub("", number).upper()
    return [x for x in out if _NOT_ALNUM.sub("", x).upper() != compact]


def _mod93(digits: str) -> str:
    return f"{int(digits) % 93:02d}"


def _broken_code(code: str, rng: random.Random) -> str:
    """The code with one digit mistyped so that its check digits fail (every reading)."""
    code = code.replace(" ", "").upper()
    for _ in range(50):
        at = rng.randrange(4, len(code)) if code.startswith("RF") else rng.randrange(1, 16)
        if not code[at].isdigit():
            continue
        typed = code[:at] + str((int(code[at]) + rng.randint(1, 9)) % 10) + code[at + 1 :]
        if typed.startswith("RF"):
            if not iso11649.is_valid(typed):
                return typed
        elif all(_mod93(aux + typed[1:16]) != typed[16:] for aux in ("2", "3", typed[0])):
            return typed
    raise ValueError(f"cannot mistype {code!r} into an invalid code")
