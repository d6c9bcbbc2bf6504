"""Collection strategies as data: which positions a strategy takes, its steps, and where each
outcome of a step leads.

A credit manager writes strategies in YAML (shipped in riscossa/policies/strategies/, read by
adapters.strategy_yaml); :func:`parse_strategy` gets the parsed structure and a map from key
paths to lines, and either returns frozen dataclasses or raises :class:`StrategyError` listing
every problem as ``<file> line <n>: <key path> <what is wrong>``. Key paths count list items
from 0 (``steps[2]`` is the third step).

Choosing a strategy. An assignment rule is a set of conditions and its *specificity* is how
many it has: one each for segment, utility, amount overdue, days past due and behaviour score
(however many values or bounds are given), plus one per flag and one per tag. A strategy for
one utility adds that utility to each of its rules, so it counts too. The strategy whose best
matching rule is the most specific wins (:func:`choose_strategy`); an exclusion that matches
takes the position out of that strategy whatever its rules say. Two strategies that tie are
refused by :func:`check_strategies` when an overlap of equally specific rules can be proved
(it can whenever both rules are satisfiable together and no single exclusion of either covers
the overlap; a third, more specific strategy covering it is not looked for). Ties that remain
go to the first strategy in the order given: file-name order when loaded from a folder.

Champion/challenger. The arm of a customer is decided by
``blake2b(strategy name + "\\x1f" + customer code, 8-byte digest)`` read as a big-endian
integer, modulo 10,000: below ``percentage × 100`` is the challenger. The customer code is
taken exactly as stored and the version is left out, so a customer stays in the same arm
across runs and across new versions of the strategy; changing the percentage moves only the
customers between the old and the new threshold.

Transitions. An outcome a step does not list falls back to: ``paid`` → stop, ``dispute`` →
stop (disputed amounts under complaint are not arrears: the complaints desk takes over), any
other outcome, or none at all once the step's wait is over → the next step in file order.
``hold_days: N`` pauses for N days and then goes to ``then`` (a step id, ``stop`` or
``restart``; by default the next step in order). A step whose ``min_amount`` the amount overdue
does not reach is skipped in favour of the next one in order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from riscossa.domain.contracts import Utility
from riscossa.domain.customers import Segment
from riscossa.domain.errors import ImportFileError, ValidationError

KeyPath = tuple[str | int, ...]
LineMap = Mapping[KeyPath, int]
Arm = Literal["champion", "challenger"]
CHAMPION: Arm = "champion"
CHALLENGER: Arm = "challenger"

ANY_UTILITY = "any"
UTILITIES = (*(u.value for u in Utility), ANY_UTILITY)
SEGMENTS = tuple(s.value for s in Segment)
# Flags are a closed list (a typo must not silently match nobody); tags are free labels.
FLAGS = (
    "vulnerable",
    "bonus_sociale",
    "non_disconnectable",
    "public_utility",
    "complaint_open",
    "payment_plan",
    "promise_pending",
    "direct_debit",
    "deceased",
    "insolvency",
)
MAX_WAIT_DAYS = 730  # a longer wait outlives the consumers' two-year prescription
MAX_HOLD_DAYS = 365
MAX_EURO = 1_000_000_000
ARM_BUCKETS = 10_000  # percentages have two decimals at most
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_NAME_HINT = "lower-case letters, digits, '_' or '-', up to 64"
_STOP, _RESTART = "stop", "restart"


class Action(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    PEC = "pec"
    OUTBOUND_CALL = "outbound_call"
    FIELD_VISIT = "field_visit"
    FORMAL_NOTICE = "formal_notice"
    POWER_REDUCTION_REQUEST = "power_reduction_request"
    SUSPENSION_REQUEST = "suspension_request"
    LIMITATION_REQUEST = "limitation_request"
    AGENCY_PLACEMENT = "agency_placement"
    LEGAL = "legal"
    WRITE_OFF_PROPOSAL = "write_off_proposal"


class Channel(StrEnum):
    """How an action reaches its recipient; a step lists them in order of preference."""

    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"  # ordinary mail
    RACCOMANDATA = "raccomandata"  # registered mail with return receipt
    PEC = "pec"
    PHONE = "phone"  # an operator: pre-recorded calls are not allowed (Garante privacy)
    FIELD = "field"
    AGENCY = "agency"
    DISTRIBUTOR = "distributor"  # request to the distribution system operator
    NETWORK = "network"  # the operator's own network (telco, water supplied in-house)
    LAWYER = "lawyer"
    BACK_OFFICE = "back_office"


class Outcome(StrEnum):
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    PROMISE = "promise"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    DISPUTE = "dispute"
    WRONG_CONTACT = "wrong_contact"


class WaitFrom(StrEnum):
    DUE_DATE = "due_date"
    PREVIOUS_STEP = "previous_step"


class Engagement(StrEnum):
    """Whether the strategy works the customer as a whole or each contract on its own."""

    CUSTOMER = "customer"
    CONTRACT = "contract"


class TransitionKind(StrEnum):
    NEXT = "next"
    STOP = "stop"
    RESTART = "restart"
    HOLD = "hold"


ACTION_CHANNELS: Mapping[Action, frozenset[Channel]] = {
    Action.SMS: frozenset({Channel.SMS}),
    Action.EMAIL: frozenset({Channel.EMAIL}),
    Action.LETTER: frozenset({Channel.LETTER, Channel.RACCOMANDATA}),
    Action.PEC: frozenset({Channel.PEC}),
    Action.OUTBOUND_CALL: frozenset({Channel.PHONE}),
    Action.FIELD_VISIT: frozenset({Channel.FIELD, Channel.AGENCY}),
    Action.FORMAL_NOTICE: frozenset(
        {Channel.RACCOMANDATA, Channel.PEC}
    ),  # ARERA TIMOE: raccomandata or PEC
    Action.POWER_REDUCTION_REQUEST: frozenset({Channel.DISTRIBUTOR}),
    Action.SUSPENSION_REQUEST: frozenset({Channel.DISTRIBUTOR, Channel.NETWORK, Channel.FIELD}),
    Action.LIMITATION_REQUEST: frozenset({Channel.DISTRIBUTOR, Channel.NETWORK, Channel.FIELD}),
    Action.AGENCY_PLACEMENT: frozenset({Channel.AGENCY}),
    Action.LEGAL: frozenset({Channel.LAWYER}),
    Action.WRITE_OFF_PROPOSAL: frozenset({Channel.BACK_OFFICE}),
}
SUPPLY_ACTIONS = frozenset(
    {Action.POWER_REDUCTION_REQUEST, Action.SUSPENSION_REQUEST, Action.LIMITATION_REQUEST}
)
# Supply actions that exist for one utility only (TIMOE for power, REMSI for limitation).
ACTION_UTILITY: Mapping[Action, str] = {
    Action.POWER_REDUCTION_REQUEST: Utility.ELECTRICITY.value,
    Action.LIMITATION_REQUEST: Utility.WATER.value,
}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was written, for messages."""

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return self.source if self.line is None else f"{self.source} line {self.line}"


@dataclass(frozen=True, slots=True)
class StrategyProblem:
    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = str(Origin(self.source, self.line))
        return f"{where}: {self.path} {self.message}" if self.path else f"{where}: {self.message}"


class StrategyError(ImportFileError):
    """Strategies that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[StrategyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(map(str, self.problems)))


@dataclass(frozen=True, slots=True)
class Position:
    """What the conditions look at: one customer's (or contract's) arrears today."""

    customer_code: str
    utility: str
    segment: str
    amount_overdue_cents: int
    days_past_due: int
    behaviour_score: int | None = None
    flags: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.utility not in UTILITIES or self.utility == ANY_UTILITY:
            raise ValidationError(
                f"position {self.customer_code}: unknown utility {self.utility!r}"
            )
        if self.amount_overdue_cents < 0 or self.days_past_due < 0:
            raise ValidationError(f"position {self.customer_code}: negative arrears")
        if self.behaviour_score is not None and not 0 <= self.behaviour_score <= 100:
            raise ValidationError(f"position {self.customer_code}: score outside 0-100")
        unknown = sorted(self.flags - set(FLAGS))
        if unknown:
            raise ValidationError(f"position {self.customer_code}: unknown flags {unknown}")


@dataclass(frozen=True, slots=True)
class Span:
    """An inclusive range; None leaves that end open."""

    low: int | None = None
    high: int | None = None

    @property
    def written(self) -> bool:
        return self.low is not None or self.high is not None

    def holds(self, value: int) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def meet(self, other: Span) -> Span | None:
        lows = [v for v in (self.low, other.low) if v is not None]
        highs = [v for v in (self.high, other.high) if v is not None]
        span = Span(max(lows) if lows else None, min(highs) if highs else None)
        if span.low is not None and span.high is not None and span.low > span.high:
            return None
        return span

    def contains(self, other: Span, floor: int | None = None) -> bool:
        other_low = other.low if other.low is not None else floor
        low_ok = self.low is None or (other_low is not None and other_low >= self.low)
        high_ok = self.high is None or (other.high is not None and other.high <= self.high)
        return low_ok and high_ok


def _meet_names(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    return a if b is None else a & b


def _names_within(inner: frozenset[str] | None, outer: frozenset[str] | None) -> bool:
    return outer is None or (inner is not None and inner <= outer)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a position must be for a rule (or an exclusion) to match it; None: anything."""

    segments: frozenset[str] | None = None
    utilities: frozenset[str] | None = None
    amount_overdue: Span = Span()  # cents
    days_past_due: Span = Span()
    behaviour_score: Span = Span()  # a position without a score never meets a score range
    flags: tuple[tuple[str, bool], ...] = ()
    tags: frozenset[str] = frozenset()

    @property
    def specificity(self) -> int:
        counted = (self.segments, self.utilities)
        spans = (self.amount_overdue, self.days_past_due, self.behaviour_score)
        return (
            sum(1 for c in counted if c is not None)
            + sum(1 for s in spans if s.written)
            + len(self.flags)
            + len(self.tags)
        )

    def holds(self, position: Position) -> bool:
        score = position.behaviour_score
        return (
            (self.segments is None or position.segment in self.segments)
            and (self.utilities is None or position.utility in self.utilities)
            and self.amount_overdue.holds(position.amount_overdue_cents)
            and self.days_past_due.holds(position.days_past_due)
            and (
                not self.behaviour_score.written
                or (score is not None and self.behaviour_score.holds(score))
            )
            and all((name in position.flags) == wanted for name, wanted in self.flags)
            and self.tags <= position.tags
        )

    def meet(self, other: Conditions) -> Conditions | None:
        """The positions both match, or None when no position can."""
        segments = _meet_names(self.segments, other.segments)
        utilities = _meet_names(self.utilities, other.utilities)
        amount = self.amount_overdue.meet(other.amount_overdue)
        days = self.days_past_due.meet(other.days_past_due)
        score = self.behaviour_score.meet(other.behaviour_score)
        flags = dict(self.flags)
        for name, wanted in other.flags:
            if flags.setdefault(name, wanted) != wanted:
                return None
        if segments == frozenset() or utilities == frozenset():
            return None
        if amount is None or days is None or score is None:
            return None
        merged = tuple(sorted(flags.items()))
        return Conditions(segments, utilities, amount, days, score, merged, self.tags | other.tags)

    def covers(self, region: Conditions) -> bool:
        """Whether every position of ``region`` matches these conditions too."""
        return (
            _names_within(region.segments, self.segments)
            and _names_within(region.utilities, self.utilities)
            and self.amount_overdue.contains(region.amount_overdue, floor=0)
            and self.days_past_due.contains(region.days_past_due, floor=0)
            and self.behaviour_score.contains(region.behaviour_score)
            and set(self.flags) <= set(region.flags)
            and self.tags <= region.tags
        )


@dataclass(frozen=True, slots=True)
class Rule:
    conditions: Conditions
    origin: Origin

    @property
    def specificity(self) -> int:
        return self.conditions.specificity


@dataclass(frozen=True, slots=True)
class Target:
    """A transition as written; NEXT without a step id is the next step in order."""

    kind: TransitionKind
    step_id: str | None = None
    hold_days: int = 0
    then: Target | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """Where a position goes: ``step_id`` is the step to run (after ``hold_days`` for a hold);
    None means the strategy is over for it."""

    kind: TransitionKind
    step_id: str | None
    hold_days: int = 0

    @property
    def ends(self) -> bool:
        return self.step_id is None


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    action: Action
    channels: tuple[Channel, ...]
    wait_days: int
    wait_from: WaitFrom
    unit_cost_cents: int
    min_amount_cents: int | None = None
    transitions: Mapping[Outcome, Target] = field(default_factory=dict)
    description: str = ""

    def applies(self, amount_overdue_cents: int | None) -> bool:
        """Unknown amounts (None) take every step."""
        minimum = self.min_amount_cents
        return amount_overdue_cents is None or minimum is None or amount_overdue_cents >= minimum


_DEFAULT_TARGETS: Mapping[Outcome | None, Target] = {
    Outcome.PAID: Target(TransitionKind.STOP),
    Outcome.DISPUTE: Target(TransitionKind.STOP),
}
_NEXT_IN_ORDER = Target(TransitionKind.NEXT)


@dataclass(frozen=True, slots=True)
class Challenger:
    """The challenger arm: another strategy by name, or steps of its own (``variant``)."""

    percentage: Decimal
    origin: Origin
    strategy: str | None = None
    variant: Strategy | None = None


@dataclass(frozen=True, slots=True)
class Strategy:
    """One collection strategy: the rules that give it positions, and the steps it runs."""

    name: str
    version: str
    utility: str
    engagement: Engagement
    steps: tuple[Step, ...]
    rules: tuple[Rule, ...] = ()
    exclusions: tuple[Rule, ...] = ()
    challenger: Challenger | None = None
    origin: Origin = Origin("<strategy>")
    description: str = ""

    def step(self, step_id: str) -> Step:
        return self.steps[self._index(step_id)]

    def match(self, position: Position) -> Rule | None:
        """The most specific rule matching the position (first in file order on ties)."""
        if any(rule.conditions.holds(position) for rule in self.exclusions):
            return None
        best: Rule | None = None
        for rule in self.rules:
            if rule.conditions.holds(position) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best

    def assign(self, position: Position) -> int | None:
        """The specificity with which this strategy takes the position; None if it does not."""
        rule = self.match(position)
        return None if rule is None else rule.specificity

    def arm(self, customer_code: str) -> Arm:
        if self.challenger is None:
            return CHAMPION
        return arm_of(self.name, customer_code, self.challenger.percentage)

    def for_customer(
        self, customer_code: str, strategies: Iterable[Strategy] = ()
    ) -> tuple[Arm, Strategy]:
        """The customer's arm and the strategy whose steps they follow."""
        arm = self.arm(customer_code)
        if arm == CHAMPION or self.challenger is None:
            return arm, self
        if self.challenger.variant is not None:
            return arm, self.challenger.variant
        for other in strategies:
            if other.name == self.challenger.strategy:
                return arm, other
        raise ValidationError(
            f"{self.name}: challenger strategy {self.challenger.strategy!r} is not loaded"
        )

    def next_step(
        self,
        current_step_id: str | None,
        outcome: Outcome | str | None = None,
        *,
        amount_overdue_cents: int | None = None,
    ) -> Transition:
        """Where the position goes after ``current_step_id`` (None: it enters the strategy)
        given the step's outcome (None: no outcome, the step's wait is over)."""
        if current_step_id is None:
            return self._resolve(_NEXT_IN_ORDER, -1, amount_overdue_cents)
        index = self._index(current_step_id)
        try:
            key = None if outcome is None else Outcome(outcome)
        except ValueError:
            raise ValidationError(f"{self.name}: unknown outcome {outcome!r}") from None
        target = self.steps[index].transitions.get(key) if key is not None else None
        if target is None:
            target = _DEFAULT_TARGETS.get(key, _NEXT_IN_ORDER)
        return self._resolve(target, index, amount_overdue_cents)

    def step_due(
        self, step: Step | str, due_date: dt.date, previous_step_date: dt.date | None = None
    ) -> dt.date:
        """The day the step falls due; with no previous step its wait counts from the due date."""
        found = step if isinstance(step, Step) else self.step(step)
        base = previous_step_date
        if found.wait_from is WaitFrom.DUE_DATE or base is None:
            base = due_date
        return base + dt.timedelta(days=found.wait_days)

    def _index(self, step_id: str) -> int:
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise ValidationError(f"{self.name} {self.version}: no step {step_id!r}")

    def _first_from(self, start: int, amount: int | None) -> str | None:
        for step in self.steps[start:]:
            if step.applies(amount):
                return step.id
        return None

    def _resolve(self, target: Target, index: int, amount: int | None) -> Transition:
        kind = target.kind
        if kind is TransitionKind.STOP:
            return Transition(kind, None)
        if kind is TransitionKind.HOLD:
            then = self._resolve(target.then or _NEXT_IN_ORDER, index, amount)
            return Transition(kind, then.step_id, target.hold_days)
        if kind is TransitionKind.RESTART:
            start = 0
        else:
            start = self._index(target.step_id) if target.step_id else index + 1
        step_id = self._first_from(start, amount)
        return Transition(kind, step_id) if step_id else Transition(TransitionKind.STOP, None)


def arm_of(strategy_name: str, customer_code: str, percentage: Decimal) -> Arm:
    """Champion or challenger, stable for a customer: see the module docstring."""
    seed = f"{strategy_name}\x1f{customer_code}".encode()
    bucket = int.from_bytes(hashlib.blake2b(seed, digest_size=8).digest(), "big") % ARM_BUCKETS
    return CHALLENGER if bucket < percentage * 100 else CHAMPION


def choose_strategy(strategies: Iterable[Strategy], position: Position) -> Strategy | None:
    """The strategy that takes the position: most specific rule, then first in order."""
    best: Strategy | None = None
    best_score = -1
    for strategy in strategies:
        score = strategy.assign(position)
        if score is not None and score > best_score:
            best, best_score = strategy, score
    return best


def check_strategies(strategies: Sequence[Strategy]) -> None:
    """Refuse a set of strategies that clash: same name, a challenger naming a strategy that is
    not there (or has a challenger of its own), equally specific rules that overlap."""
    problems: list[StrategyProblem] = []

    def fail(origin: Origin, path: str, message: str) -> None:
        problems.append(StrategyProblem(origin.source, origin.line, path, message))

    by_name: dict[str, Strategy] = {}
    for strategy in strategies:
        first = by_name.setdefault(strategy.name, strategy)
        if first is not strategy:
            fail(strategy.origin, "name", f"{strategy.name!r} is also the name in {first.origin}")
    for strategy in strategies:
        challenger = strategy.challenger
        if challenger is None or challenger.strategy is None:
            continue
        other = by_name.get(challenger.strategy)
        if other is None:
            fail(challenger.origin, "challenger.strategy", f"{challenger.strategy!r} is not loaded")
        elif other.challenger is not None:
            fail(challenger.origin, "challenger.strategy", f"{other.name!r} has its own challenger")
    for i, first in enumerate(strategies):
        for second in strategies[i + 1 :]:
            for a in first.rules:
                for b in second.rules:
                    if a.specificity != b.specificity:
                        continue
                    region = a.conditions.meet(b.conditions)
                    exclusions = (*first.exclusions, *second.exclusions)
                    if region is None or any(e.conditions.covers(region) for e in exclusions):
                        continue
                    fail(
                        b.origin,
                        "",
                        f"this rule of {second.name!r} and the rule of {first.name!r} at "
                        f"{a.origin} can take the same positions with the same specificity "
                        f"({a.specificity}): add a condition to one, or an exclusion",
                    )
    if problems:
        raise StrategyError(problems)


# --- parsing -------------------------------------------------------------------------------


def dotted(path: KeyPath) -> str:
    """A key path as messages write it: ``steps[2].wait_days`` (list items count from 0)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _shown(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Report:
    def __init__(self, source: str, lines: LineMap) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[StrategyProblem] = []

    def line(self, path: KeyPath) -> int | None:
        """The line of the key, else of its nearest written parent (a missing key's mapping)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def origin(self, path: KeyPath) -> Origin:
        return Origin(self.source, self.line(path))

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append(StrategyProblem(self.source, self.line(path), dotted(path), message))

    def mapping(
        self, path: KeyPath, value: object, keys: Sequence[str], required: Sequence[str] = ()
    ) -> Mapping[str, object] | None:
        if not isinstance(value, Mapping):
            self.fail(path, f"must be a mapping with keys {', '.join(keys)}, not {_shown(value)}")
            return None
        for key in value:
            if key not in keys:
                self.fail((*path, str(key)), f"is an unknown key (known: {', '.join(keys)})")
        for key in required:
            if key not in value:
                self.fail((*path, key), "is missing")
        return value

    def text(
        self, path: KeyPath, value: object, pattern: re.Pattern[str] | None = None, hint: str = ""
    ) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be text, not {_shown(value)}")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(path, f"must be {hint}, not {value!r}")
            return None
        return value

    def whole(self, path: KeyPath, value: object, low: int, high: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be a whole number, not {_shown(value)}")
            return None
        if value < low:
            self.fail(path, f"must be ≥ {low}, not {value}")
            return None
        if value > high:
            self.fail(path, f"must be ≤ {high}, not {value}")
            return None
        return value

    def cents(self, path: KeyPath, value: object) -> int | None:
        """Euro as text ("12.50") or a whole number of euro; never a float, which is not exact."""
        if isinstance(value, float):
            self.fail(path, f'must be written in quotes, e.g. "{value:.2f}", not a bare {value}')
            return None
        amount = None if isinstance(value, bool) else _hundredths(value)
        if amount is None or abs(amount) > MAX_EURO:
            self.fail(path, f'must be an amount in euro such as "12.50", not {_shown(value)}')
            return None
        if amount < 0:
            self.fail(path, f"must be ≥ 0, not {value!r}")
            return None
        return int(amount * 100)

    def choice(self, path: KeyPath, value: object, choices: Sequence[str], what: str) -> str | None:
        if isinstance(value, str) and value in choices:
            return value
        self.fail(path, f"is an unknown {what} {_shown(value)} (known: {', '.join(choices)})")
        return None

    def names(
        self, path: KeyPath, value: object, choices: Sequence[str] | None, what: str
    ) -> list[str] | None:
        """One name or a non-empty list of distinct names."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            self.fail(path, f"must be a {what} or a list of them, not {_shown(value)}")
            return None
        out: list[str] = []
        for i, item in enumerate(items):
            where = path if isinstance(value, str) else (*path, i)
            if choices is not None:
                found = self.choice(where, item, choices, what)
            else:
                found = self.text(where, item)
            if found is not None and found in out:
                self.fail(where, f"repeats {found!r}")
            elif found is not None:
                out.append(found)
        return out if len(out) == len(items) else None


# The keys a file may use, in the order the messages list them.
_TOP_KEYS: tuple[str, ...] = ("name", "version", "utility", "engagement", "description")
_TOP_KEYS += ("assign", "exclude", "steps", "challenger")
_CONDITION_KEYS: tuple[str, ...] = ("segment", "utility", "amount_overdue", "days_past_due")
_CONDITION_KEYS += ("behaviour_score", "flags", "tags")
_STEP_KEYS: tuple[str, ...] = ("id", "action", "channels", "wait_days", "from", "unit_cost")
_STEP_KEYS += ("min_amount", "transitions", "description")
_STEP_REQUIRED = ("id", "action", "channels", "wait_days", "unit_cost")
_CHALLENGER_KEYS = ("percentage", "strategy", "steps")
_RANGE_KEYS = ("min", "max")
_OUTCOMES = tuple(o.value for o in Outcome)
_ACTIONS = tuple(a.value for a in Action)
_CHANNELS = tuple(c.value for c in Channel)


def parse_strategy(data: object, source: str, lines: LineMap | None = None) -> Strategy:
    """A strategy from parsed YAML (mappings, lists, text, numbers); ``lines`` maps key paths
    (mapping keys and list indexes) to the line they are written on. Raises StrategyError."""
    r = _Report(source, lines or {})
    top = r.mapping((), data, _TOP_KEYS, required=("name", "version", "utility", "steps"))
    if top is None:
        raise StrategyError(r.problems)
    name = r.text(("name",), top["name"], _NAME, _NAME_HINT) if "name" in top else None
    version = _version(r, top["version"]) if "version" in top else None
    utility = (
        r.choice(("utility",), top["utility"], UTILITIES, "utility") if "utility" in top else None
    )
    engagements = [e.value for e in Engagement]
    engagement = r.choice(
        ("engagement",), top.get("engagement", Engagement.CUSTOMER.value), engagements, "engagement"
    )
    description = _description(r, ("description",), top)
    rules = _rules(r, "assign", top, utility, exclusion=False)
    exclusions = _rules(r, "exclude", top, utility, exclusion=True)
    steps = _steps(r, ("steps",), top["steps"], utility) if "steps" in top else ()
    challenger = _challenger(r, top, name, utility)
    if r.problems or name is None or version is None or utility is None or engagement is None:
        raise StrategyError(r.problems)
    strategy = Strategy(
        name=name,
        version=version,
        utility=utility,
        engagement=Engagement(engagement),
        steps=steps,
        rules=rules,
        exclusions=exclusions,
        origin=r.origin(("name",)),
        description=description,
    )
    if challenger is None:
        return strategy
    percentage, other, own_steps = challenger
    variant = None
    if own_steps:
        variant = replace(
            strategy, name=f"{name}/challenger", steps=own_steps, rules=(), exclusions=()
        )
    found = Challenger(percentage, r.origin(("challenger",)), other, variant)
    return replace(strategy, challenger=found)


def _version(r: _Report, value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):  # 2026.10 would read as 2026.1
        r.fail(("version",), f'must be written in quotes, e.g. "{value}"')
        return None
    return r.text(("version",), value)


def _description(r: _Report, path: KeyPath, data: Mapping[str, object]) -> str:
    if "description" not in data:
        return ""
    return r.text(path, data["description"]) or ""


def _rules(
    r: _Report, key: str, top: Mapping[str, object], utility: str | None, *, exclusion: bool
) -> tuple[Rule, ...]:
    """Assignment rules (``assign``) or exclusions (``exclude``)."""
    if key not in top:
        return ()
    value = top[key]
    if not isinstance(value, list):
        r.fail((key,), f"must be a list of conditions, not {_shown(value)}")
        return ()
    out: list[Rule] = []
    for i, item in enumerate(value):
        conditions = _conditions(r, (key, i), item, utility, exclusion=exclusion)
        if conditions is not None:
            out.append(Rule(conditions, r.origin((key, i))))
    return tuple(out)


def _conditions(
    r: _Report, path: KeyPath, value: object, utility: str | None, *, exclusion: bool
) -> Conditions | None:
    if value is None and not exclusion:
        value = {}  # "- {}" or a bare "-": a catch-all rule
    data = r.mapping(path, value, _CONDITION_KEYS)
    if data is None:
        return None
    before = len(r.problems)
    if exclusion and not data:
        r.fail(path, "is empty: an exclusion without conditions would exclude every position")
    segments = utilities = None
    if "segment" in data:
        found = r.names((*path, "segment"), data["segment"], SEGMENTS, "segment")
        segments = frozenset(found) if found else None
    if utility is not None and utility != ANY_UTILITY:
        utilities = frozenset({utility})
        if "utility" in data:
            r.fail((*path, "utility"), f"is set by the strategy ({utility}); remove it here")
    elif "utility" in data:
        choices = [u for u in UTILITIES if u != ANY_UTILITY]
        found = r.names((*path, "utility"), data["utility"], choices, "utility")
        utilities = frozenset(found) if found else None
    amount = _span(r, (*path, "amount_overdue"), data, None)
    days = _span(r, (*path, "days_past_due"), data, (0, 100_000))
    score = _span(r, (*path, "behaviour_score"), data, (0, 100))
    flags: dict[str, bool] = {}
    raw_flags = data.get("flags", {})
    if not isinstance(raw_flags, Mapping) or ("flags" in data and not raw_flags):
        r.fail((*path, "flags"), f"must map flags to true or false (flags: {', '.join(FLAGS)})")
    else:
        for flag, wanted in raw_flags.items():
            where = (*path, "flags", str(flag))
            if r.choice(where, flag, FLAGS, "flag") is None:
                continue
            if not isinstance(wanted, bool):
                r.fail(where, f"must be true or false, not {_shown(wanted)}")
            else:
                flags[flag] = wanted
    tags = r.names((*path, "tags"), data["tags"], None, "tag") if "tags" in data else []
    if len(r.problems) > before:
        return None
    written = tuple(sorted(flags.items()))
    return Conditions(segments, utilities, amount, days, score, written, frozenset(tags or ()))


def _span(
    r: _Report, path: KeyPath, data: Mapping[str, object], bounds: tuple[int, int] | None
) -> Span:
    """A {min, max} range; without ``bounds`` its ends are amounts in euro."""
    key = path[-1]
    assert isinstance(key, str)
    if key not in data:
        return Span()
    found = r.mapping(path, data[key], _RANGE_KEYS)
    if found is None:
        return Span()
    if not found:
        r.fail(path, "needs min, max or both")
        return Span()
    ends: list[int | None] = []
    for end in _RANGE_KEYS:
        if end not in found:
            ends.append(None)
        elif bounds is None:
            ends.append(r.cents((*path, end), found[end]))
        else:
            ends.append(r.whole((*path, end), found[end], *bounds))
    low, high = ends
    if low is not None and high is not None and low > high:
        r.fail((*path, "min"), f"must not exceed max ({found['min']!r} > {found['max']!r})")
    return Span(low, high)


def _steps(r: _Report, path: KeyPath, value: object, utility: str | None) -> tuple[Step, ...]:
    if not isinstance(value, list) or not value:
        r.fail(path, f"must be a list of at least one step, not {_shown(value)}")
        return ()
    before = len(r.problems)
    # Ids as written, so a step refused for another reason still counts as a target and a
    # repeated id is caught whatever else is wrong with either step.
    first_at: dict[str, int] = {}
    for i, item in enumerate(value):
        written = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(written, str) and written in first_at:
            first = (*path, first_at[written])
            again = f"repeats the id {written!r} of {dotted(first)} (line {r.line(first)})"
            r.fail((*path, i, "id"), again)
        elif isinstance(written, str):
            first_at[written] = i
    steps: list[Step] = []
    for i, item in enumerate(value):
        step = _step(r, (*path, i), item, utility)
        if step is not None and first_at[step.id] == i:
            steps.append(step)
    ids = ", ".join(first_at)
    for step in steps:
        for outcome, target in step.transitions.items():
            at: KeyPath = (*path, first_at[step.id], "transitions", outcome.value)
            for goal, here in ((target, at), (target.then, (*at, "then"))):
                if goal is not None and goal.step_id and goal.step_id not in first_at:
                    r.fail(here, f"goes to an unknown step {goal.step_id!r} (steps: {ids})")
    if len(r.problems) == before:
        _check_notice_first(r, path, steps)
    return tuple(steps)


def _step(r: _Report, path: KeyPath, value: object, utility: str | None) -> Step | None:
    data = r.mapping(path, value, _STEP_KEYS, _STEP_REQUIRED)
    if data is None:
        return None
    before = len(r.problems)
    step_id = action = wait = cost = None
    channels: list[str] | None = None
    if "id" in data:
        step_id = r.text((*path, "id"), data["id"], _NAME, _NAME_HINT)
        if step_id in (_STOP, _RESTART):
            r.fail((*path, "id"), f"cannot be {step_id!r}: the word is a transition")
    if "action" in data:
        action = r.choice((*path, "action"), data["action"], _ACTIONS, "action")
    if "channels" in data:
        channels = r.names((*path, "channels"), data["channels"], _CHANNELS, "channel")
    if "wait_days" in data:
        wait = r.whole((*path, "wait_days"), data["wait_days"], 0, MAX_WAIT_DAYS)
    starts = [w.value for w in WaitFrom]
    written_from = data.get("from", WaitFrom.PREVIOUS_STEP.value)
    wait_from = r.choice((*path, "from"), written_from, starts, "starting point")
    if "unit_cost" in data:
        cost = r.cents((*path, "unit_cost"), data["unit_cost"])
    minimum = r.cents((*path, "min_amount"), data["min_amount"]) if "min_amount" in data else None
    transitions = _transitions(r, (*path, "transitions"), data.get("transitions", {}))
    description = _description(r, (*path, "description"), data)
    if action is not None and channels:
        allowed = ACTION_CHANNELS[Action(action)]
        wrong = [c for c in channels if Channel(c) not in allowed]
        if wrong:
            by = ", ".join(sorted(allowed))
            r.fail((*path, "channels"), f"{', '.join(wrong)} cannot carry {action} (only {by})")
    if action is not None and utility is not None and Action(action) in SUPPLY_ACTIONS:
        only = ACTION_UTILITY.get(Action(action))
        if utility == ANY_UTILITY or (only is not None and utility != only):
            need = only or "one utility"
            r.fail((*path, "action"), f"{action} needs a strategy for {need}, not {utility}")
    if len(r.problems) > before or step_id is None or action is None or channels is None:
        return None
    if wait is None or wait_from is None or cost is None:
        return None
    return Step(
        id=step_id,
        action=Action(action),
        channels=tuple(Channel(c) for c in channels),
        wait_days=wait,
        wait_from=WaitFrom(wait_from),
        unit_cost_cents=cost,
        min_amount_cents=minimum,
        transitions=transitions,
        description=description,
    )


def _transitions(r: _Report, path: KeyPath, value: object) -> dict[Outcome, Target]:
    data = r.mapping(path, value, _OUTCOMES)
    out: dict[Outcome, Target] = {}
    for key, written in (data or {}).items():
        if key in _OUTCOMES:
            target = _target(r, (*path, key), written, hold=True)
            if target is not None:
                out[Outcome(key)] = target
    return out


def _target(r: _Report, path: KeyPath, value: object, *, hold: bool) -> Target | None:
    if isinstance(value, str):
        if value == _STOP:
            return Target(TransitionKind.STOP)
        if value == _RESTART:
            return Target(TransitionKind.RESTART)
        if _NAME.fullmatch(value):
            return Target(TransitionKind.NEXT, value)
    elif hold and isinstance(value, Mapping):
        data = r.mapping(path, value, ("hold_days", "then"), required=("hold_days",))
        if data is None or "hold_days" not in data:
            return None
        days = r.whole((*path, "hold_days"), data["hold_days"], 1, MAX_HOLD_DAYS)
        then = _target(r, (*path, "then"), data["then"], hold=False) if "then" in data else None
        if days is None or ("then" in data and then is None):
            return None
        return Target(TransitionKind.HOLD, hold_days=days, then=then)
    shapes = "a step id, stop, restart" + (" or {hold_days: N, then: ...}" if hold else "")
    r.fail(path, f"must be {shapes}, not {_shown(value)}")
    return None


def _successors(steps: Sequence[Step], index: int) -> set[int]:
    """Steps that can follow ``index``: by written transitions, by default, and by skipping."""
    ids = {step.id: i for i, step in enumerate(steps)}
    found = {index + 1} if index + 1 < len(steps) else set()
    for target in steps[index].transitions.values():
        for written in (target, target.then):
            if written is None:
                continue
            if written.kind is TransitionKind.RESTART:
                found.add(0)
            elif written.step_id is not None:
                found.add(ids[written.step_id])
    return found


def _check_notice_first(r: _Report, path: KeyPath, steps: Sequence[Step]) -> None:
    """A supply action must not be reachable without a formal notice before it (ARERA TIMOE,
    TIMG, REMSI). A notice with a min_amount guards only steps asking at least as much."""
    for target_index, target in enumerate(steps):
        if target.action not in SUPPLY_ACTIONS:
            continue

        def guards(step: Step, target: Step = target) -> bool:
            if step.action is not Action.FORMAL_NOTICE:
                return False
            need = step.min_amount_cents
            return need is None or (target.min_amount_cents or 0) >= need

        seen: set[int] = set()
        todo = [0]
        while todo:
            index = todo.pop()
            if index in seen:
                continue
            seen.add(index)
            if guards(steps[index]):
                continue
            todo.extend(_successors(steps, index))
        if target_index in seen:
            message = f"{target.action} can be reached without a formal_notice step before it"
            r.fail((*path, target_index, "action"), message)


def _challenger(
    r: _Report, top: Mapping[str, object], name: str | None, utility: str | None
) -> tuple[Decimal, str | None, tuple[Step, ...]] | None:
    if "challenger" not in top:
        return None
    path: KeyPath = ("challenger",)
    data = r.mapping(path, top["challenger"], _CHALLENGER_KEYS, required=("percentage",))
    if data is None:
        return None
    percentage = None
    if "percentage" in data:
        percentage = _percentage(r, (*path, "percentage"), data["percentage"])
    if ("strategy" in data) == ("steps" in data):
        r.fail(path, "needs either strategy (another strategy's name) or steps, one of the two")
        return None
    other = None
    steps: tuple[Step, ...] = ()
    if "strategy" in data:
        other = r.text((*path, "strategy"), data["strategy"], _NAME, _NAME_HINT)
        if other is not None and other == name:
            r.fail((*path, "strategy"), "names this same strategy")
    else:
        steps = _steps(r, (*path, "steps"), data["steps"], utility)
    if percentage is None:
        return None
    return percentage, other, steps


def _percentage(r: _Report, path: KeyPath, value: object) -> Decimal | None:
    found = None if isinstance(value, bool) else _hundredths(value)
    if found is not None and 0 <= found <= 100:
        return found
    r.fail(path, f"must be a percentage from 0 to 100 (two decimals at most), not {_shown(value)}")
    return None


def _hundredths(value: object) -> Decimal | None:
    """A number with two decimals at most, from text, an int or a float (read as written)."""
    if not isinstance(value, str | int | float):
        return None
    try:
        found = Decimal(str(value).strip())
        return found if found.is_finite() and found == found.quantize(Decimal("0.01")) else None
    except InvalidOperation:
        return None
