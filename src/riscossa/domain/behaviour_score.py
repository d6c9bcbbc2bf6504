"""The behaviour score: how well a customer has paid, 0 (worst) to 100 (best).

Transparent on purpose: an operator must be able to read why a customer scores 62. The score
starts at 100 and loses points for each component below; a component's points are
``min(weight × measure, cap)``, so no single habit can sink a customer on its own, and
:func:`explain` lists every component with its measure, weight, cap and points.

| component        | measure                                                        |
|------------------|----------------------------------------------------------------|
| avg_days_late    | Σ days late of the paid items / items paid (on-time items: 0)  |
| worst_days_late  | the most days late of one paid item                            |
| late_share       | items paid late / items paid (0..1)                            |
| sdd_rejects      | Σ reject weights by reason (AM04 funds worst, bank errors 0)   |
| broken_promises  | promises to pay broken                                         |
| broken_plans     | payment plans broken                                           |
| arrears_age      | days past due of the oldest open overdue item today            |

Everything but the arrears age is counted over a window (``window_days``, two years by
default: the horizon ARERA uses for a "good payer"); :func:`summarise_history` builds the
measures from events, the daily run aggregates the same columns in SQL.

``services.behaviour_scores.score_frame`` is the column-wise twin of :func:`behaviour_score`
for the set-based run (polars stays out of the domain): the formula is the same, step for
step, in the same floating-point order, and a test checks both give identical scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from riscossa.domain.errors import ValidationError

MAX_SCORE = 100

AVG_DAYS_LATE = "avg_days_late"
WORST_DAYS_LATE = "worst_days_late"
LATE_SHARE = "late_share"
SDD_REJECTS = "sdd_rejects"
BROKEN_PROMISES = "broken_promises"
BROKEN_PLANS = "broken_plans"
ARREARS_AGE = "arrears_age"
COMPONENTS = (
    AVG_DAYS_LATE,
    WORST_DAYS_LATE,
    LATE_SHARE,
    SDD_REJECTS,
    BROKEN_PROMISES,
    BROKEN_PLANS,
    ARREARS_AGE,
)
SCORE_COLUMN = "behaviour_score"

# What an R-transaction says about the payer. Insufficient funds is the one that speaks of
# behaviour; refusals and refunds asked by the debtor come next; account problems the
# customer must fix count once; the creditor's or the bank's own errors say nothing.
DEFAULT_REJECT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "AM04": 3,
        "MS02": 2,
        "MD06": 2,
        "AC01": 1,
        "AC04": 1,
        "AC06": 1,
        "AG01": 1,
        "MD01": 1,
        "MS03": 1,
        "SL01": 1,
        "AC13": 0,
        "AG02": 0,
        "AM05": 0,
        "BE05": 0,
        "CNOR": 0,
        "DNOR": 0,
        "FF01": 0,
        "MD02": 0,
        "MD07": 0,
        "RC01": 0,
        "RR01": 0,
        "RR02": 0,
        "RR03": 0,
        "RR04": 0,
    }
)


@dataclass(frozen=True, slots=True)
class Component:
    """Points lost per unit of the measure, and the most this component can take away."""

    weight: float
    cap: float

    def points(self, measure: float) -> float:
        return min(self.weight * measure, self.cap)


@dataclass(frozen=True, slots=True)
class ScoreParameters:
    """The formula's data: one Component per measure, the reject weights, the window."""

    version: str = "default-1"
    window_days: int = 730
    avg_days_late: Component = Component(weight=1.0, cap=25.0)
    worst_days_late: Component = Component(weight=0.25, cap=15.0)
    late_share: Component = Component(weight=30.0, cap=30.0)
    sdd_rejects: Component = Component(weight=4.0, cap=20.0)
    broken_promises: Component = Component(weight=8.0, cap=24.0)
    broken_plans: Component = Component(weight=15.0, cap=30.0)
    arrears_age: Component = Component(weight=0.2, cap=20.0)
    reject_weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_REJECT_WEIGHTS)
    default_reject_weight: int = 1
    """For reason codes ``reject_weights`` does not list."""

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValidationError(f"score window must be at least 1 day, not {self.window_days}")
        for name in COMPONENTS:
            part = self.component(name)
            for what, value in (("weight", part.weight), ("cap", part.cap)):
                if not math.isfinite(value) or value < 0:
                    raise ValidationError(f"score {name}.{what} must be >= 0, not {value!r}")
        for code, weight in {**self.reject_weights, "default": self.default_reject_weight}.items():
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
                raise ValidationError(f"reject weight {code} must be a whole number >= 0")

    def component(self, name: str) -> Component:
        value: Component = getattr(self, name)
        return value

    def reject_weight(self, reason_code: str) -> int:
        return self.reject_weights.get(reason_code.strip().upper(), self.default_reject_weight)


@dataclass(frozen=True, slots=True)
class PaymentHistory:
    """One customer's measures over the window; the column names of :func:`score_frame`."""

    items_paid: int = 0
    items_paid_late: int = 0
    days_late_total: int = 0
    worst_days_late: int = 0
    sdd_reject_codes: tuple[str, ...] = ()
    promises_broken: int = 0
    plans_broken: int = 0
    arrears_days: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and value < 0:
                raise ValidationError(f"payment history {f.name} cannot be negative: {value}")
        if self.items_paid_late > self.items_paid:
            raise ValidationError("payment history: more items paid late than items paid")
        if (
            not self.worst_days_late
            <= self.days_late_total
            <= (self.worst_days_late * self.items_paid_late)
        ):
            raise ValidationError(
                "payment history: days_late_total must lie between worst_days_late and "
                "worst_days_late × items_paid_late"
            )


def summarise_history(
    as_of: date,
    paid_items: Iterable[tuple[date, date]],
    sdd_rejects: Iterable[tuple[date, str]] = (),
    broken_promises: Iterable[date] = (),
    broken_plans: Iterable[date] = (),
    arrears_days: int = 0,
    params: ScoreParameters | None = None,
) -> PaymentHistory:
    """The measures from events dated in the window ``(as_of − window_days, as_of]``.

    ``paid_items`` are ``(due_date, paid_on)`` pairs dated by payment; rejects are
    ``(date, reason_code)``; promises and plans by the date they broke.
    """
    window = (params or ScoreParameters()).window_days
    start = as_of - timedelta(days=window)

    def inside(day: date) -> bool:
        return start < day <= as_of

    late = [max((paid - due).days, 0) for due, paid in paid_items if inside(paid)]
    return PaymentHistory(
        items_paid=len(late),
        items_paid_late=sum(1 for days in late if days > 0),
        days_late_total=sum(late),
        worst_days_late=max(late, default=0),
        sdd_reject_codes=tuple(code for day, code in sdd_rejects if inside(day)),
        promises_broken=sum(1 for day in broken_promises if inside(day)),
        plans_broken=sum(1 for day in broken_plans if inside(day)),
        arrears_days=arrears_days,
    )


@dataclass(frozen=True, slots=True)
class Contribution:
    """One component of a score: points = min(weight × measure, cap)."""

    name: str
    measure: float
    weight: float
    cap: float
    points: float

    @property
    def capped(self) -> bool:
        return self.weight * self.measure > self.cap

    def describe(self) -> str:
        """E.g. ``sdd_rejects: 7 × 4 = 28, capped at 20 → -20``."""
        if not self.points:
            return f"{self.name}: {self.measure:g} → 0"
        cap = f", capped at {self.cap:g}" if self.capped else ""
        product = self.weight * self.measure
        return (
            f"{self.name}: {self.measure:g} × {self.weight:g} = {product:g}{cap} → {-self.points:g}"
        )


@dataclass(frozen=True, slots=True)
class Explanation:
    score: int
    raw: float
    """100 minus every component's points, before clamping to 0..100 and rounding."""
    contributions: tuple[Contribution, ...]
    version: str

    def lines(self) -> tuple[str, ...]:
        """One readable line per component, largest loss first, then the score."""
        ordered = sorted(self.contributions, key=lambda c: -c.points)
        out = [c.describe() for c in ordered]
        return (*out, f"score {self.score} of {MAX_SCORE} (policy {self.version})")


def measures(history: PaymentHistory, params: ScoreParameters) -> dict[str, float]:
    """Each component's measure; the averages are 0 for a customer who paid nothing yet."""
    paid = history.items_paid
    return {
        AVG_DAYS_LATE: history.days_late_total / paid if paid else 0.0,
        WORST_DAYS_LATE: float(history.worst_days_late),
        LATE_SHARE: history.items_paid_late / paid if paid else 0.0,
        SDD_REJECTS: float(sum(params.reject_weight(c) for c in history.sdd_reject_codes)),
        BROKEN_PROMISES: float(history.promises_broken),
        BROKEN_PLANS: float(history.plans_broken),
        ARREARS_AGE: float(history.arrears_days),
    }


def explain(history: PaymentHistory, params: ScoreParameters | None = None) -> Explanation:
    """The score with every component's contribution, in :data:`COMPONENTS` order."""
    params = params or ScoreParameters()
    contributions = []
    penalty = 0.0
    for name, measure in measures(history, params).items():
        part = params.component(name)
        points = part.points(measure)
        penalty += points
        contributions.append(Contribution(name, measure, part.weight, part.cap, points))
    raw = MAX_SCORE - penalty
    score = math.floor(min(max(raw, 0.0), float(MAX_SCORE)) + 0.5)  # half up, like the twin
    return Explanation(score, raw, tuple(contributions), params.version)


def behaviour_score(history: PaymentHistory, params: ScoreParameters | None = None) -> int:
    return explain(history, params).score


HISTORY_COLUMNS = tuple(f.name for f in fields(PaymentHistory))


def parse_score_parameters(data: Mapping[str, Any], source: str) -> ScoreParameters:
    """Parameters from parsed TOML: ``version``, ``window_days``, ``default_reject_weight``,
    ``[components.<name>]`` with ``weight`` and ``cap`` (each optional, defaults kept) and
    ``[reject_weights]`` (code = weight, replacing the shipped table). ValidationError names
    the file and the key."""
    defaults = ScoreParameters()

    def fail(key: str, message: str) -> ValidationError:
        return ValidationError(f"{source}: {key}: {message}")

    known = {"version", "window_days", "default_reject_weight", "components", "reject_weights"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(unknown[0], f"unknown key (known: {', '.join(sorted(known))})")

    def number(key: str, value: object) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(key, f"must be a number >= 0, not {value!r}")
        if not math.isfinite(value):
            raise fail(key, f"must be finite, not {value!r}")
        return float(value)

    def whole(key: str, value: object, low: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise fail(key, f"must be a whole number >= {low}, not {value!r}")
        return value

    components: dict[str, Component] = {}
    table = data.get("components", {})
    if not isinstance(table, Mapping):
        raise fail("components", "must be a table")
    unknown = sorted(set(table) - set(COMPONENTS))
    if unknown:
        raise fail(
            f"components.{unknown[0]}", f"unknown component (known: {', '.join(COMPONENTS)})"
        )
    for name, entry in table.items():
        key = f"components.{name}"
        if not isinstance(entry, Mapping):
            raise fail(key, "must be a table with weight and cap")
        extra = sorted(set(entry) - {"weight", "cap"})
        if extra:
            raise fail(f"{key}.{extra[0]}", "unknown key (known: cap, weight)")
        base = defaults.component(name)
        components[name] = Component(
            weight=number(f"{key}.weight", entry.get("weight", base.weight)),
            cap=number(f"{key}.cap", entry.get("cap", base.cap)),
        )
    weights = data.get("reject_weights", defaults.reject_weights)
    if not isinstance(weights, Mapping):
        raise fail("reject_weights", "must be a table of reason code = weight")
    rejects = {
        str(code).strip().upper(): whole(f"reject_weights.{code}", value, 0)
        for code, value in weights.items()
    }
    version = data.get("version", defaults.version)
    if not isinstance(version, str) or not version.strip():
        raise fail("version", "must be a non-empty string")

    def part(name: str) -> Component:
        return components.get(name, defaults.component(name))

    return ScoreParameters(
        version=version,
        window_days=whole("window_days", data.get("window_days", defaults.window_days), 1),
        reject_weights=MappingProxyType(rejects),
        default_reject_weight=whole(
            "default_reject_weight",
            data.get("default_reject_weight", defaults.default_reject_weight),
            0,
        ),
        avg_days_late=part(AVG_DAYS_LATE),
        worst_days_late=part(WORST_DAYS_LATE),
        late_share=part(LATE_SHARE),
        sdd_rejects=part(SDD_REJECTS),
        broken_promises=part(BROKEN_PROMISES),
        broken_plans=part(BROKEN_PLANS),
        arrears_age=part(ARREARS_AGE),
    )
