"""Italian bank (ABI) and branch (CAB) registry, and its verdict on a formally valid IBAN.

An IBAN can pass every checksum and still point at a bank that merged away years ago, or at
a branch that closed: the SDD then comes back rejected. The registry answers "does this
bank/branch exist on that date, and who took it over", from the Banca d'Italia registers
(or, without them, schwifty's bank list, which has no dates and no branches).

Dates: a period's end (``valid_to``, ``closed``) is its last day in force, inclusive; an
absent start means "since ever", an absent end "still in force".

Absence proves nothing: Poste Italiane, Banca d'Italia and EU payment institutions are not
in the banking registers, so an unknown bank is a warning, never a rejection.

A proposal for a retired bank keeps the account number and recomputes CIN and check digits
for the legal successor (the end of its chain of mergers, when in force on the date). It is
never applied: a new account number after a merger cannot be computed, and only the bank
(or the "allineamento archivi IBAN" service) knows the answer. Confidence of a proposal:

- ``high``: the successor has the same CAB open, and the old branch was closed for a
  merger/transfer (its closing reason says so): branch-level evidence.
- ``medium``: the successor has the same CAB open on the date.
- ``low``: the successor has no branch data (same CAB kept, unverified), or it has branch
  data without that CAB (successor ABI only: no IBAN is proposed).

A closed branch of a bank still in force gets no proposal: the registers do not say which
branch took its accounts over.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from riscossa.banking.iban import IbanCheck, IbanCode, build_iban, italian_bban

REGISTRY_COUNTRIES = frozenset({"IT", "SM"})

# Institutions that hold accounts but are not in the banking registers (ABI -> name).
ALWAYS_KNOWN: dict[str, str] = {
    "07601": "Poste Italiane S.p.A. - BancoPosta",
    "01000": "Banca d'Italia",
}

# Word stems of a branch closing reason that mean "handed over to another bank".
TRANSFER_STEMS = ("incorpor", "fusion", "cession", "conferiment", "trasferiment", "scission")
TRANSFER_PATTERN = "(?i)" + "|".join(TRANSFER_STEMS)
_TRANSFER_RE = re.compile(TRANSFER_PATTERN)


class EventKind(StrEnum):
    MERGER = "merger"  # 002 fusione: a new or surviving bank replaces both
    ABSORPTION = "absorption"  # 003 incorporazione: the absorbed bank disappears
    RENUMBERING = "renumbering"  # the same intermediary (ID_INT) under a new ABI code


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Bank:
    """One validity period of a bank under one name."""

    abi: str
    name: str
    bic: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = ""

    def covers(self, day: dt.date) -> bool:
        return _covers(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class BankEvent:
    """From ``effective_date`` on, the absorbed bank's accounts are the successor's."""

    kind: EventKind
    absorbed_abi: str
    successor_abi: str
    effective_date: dt.date


@dataclass(frozen=True)
class Branch:
    abi: str
    cab: str
    town: str = ""
    opened: dt.date | None = None
    closed: dt.date | None = None
    closing_reason_code: str = ""
    closing_reason: str = ""

    def operating(self, day: dt.date) -> bool:
        return _covers(self.opened, self.closed, day)

    @property
    def transferred(self) -> bool:
        """Closed because another bank took it over (merger, transfer, demerger)."""
        return bool(self.closing_reason and _TRANSFER_RE.search(self.closing_reason))


@dataclass(frozen=True)
class Proposal:
    """A suggested replacement IBAN: to be confirmed with the customer or the bank."""

    abi: str
    cab: str | None
    account: str
    iban: str | None
    confidence: Confidence


@dataclass(frozen=True)
class RegistryFinding:
    code: IbanCode
    bank_name: str | None = None
    branch_town: str | None = None
    proposal: Proposal | None = None


def _covers(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def period_key(
    start: dt.date | None, end: dt.date | None, label: str
) -> tuple[dt.date, dt.date, str]:
    """Order of periods: the latest start wins, then the latest end, then the name."""
    return (start or dt.date.min, end or dt.date.max, label)


class BankRegistry:
    """Banks, events and branches, indexed for lookups by ABI and by (ABI, CAB)."""

    def __init__(
        self,
        banks: Iterable[Bank],
        events: Iterable[BankEvent] = (),
        branches: Iterable[Branch] = (),
    ) -> None:
        self._banks: dict[str, list[Bank]] = defaultdict(list)
        for bank in banks:
            self._banks[bank.abi].append(bank)
        self._events: dict[str, list[BankEvent]] = defaultdict(list)
        for event in events:
            if event.absorbed_abi != event.successor_abi:
                self._events[event.absorbed_abi].append(event)
        for items in self._events.values():
            items.sort(key=lambda e: (e.effective_date, e.successor_abi))
        self._branches: dict[tuple[str, str], list[Branch]] = defaultdict(list)
        self._branch_banks: set[str] = set()
        for branch in branches:
            self._branches[(branch.abi, branch.cab)].append(branch)
            self._branch_banks.add(branch.abi)

    def periods(self, abi: str) -> tuple[Bank, ...]:
        return tuple(sorted(self._banks.get(abi, ()), key=lambda b: period_key(*_bank_span(b))))

    def known(self, abi: str) -> bool:
        return abi in self._banks

    def bank(self, abi: str, as_of: dt.date) -> Bank | None:
        """The period in force on ``as_of``."""
        covering = [b for b in self._banks.get(abi, ()) if b.covers(as_of)]
        return max(covering, key=lambda b: period_key(*_bank_span(b)), default=None)

    def last_period_before(self, abi: str, as_of: dt.date) -> Bank | None:
        """The latest period that ended before ``as_of`` (the bank's last name)."""
        ended = [b for b in self._banks.get(abi, ()) if b.valid_to and b.valid_to < as_of]
        return max(ended, key=lambda b: period_key(b.valid_to, b.valid_to, b.name), default=None)

    def events(self) -> tuple[BankEvent, ...]:
        return tuple(e for items in self._events.values() for e in items)

    def events_of(self, abi: str) -> tuple[BankEvent, ...]:
        return tuple(self._events.get(abi, ()))

    def successor(self, abi: str, as_of: dt.date) -> str | None:
        """The final successor of the code's last holder, by events effective by ``as_of``.

        ABI codes are reused (a retired code can go to another bank later), so the chain is
        followed forward in time: the code's latest event first, then from each successor
        its first event on or after the previous one. Each event is used once, so a cycle
        ends; a chain that comes back to ``abi`` has no other successor.
        """
        effective = [e for e in self._events.get(abi, ()) if e.effective_date <= as_of]
        if not effective:
            return None
        last = effective[-1]
        current = self.follow(last.successor_abi, last.effective_date, as_of, used={last})
        return None if current == abi else current

    def follow(
        self,
        abi: str,
        since: dt.date,
        as_of: dt.date,
        used: set[BankEvent] | None = None,
    ) -> str:
        """Where the accounts of the bank holding ``abi`` on ``since`` are on ``as_of``."""
        used = set() if used is None else used
        current, day = abi, since
        while True:
            step = next(
                (
                    e
                    for e in self._events.get(current, ())
                    if day <= e.effective_date <= as_of and e not in used
                ),
                None,
            )
            if step is None:
                return current
            used.add(step)
            current, day = step.successor_abi, step.effective_date

    def has_branches(self, abi: str) -> bool:
        """False when the source has no branch data for the bank: its CABs go unchecked."""
        return abi in self._branch_banks

    def branch_history(self, abi: str, cab: str) -> tuple[Branch, ...]:
        return tuple(
            sorted(self._branches.get((abi, cab), ()), key=lambda b: period_key(*_branch_span(b)))
        )

    def branch(self, abi: str, cab: str, as_of: dt.date) -> Branch | None:
        """The branch record operating on ``as_of``."""
        operating = [b for b in self._branches.get((abi, cab), ()) if b.operating(as_of)]
        return max(operating, key=lambda b: period_key(*_branch_span(b)), default=None)

    def branch_closed_before(self, abi: str, cab: str, as_of: dt.date) -> Branch | None:
        """The latest record of the branch that closed before ``as_of``."""
        closed = [b for b in self._branches.get((abi, cab), ()) if b.closed and b.closed < as_of]
        return max(closed, key=lambda b: period_key(b.closed, b.closed, b.town), default=None)

    def latest_branch(self, abi: str, cab: str) -> Branch | None:
        history = self.branch_history(abi, cab)
        return history[-1] if history else None


def _bank_span(bank: Bank) -> tuple[dt.date | None, dt.date | None, str]:
    return bank.valid_from, bank.valid_to, bank.name


def _branch_span(branch: Branch) -> tuple[dt.date | None, dt.date | None, str]:
    return branch.opened, branch.closed, branch.town


def registry_verdict(check: IbanCheck, registry: BankRegistry, as_of: dt.date) -> RegistryFinding:
    """The registry's word on a formally valid IT/SM IBAN; other checks pass through unchanged."""
    if check.code != IbanCode.OK or check.country not in REGISTRY_COUNTRIES:
        return RegistryFinding(check.code)
    abi, cab = check.bank_code, check.branch_code
    if not registry.known(abi):
        if abi in ALWAYS_KNOWN:
            return RegistryFinding(IbanCode.OK, ALWAYS_KNOWN[abi])
        return RegistryFinding(IbanCode.UNKNOWN_BANK)
    bank = registry.bank(abi, as_of)
    if bank is None:
        retired = registry.last_period_before(abi, as_of)
        if retired is None:  # known only from a later date
            return RegistryFinding(IbanCode.UNKNOWN_BANK)
        old_branch = registry.latest_branch(abi, cab)
        return RegistryFinding(
            IbanCode.BANK_RETIRED,
            retired.name,
            old_branch.town if old_branch else None,
            _retired_proposal(check, registry, as_of, old_branch),
        )
    if not registry.has_branches(abi):
        return RegistryFinding(IbanCode.OK, bank.name)
    branch = registry.branch(abi, cab, as_of)
    if branch is not None:
        return RegistryFinding(IbanCode.OK, bank.name, branch.town)
    closed = registry.branch_closed_before(abi, cab, as_of)
    if closed is not None:
        return RegistryFinding(IbanCode.BRANCH_CLOSED, bank.name, closed.town)
    return RegistryFinding(IbanCode.UNKNOWN_BRANCH, bank.name)


def _retired_proposal(
    check: IbanCheck, registry: BankRegistry, as_of: dt.date, old_branch: Branch | None
) -> Proposal | None:
    successor = registry.successor(check.bank_code, as_of)
    if successor is None or registry.bank(successor, as_of) is None:
        return None
    cab: str | None = check.branch_code
    if not registry.has_branches(successor):
        confidence = Confidence.LOW
    elif registry.branch(successor, check.branch_code, as_of) is not None:
        evidence = old_branch is not None and old_branch.transferred
        confidence = Confidence.HIGH if evidence else Confidence.MEDIUM
    else:
        cab, confidence = None, Confidence.LOW
    iban = None
    if cab is not None:
        iban = build_iban(check.country, italian_bban(successor, cab, check.account))
    return Proposal(successor, cab, check.account, iban, confidence)
