"""`reconcile`: every unallocated payment finds its customer and the items it pays.

The order is DOMAIN.md's, cheapest and surest first: references the creditor issued (with
their check digits), invoice numbers in the remittance (only when unique), the payer's
identity (customer named by the flow, IBAN, tax code, aliases learned from manual matches,
fuzzy name without ties), then the amount within that customer (one exact item, the total
due, a unique subset, a tolerance) and finally art. 1193 c.c. Anything left goes to the
unapplied desk with ranked suggestions; an overpayment stays on the customer as credit.

Loading and writing are set-based (one query per table, bulk writes); the decisions run in
memory over dictionaries built once per run, so a payment costs a few dictionary lookups
and two regular-expression scans, not a query.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from sqlalchemy import Connection, Engine, and_, delete, exists, or_, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import (
    driver_frame,
    fetch_by_keys,
    increment_allocated,
    insert_frame,
    update_frame,
)
from riscossa.banking.payment_codes import find_codes
from riscossa.domain.errors import NotFoundError
from riscossa.domain.matching_amounts import exact_item, subset_for, within_tolerance
from riscossa.domain.matching_policy import MatchingPolicy, parse_matching_policy
from riscossa.domain.name_match import NameIndex, name_key, normalise_name
from riscossa.domain.remittance_tokens import invoice_number_candidates
from riscossa.runtime import gc_paused
from riscossa.services.policies import POLICY_PACKAGE, shipped_policy_text

MATCHING_POLICY = "matching.toml"
AMBIGUOUS = -1
_TAX_CODE = re.compile(
    r"(?<![A-Z0-9])[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z]"
    r"[0-9LMNPQRSTUV]{3}[A-Z](?![A-Z0-9])"
)
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_NOT_LETTER = re.compile(r"[^A-Z]+")
_DIGITS = re.compile(r"\d{3}")
_LONG_DIGITS = re.compile(r"\d{4}")


@cache
def default_matching_policy() -> MatchingPolicy:
    text = shipped_policy_text(MATCHING_POLICY)
    return parse_matching_policy(tomllib.loads(text), f"{POLICY_PACKAGE}/{MATCHING_POLICY}")


def load_matching_policy(path: Path | None) -> MatchingPolicy:
    if path is None:
        return default_matching_policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"policy file not found: {path}") from exc
    return parse_matching_policy(data, str(path))


@dataclass(slots=True)
class ReconcileResult:
    as_of: dt.date | None = None
    payments: int = 0
    matched: int = 0
    allocations: int = 0
    allocated_cents: int = 0
    credit_cents: int = 0
    suggested: int = 0
    unapplied: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "payments": self.payments,
            "matched": self.matched,
            "allocations": self.allocations,
            "allocated_cents": self.allocated_cents,
            "credit_cents": self.credit_cents,
            "suggested": self.suggested,
            "unapplied": self.unapplied,
            "match_rate": round(self.matched / self.payments, 4) if self.payments else None,
            "by_rule": dict(sorted(self.by_rule.items())),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


PAYMENT_COLUMNS = {
    "id": pl.Int64,
    "free": pl.Int64,
    "customer_id": pl.Int64,
    "payer_name": pl.Utf8,
    "payer_iban": pl.Utf8,
    "payer_tax_code": pl.Utf8,
    "reference": pl.Utf8,
    "end_to_end_id": pl.Utf8,
    "value_date": pl.Date,
    "status": pl.Utf8,
}


class _Row(NamedTuple):
    """A payment to match, in PAYMENT_COLUMNS order."""

    id: int
    free: int
    customer_id: int | None
    payer_name: str
    payer_iban: str
    payer_tax_code: str
    reference: str
    end_to_end_id: str
    value_date: dt.date
    status: str
    words: list[str]  # the remittance's words, upper case, letters and digits only
    digits: int  # how many digits the remittance holds


ITEM_COLUMNS = {
    "id": pl.Int64,
    "number": pl.Utf8,
    "customer_id": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "open": pl.Int64,
    "payment_reference": pl.Utf8,
}


def payments_to_match(conn: Connection) -> pl.DataFrame:
    p = t.payments
    query = select(
        p.c.id,
        (p.c.amount_cents - p.c.allocated_cents).label("free"),
        p.c.customer_id,
        p.c.payer_name,
        p.c.payer_iban,
        p.c.payer_tax_code,
        p.c.reference,
        p.c.end_to_end_id,
        p.c.value_date,
        p.c.status,
    ).where(
        p.c.status.in_(("booked", "in_transit", "unapplied")),
        p.c.lump_sum.is_(False),
        p.c.channel != "sdd",
        p.c.allocated_cents < p.c.amount_cents,
        # A customer's credit waits for their next bill, not for every run.
        or_(p.c.customer_id.is_(None), exists().where(*_open_of(p.c.customer_id))),
    )
    return driver_frame(conn, query.order_by(p.c.value_date, p.c.id), PAYMENT_COLUMNS)


def _open_of(customer_id: Any) -> tuple[Any, ...]:
    i = t.invoices
    return (
        i.c.customer_id == customer_id,
        i.c.kind == "invoice",
        i.c.disputed.is_(False),
        i.c.allocated_cents < i.c.amount_cents,
    )


def open_items(conn: Connection) -> pl.DataFrame:
    i = t.invoices
    query = select(
        i.c.id,
        i.c.number,
        i.c.customer_id,
        i.c.issue_date,
        i.c.due_date,
        (i.c.amount_cents - i.c.allocated_cents).label("open"),
        i.c.payment_reference,
    ).where(
        i.c.kind == "invoice",
        i.c.disputed.is_(False),
        i.c.allocated_cents < i.c.amount_cents,
    )
    return driver_frame(conn, query, ITEM_COLUMNS)


def _unique_map_frame(frame: pl.DataFrame, key: str, value: str = "position") -> dict[str, int]:
    """``_unique_map`` column-wise: a million keys in a fraction of a second."""
    grouped = (
        frame.filter(pl.col(key).is_not_null() & (pl.col(key) != ""))
        .group_by(key)
        .agg(
            pl.when(pl.col(value).n_unique() == 1)
            .then(pl.col(value).first())
            .otherwise(pl.lit(AMBIGUOUS, dtype=pl.Int64))
            .alias("value")
        )
    )
    return dict(
        zip(grouped.get_column(key), grouped.get_column("value").cast(pl.Int64), strict=True)
    )


class _Book:
    """What the engine knows, indexed once per run; open amounts shrink as it allocates."""

    def __init__(
        self,
        items: pl.DataFrame,
        customers: pl.DataFrame,
        aliases: pl.DataFrame,
        sdd_items: dict[str, int],
    ) -> None:
        self.item_id: list[int] = items.get_column("id").to_list()
        self.item_customer: list[int] = items.get_column("customer_id").to_list()
        self.open: list[int] = items.get_column("open").to_list()
        indexed = items.with_row_index("position").with_columns(
            pl.col("payment_reference")
            .str.to_uppercase()
            .str.replace_all("[^A-Z0-9]", "")
            .alias("reference"),
            pl.col("number").str.to_uppercase().str.replace_all("[^A-Z0-9]", "").alias("number"),
        )
        # The IUV inside an 18-digit notice number (payment_codes.iuv_of_notice, column-wise):
        # aux digit 0 keeps the last 15 digits, aux 1-3 the last 17. A bollettino code read
        # this way yields a key no payer writes: harmless.
        iuv = (
            pl.when(pl.col("reference").str.contains(r"^0\d{17}$"))
            .then(pl.col("reference").str.slice(3))
            .when(pl.col("reference").str.contains(r"^[123]\d{17}$"))
            .then(pl.col("reference").str.slice(1))
            .otherwise(pl.lit(""))
        )
        self.by_reference = _unique_map_frame(indexed, "reference")
        for key, position in _unique_map_frame(
            indexed.with_columns(iuv.alias("iuv")), "iuv"
        ).items():
            self.by_reference.setdefault(key, position)
        self.by_number = _unique_map_frame(indexed, "number")
        position_of = {item_id: n for n, item_id in enumerate(self.item_id)}
        self.by_end_to_end = {
            e2e: position_of[invoice]
            for e2e, invoice in sdd_items.items()
            if invoice in position_of
        }
        grouped = (
            items.with_row_index("position")
            .group_by("customer_id")
            .agg(pl.col("position"))
            .iter_rows()
        )
        self.customer_items: dict[int, list[int]] = {c: list(p) for c, p in grouped}
        self.by_iban = _unique_map_frame(customers, "iban", "id")
        self.by_tax_code = _unique_map_frame(customers, "tax_code", "id")
        self.alias_iban: dict[str, int] = {}
        self.alias_name: dict[str, int] = {}
        self.alias_tax: dict[str, int] = {}
        target = {"iban": self.alias_iban, "name": self.alias_name, "tax_code": self.alias_tax}
        for kind, value, customer in aliases.iter_rows():
            target[kind][value] = customer
        # Names are compared only among plausible customers (those owing exactly the amount,
        # or sharing a word of the payer's name): a fuzzy scan of every customer costs
        # ~15 ms per payment at 200k customers, a thousand times the budget.
        self.customer_name: dict[int, str] = dict(customers.select("id", "name").iter_rows())
        self._name_keys: dict[int, str] = {}
        owing = pl.concat(
            [
                items.select(pl.col("open").alias("cents"), "customer_id"),
                items.group_by("customer_id")
                .agg(pl.col("open").sum().alias("cents"))
                .select("cents", "customer_id"),
            ]
        ).unique()
        self.by_amount: dict[int, list[int]] = dict(
            owing.group_by("cents").agg(pl.col("customer_id")).iter_rows()
        )
        self.upper_name: dict[int, str] = dict(
            customers.select("id", pl.col("name").str.to_uppercase()).iter_rows()
        )
        self._by_word: dict[str, list[int]] | None = None
        self._customers = customers

    def name_index(self, among: Iterable[int]) -> NameIndex:
        keys = self._name_keys
        pairs = []
        for customer in among:
            key = keys.get(customer)
            if key is None:
                key = keys[customer] = name_key(self.customer_name.get(customer) or "")
            pairs.append((customer, key))
        return NameIndex(pairs, keyed=True)

    def sharing_a_word(self, name: str, limit: int = 2000) -> set[int]:
        """Customers whose name shares the payer's most distinctive word (a blocking key)."""
        if self._by_word is None:
            words = (
                self._customers.select(
                    "id",
                    pl.col("name")
                    .str.to_uppercase()
                    .str.replace_all(r"[^A-Z]+", " ")
                    .str.split(" ")
                    .alias("word"),
                )
                .explode("word")
                .filter(pl.col("word").str.len_chars() >= 3)
                .unique()
                .group_by("word")
                .agg(pl.col("id"))
            )
            self._by_word = dict(words.iter_rows())
        found: set[int] = set()
        for word in sorted(set(_NOT_LETTER.split(name.upper())), key=len, reverse=True):
            owners = self._by_word.get(word)
            if owners and len(owners) <= limit:
                found.update(owners)
                break
        return found

    def due_items(self, positions: Iterable[int]) -> list[int]:
        """``positions`` still open, in the order art. 1193 c.c. pays them.

        The items were sorted by due date, issue date and id before positions were given,
        which is ``allocation_order.law_order``'s key (debts due sort before the others by
        date alone), so position order is the law's order.
        """
        open_ = self.open
        return [p for p in sorted(positions) if open_[p] > 0]

    def open_in_order(self, positions: list[int]) -> list[int]:
        """``due_items`` for a list already in position order (a customer's items)."""
        open_ = self.open
        return [p for p in positions if open_[p] > 0]

    def in_law_order(self, free: int, ordered: list[int]) -> list[tuple[int, int]]:
        """``allocate_by_law`` over positions already in the law's order."""
        lines = []
        for position in ordered:
            if free <= 0:
                break
            cents = min(free, self.open[position])
            lines.append((position, cents))
            free -= cents
        return lines


@dataclass(slots=True)
class _Decision:
    customer: int | None
    identity: str | None
    amount_rule: str | None
    lines: list[tuple[int, int]]  # (item position, cents)


@gc_paused()
def reconcile(
    engine: Engine,
    *,
    as_of: dt.date,
    policy: MatchingPolicy | None = None,
    now: dt.datetime | None = None,
) -> ReconcileResult:
    """Match every payment with money not yet allocated; idempotent for a given state.

    ``as_of`` is the day the run stands for, reported with the result: art. 1193's order
    (debts due first, oldest first) is plain due-date order, so no decision depends on it.
    """
    policy = policy or default_matching_policy()
    now = now or dt.datetime.now(dt.UTC)
    result = ReconcileResult(as_of=as_of)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        result.seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with engine.begin() as conn:
        payments = payments_to_match(conn).with_columns(
            pl.col("reference").fill_null("").str.to_uppercase()
        )
        payments = payments.with_columns(
            pl.col("reference")
            .str.extract_all(r"\S+")
            .list.eval(pl.element().str.replace_all("[^A-Z0-9]", ""))
            .alias("words"),
            pl.col("reference").str.count_matches(r"\d").alias("digits"),
        )
        result.payments = payments.height
        if payments.height == 0:
            return result
        # Sorted in the order art. 1193 c.c. pays (see _Book.due_items).
        items = open_items(conn).sort("due_date", "issue_date", "id")
        c = t.customers
        customers = driver_frame(
            conn,
            select(c.c.id, c.c.iban, c.c.tax_code, c.c.name),
            {"id": pl.Int64, "iban": pl.Utf8, "tax_code": pl.Utf8, "name": pl.Utf8},
        )
        a = t.payer_aliases
        aliases = driver_frame(
            conn,
            select(a.c.kind, a.c.value, a.c.customer_id),
            {"kind": pl.Utf8, "value": pl.Utf8, "customer_id": pl.Int64},
        )
        e2e = [x for x in payments.get_column("end_to_end_id").unique().to_list() if x]
        s = t.sdd_collection_items
        sdd = fetch_by_keys(
            conn, s, "end_to_end_id", e2e, {"end_to_end_id": pl.Utf8, "invoice_id": pl.Int64}
        )
        lap("loading")
        book = _Book(items, customers, aliases, dict(sdd.iter_rows()))
        lap("indexing")
        decisions = []
        columns = [payments.get_column(name).to_list() for name in _Row._fields]
        for row in map(_Row._make, zip(*columns, strict=True)):
            decision = _decide(book, policy, row)
            if decision.identity is not None and policy.automatic(
                decision.identity, decision.amount_rule
            ):
                for position, cents in decision.lines:
                    book.open[position] -= cents  # the next payment sees what is left
            decisions.append(decision)
        lap("matching")
        _write(conn, book, policy, payments, decisions, result, now)
        lap("writing")
    return result


def _decide(book: _Book, policy: MatchingPolicy, row: _Row) -> _Decision:
    free: int = row.free
    text = row.reference
    # 1. References the creditor issued: notice number / IUV, Poste code, RF, end-to-end id.
    # A word equal to a reference Riscossa issued is that reference (its check digits were
    # right when issued); the scanner, which also reads codes split by spaces or tags, runs
    # only when no word is one.
    hits = _words_in(book.by_reference, row.words)
    if not hits and (row.digits >= 15 or "RF" in text):  # enough for a code, or an RF
        for _kind, code in find_codes(text):
            position = book.by_reference.get(code)
            if position is not None and position != AMBIGUOUS:
                hits.add(position)
    if row.end_to_end_id:
        position = book.by_end_to_end.get(row.end_to_end_id)
        if position is not None:
            hits.add(position)
    if hits:
        decision = _named_items(book, free, hits, "reference")
        if decision is not None:
            return decision
    # 2. Invoice numbers in the remittance text, only when each names one open item.
    if text and _DIGITS.search(text):
        numbers = _numbers_as_written(book, row.words)
        if not numbers:
            for candidate in invoice_number_candidates(text):
                position = book.by_number.get(candidate)
                if position is not None and position != AMBIGUOUS:
                    numbers.add(position)
        if numbers:
            decision = _named_items(book, free, numbers, "invoice_number")
            if decision is not None:
                return decision
    # 3. Who paid.
    customer, identity = _identify(book, policy, row, text)
    if customer is None or identity is None:
        return _Decision(None, None, None, [])
    # 4-5. Which of the customer's items the amount pays.
    rule, lines = _by_amount(book, policy, customer, free)
    return _Decision(customer, identity, rule, lines)


def _words_in(index: dict[str, int], words: list[str]) -> set[int]:
    found: set[int] = set()
    for word in words:
        if len(word) >= 14:
            position = index.get(word)
            if position is not None and position != AMBIGUOUS:
                found.add(position)
    return found


def _numbers_as_written(book: _Book, words: list[str]) -> set[int]:
    """Open invoice numbers written whole in the text (one word, or a prefix and a number).

    The common case costs a few dictionary lookups; ``invoice_number_candidates``, which
    reads the number out of free wording, runs only when this finds nothing. A word counts
    only with six characters or more, digits among them, and one open item behind it.
    """
    found: set[int] = set()
    by_number = book.by_number
    last = len(words) - 1
    for n, word in enumerate(words):
        if word.isalpha():
            # A short prefix written apart from its number: "FT 2024/000123".
            if len(word) <= 4 and n < last:
                key = word + words[n + 1]
            else:
                continue
        else:
            key = word
        if len(key) >= 6:
            position = by_number.get(key)
            if position is not None and position != AMBIGUOUS:
                found.add(position)
    return found


def _named_items(book: _Book, free: int, positions: set[int], identity: str) -> _Decision | None:
    """The items the payer named: paid in full, or in the law's order when short."""
    owners = {book.item_customer[p] for p in positions}
    if len(owners) != 1:
        return None  # references of two customers: a person must look
    ordered = book.due_items(positions)
    if not ordered:
        return None  # already paid: leave it to the identity rules (credit or another item)
    customer = owners.pop()
    lines = book.in_law_order(free, ordered)
    left = free - sum(cents for _, cents in lines)
    if left > 0:
        # More than the named items: the payer declared nothing for the rest, so the law
        # pays the customer's other debts with it; only what is left after them is credit.
        others = book.due_items(
            p for p in book.customer_items.get(customer, ()) if p not in positions
        )
        lines += book.in_law_order(left, others)
    return _Decision(customer, identity, None, lines)


def _identify(
    book: _Book, policy: MatchingPolicy, row: _Row, text: str
) -> tuple[int | None, str | None]:
    if row.customer_id is not None:
        return int(row.customer_id), "customer"
    iban = row.payer_iban or ""
    if iban:
        found = book.by_iban.get(iban)
        if found is not None and found != AMBIGUOUS:
            return found, "iban"
        if iban in book.alias_iban:
            return book.alias_iban[iban], "alias"
    tax_codes = {row.payer_tax_code} if row.payer_tax_code else set()
    tax_codes.update(_TAX_CODE.findall(text))
    for tax_code in tax_codes:
        found = book.by_tax_code.get(tax_code)
        if found is not None and found != AMBIGUOUS:
            return found, "tax_code"
        if tax_code in book.alias_tax:
            return book.alias_tax[tax_code], "alias"
    name = row.payer_name or ""
    if name:
        key = normalise_name(name)
        if key in book.alias_name:
            return book.alias_name[key], "alias"
        among = book.by_amount.get(row.free)
        if among:
            # Only customers whose name holds a word of the payer's are compared: building
            # a fuzzy index for every customer owing the amount would cost more than the rest
            # of the matching together.
            words = [w for w in _NOT_LETTER.split(name.upper()) if len(w) >= 3]
            upper = book.upper_name
            plausible = []
            for candidate in among:
                held = upper.get(candidate)
                if held and any(map(held.__contains__, words)):
                    plausible.append(candidate)
            if plausible:
                found = book.name_index(plausible).best(
                    name, threshold=policy.name_threshold, margin=policy.name_margin
                )
                if found is not None:
                    return found, "name"
    return None, None


def _by_amount(
    book: _Book, policy: MatchingPolicy, customer: int, free: int
) -> tuple[str | None, list[tuple[int, int]]]:
    ordered = book.open_in_order(book.customer_items.get(customer, []))
    if not ordered:
        return None, []  # nothing open: the payment is the customer's credit
    opens = [book.open[p] for p in ordered]
    total = sum(opens)
    exact = exact_item(free, opens)
    if exact is not None:
        return "exact_item", [(ordered[exact], free)]
    if free == total:
        return "total_due", [(p, book.open[p]) for p in ordered]
    subset = subset_for(free, opens, max_items=policy.subset_max_items)
    if subset is not None:
        return "subset", [(ordered[n], opens[n]) for n in subset]
    lines = book.in_law_order(free, ordered)
    if free < total and within_tolerance(free, total, tolerance_cents=policy.tolerance_cents):
        return "tolerance", lines
    return "by_law", lines


def _write(
    conn: Connection,
    book: _Book,
    policy: MatchingPolicy,
    payments: pl.DataFrame,
    decisions: list[_Decision],
    result: ReconcileResult,
    now: dt.datetime,
) -> None:
    alloc_payment: list[int] = []
    alloc_item: list[int] = []
    alloc_cents: list[int] = []
    alloc_rule: list[str] = []
    alloc_confidence: list[float] = []
    sugg: dict[str, list[Any]] = {
        k: [] for k in ("payment_id", "rank", "customer_id", "invoice_id", "amount_cents")
    } | {"rule": [], "confidence": []}
    updates: dict[str, list[Any]] = {"id": [], "customer_id": [], "status": []}
    ids = payments.get_column("id").to_list()
    frees = payments.get_column("free").to_list()
    statuses = payments.get_column("status").to_list()
    names = payments.get_column("payer_name").to_list()
    for payment_id, free, status, name, decision in zip(
        ids, frees, statuses, names, decisions, strict=True
    ):
        posted = False
        if decision.customer is not None and decision.identity is not None:
            rule_name = decision.identity + (
                f":{decision.amount_rule}" if decision.amount_rule else ""
            )
            confidence = policy.confidence(decision.identity, decision.amount_rule)
            if policy.automatic(decision.identity, decision.amount_rule):
                posted = True
                for position, cents in decision.lines:
                    if cents <= 0:
                        continue
                    alloc_payment.append(payment_id)
                    alloc_item.append(book.item_id[position])
                    alloc_cents.append(cents)
                    alloc_rule.append(rule_name)
                    alloc_confidence.append(confidence)
                used = sum(cents for _, cents in decision.lines)
                result.allocated_cents += used
                result.credit_cents += free - used
                result.by_rule[rule_name] += 1
                result.matched += 1
            else:
                lines = decision.lines or [(-1, free)]
                for rank, (position, cents) in enumerate(lines, start=1):
                    sugg["payment_id"].append(payment_id)
                    sugg["rank"].append(rank)
                    sugg["customer_id"].append(decision.customer)
                    sugg["invoice_id"].append(book.item_id[position] if position >= 0 else None)
                    sugg["amount_cents"].append(cents)
                    sugg["rule"].append(rule_name)
                    sugg["confidence"].append(confidence)
                result.suggested += 1
        elif name:
            among = set(book.by_amount.get(free, ())) | book.sharing_a_word(name)
            ranked = book.name_index(among).candidates(name, 3) if among else []
            for rank, (customer, score) in enumerate(ranked, start=1):
                sugg["payment_id"].append(payment_id)
                sugg["rank"].append(rank)
                sugg["customer_id"].append(customer)
                sugg["invoice_id"].append(None)
                sugg["amount_cents"].append(free)
                sugg["rule"].append("name")
                sugg["confidence"].append(round(score / 100, 4))
        if posted:
            new_status = "booked" if status == "unapplied" else status
            updates["id"].append(payment_id)
            updates["customer_id"].append(decision.customer)
            updates["status"].append(new_status)
        else:
            result.unapplied += 1
            if status == "booked":
                updates["id"].append(payment_id)
                updates["customer_id"].append(None)
                updates["status"].append("unapplied")
    result.allocations = len(alloc_payment)
    # Suggestions exist only for payments left unposted: unapplied, or still in transit.
    processed = [i for i, st in zip(ids, statuses, strict=True) if st != "booked"]
    s = t.payment_suggestions
    for start in range(0, len(processed), 5000):
        conn.execute(delete(s).where(and_(s.c.payment_id.in_(processed[start : start + 5000]))))
    allocations = pl.DataFrame(
        {
            "payment_id": alloc_payment,
            "invoice_id": alloc_item,
            "amount_cents": alloc_cents,
            "rule": alloc_rule,
            "confidence": alloc_confidence,
        },
        schema={
            "payment_id": pl.Int64,
            "invoice_id": pl.Int64,
            "amount_cents": pl.Int64,
            "rule": pl.Utf8,
            "confidence": pl.Float64,
        },
    ).with_columns(pl.lit(now).alias("created_at"))
    insert_frame(conn, t.allocations, allocations)
    increment_allocated(
        conn,
        allocations.group_by("invoice_id")
        .agg(pl.col("amount_cents").sum())
        .rename({"invoice_id": "id"}),
    )
    increment_allocated(
        conn,
        allocations.group_by("payment_id")
        .agg(pl.col("amount_cents").sum())
        .rename({"payment_id": "id"}),
        "payments",
    )
    update = pl.DataFrame(
        updates, schema={"id": pl.Int64, "customer_id": pl.Int64, "status": pl.Utf8}
    )
    keep_customer = update.filter(pl.col("customer_id").is_not_null())
    update_frame(conn, t.payments, keep_customer)
    update_frame(
        conn, t.payments, update.filter(pl.col("customer_id").is_null()).drop("customer_id")
    )
    insert_frame(
        conn,
        s,
        pl.DataFrame(
            sugg,
            schema={
                "payment_id": pl.Int64,
                "rank": pl.Int64,
                "customer_id": pl.Int64,
                "invoice_id": pl.Int64,
                "amount_cents": pl.Int64,
                "rule": pl.Utf8,
                "confidence": pl.Float64,
            },
        ),
    )
