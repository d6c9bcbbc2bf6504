"""Work lots (lotti di lavorazione) and agency placements (affidi).

The daily run hands the due actions of one channel to operators and agencies in lots that
must be fair: a lot of 400 small reminders and one of 400 large ones are not the same day's
work, so lots are balanced on count and amount together, each in proportion to the
assignee's capacity.

How ``balance_lots`` works:

1. The actions of one customer form one group: one person calls, or one agency handles,
   the whole position. A group's constraints (skill, region, agency) are the union of its
   actions'; two regions or two agencies in one group can never be met.
2. Every assignee gets a quota, its share of the actions in proportion to its capacity
   (``max_count``), in whole actions that add up to the day's total.
3. Groups are taken by amount, largest first (equal amounts in the order given, so equal
   input gives equal lots). Each goes to the eligible assignee under quota with the lowest
   normalised load ``(count / total count + amount / total amount) / capacity`` that has
   room for it, ties to the assignee listed first; a group no quota can hold goes to the
   least loaded one with capacity left. A heap per kind of constraint keeps this O(log
   lots) per group (largest-first greedy, as in LPT scheduling). The quotas even out the
   counts, the load key the amounts.
4. A local improvement pass then swaps pairs of groups with equal action counts between the
   lots furthest apart on amount, which narrows the amount spread without touching counts.
5. A group that fits nobody is never dropped: it is returned in ``overflow`` with the
   reason. When the actions exceed capacity, the smallest amounts are left over, so the
   largest debts are the ones worked today.

Placements: an agency keeps a position from ``placed_on`` up to (not including)
``expires_on``; on expiry it is recalled unless extended, an extension is granted a set
number of times (once by default) for a set number of days, and the creditor may recall a
position at any time on request. Durations are settings (``PlacementTerms``), not literals.
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import compress
from operator import itemgetter, ne
from typing import Any

from riscossa.domain.errors import ValidationError

IMPROVE_ROUNDS_PER_LOT = 4
"""The swap pass stops after this many swaps per lot, or earlier when no swap helps."""
IMPROVE_TARGET_PCT = 0.5
"""Below this amount spread (in percent) the swap pass has nothing worth doing."""


class AssigneeKind(StrEnum):
    OPERATOR = "operator"
    AGENCY = "agency"


@dataclass(frozen=True, slots=True)
class DueAction:
    """One action due today on one channel; ``skill``, ``region`` and ``agency`` restrict
    who may work it (``agency`` is the code of the only assignee allowed, e.g. the agency
    the customer is already placed with)."""

    action_id: str
    customer_code: str
    amount_cents: int
    skill: str | None = None
    region: str | None = None
    agency: str | None = None


@dataclass(frozen=True, slots=True)
class Assignee:
    """An operator or agency; ``max_count`` actions a day, and at most ``max_amount_cents``
    in total when set. No ``region`` means the whole country."""

    code: str
    kind: AssigneeKind
    max_count: int
    max_amount_cents: int | None = None
    region: str | None = None
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.code:
            raise ValidationError("assignee without a code")
        if _not_count(self.max_count):
            raise ValidationError(
                f"assignee {self.code}: max_count must be a whole number >= 0, "
                f"not {self.max_count!r}"
            )
        if self.max_amount_cents is not None and _not_count(self.max_amount_cents):
            raise ValidationError(
                f"assignee {self.code}: max_amount_cents must be whole cents >= 0, "
                f"not {self.max_amount_cents!r}"
            )


@dataclass(frozen=True, slots=True)
class Lot:
    assignee: Assignee
    actions: tuple[DueAction, ...]

    @property
    def count(self) -> int:
        return len(self.actions)

    @property
    def amount_cents(self) -> int:
        return sum(a.amount_cents for a in self.actions)

    @property
    def customers(self) -> frozenset[str]:
        return frozenset(a.customer_code for a in self.actions)


class OverflowReason(StrEnum):
    CAPACITY = "capacity"
    """Someone could work it, but every such assignee is full."""
    NO_ELIGIBLE_ASSIGNEE = "no_eligible_assignee"
    """Nobody has the skill, region or agency code the actions ask for."""
    CONFLICTING_CONSTRAINTS = "conflicting_constraints"
    """The customer's actions ask for two regions or two agencies."""


@dataclass(frozen=True, slots=True)
class Overflow:
    """The actions of one customer that no lot could take, and why."""

    customer_code: str
    actions: tuple[DueAction, ...]
    reason: OverflowReason

    @property
    def amount_cents(self) -> int:
        return sum(a.amount_cents for a in self.actions)


@dataclass(frozen=True, slots=True)
class LotPlan:
    """One lot per assignee (in the order given, empty ones included) and what was left.

    The spreads compare the lots' loads per unit of capacity: (highest - lowest) / average,
    in percent; 0.0 when there is nothing to compare.
    """

    lots: tuple[Lot, ...]
    overflow: tuple[Overflow, ...]
    spread_count_pct: float
    spread_amount_pct: float

    @property
    def overflow_actions(self) -> tuple[DueAction, ...]:
        return tuple(a for o in self.overflow for a in o.actions)


_Signature = tuple[frozenset[str], str | None, str | None]
_Entry = tuple[float, int, int]  # (load key, assignee index, assignee version)
_FREE: _Signature = (frozenset(), None, None)


@dataclass(slots=True)
class _Groups:
    """Customers' action groups as parallel lists, the shape the hot loop reads fastest."""

    customers: list[str]
    first: list[int]  # index of the group's first action
    several: dict[int, list[int]]  # all action indices, only for groups of several actions
    counts: list[int]
    amounts: list[int]
    signatures: list[_Signature | None]
    constrained: bool

    def picked(self, actions: Sequence[DueAction], chosen: Iterable[int]) -> tuple[DueAction, ...]:
        """The actions of the ``chosen`` groups, group by group."""
        several, first = self.several, self.first
        if not several:  # then group g is action g: the indices are the groups
            indices = chosen if isinstance(chosen, list) else list(chosen)
            if len(indices) > 1:  # one C call; itemgetter of one index gives no tuple
                return itemgetter(*indices)(actions)  # type: ignore[no-any-return]
            return tuple(actions[j] for j in indices)
        out: list[DueAction] = []
        for g in chosen:
            many = several.get(g)
            if many is None:
                out.append(actions[first[g]])
            else:
                out.extend(actions[j] for j in many)
        return tuple(out)


@dataclass(slots=True)
class _Loads:
    """Where the groups went: per assignee its groups, action count and amount."""

    placed: list[list[int]]
    counts: list[int]
    amounts: list[int]
    overflow: list[tuple[int, OverflowReason]] = field(default_factory=list)


def balance_lots(actions: Sequence[DueAction], assignees: Sequence[Assignee]) -> LotPlan:
    """Assign ``actions`` to ``assignees`` in balanced lots; see the module docstring."""
    _check_assignees(assignees)
    with _collector_paused():
        return _balance(actions, assignees)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while lots are built.

    The caller's actions are freshly loaded, so each collection the work below sets off
    (it allocates lists and tuples, never cycles) would rescan all of them: on 200k actions
    that is most of the run time. Reference counting still frees everything meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _balance(actions: Sequence[DueAction], assignees: Sequence[Assignee]) -> LotPlan:
    groups = _group(actions)
    loads = _greedy(groups, assignees)
    _improve(groups, assignees, loads)
    lots = tuple(
        Lot(assignee, groups.picked(actions, sorted(mine)))
        for assignee, mine in zip(assignees, loads.placed, strict=True)
    )
    weights = [a.max_count for a in assignees]
    return LotPlan(
        lots=lots,
        overflow=tuple(
            Overflow(groups.customers[g], groups.picked(actions, (g,)), reason)
            for g, reason in sorted(loads.overflow)
        ),
        spread_count_pct=spread_pct(loads.counts, weights),
        spread_amount_pct=spread_pct(loads.amounts, weights),
    )


def spread_pct(loads: Sequence[int], weights: Sequence[int]) -> float:
    """(highest - lowest) load per unit of weight over the average one, in percent.

    Assignees of weight 0 take nothing and are left out of the comparison.
    """
    pairs = [(load, weight) for load, weight in zip(loads, weights, strict=True) if weight > 0]
    total_load = sum(load for load, _ in pairs)
    if len(pairs) < 2 or total_load == 0:
        return 0.0
    fills = [load / weight for load, weight in pairs]
    average = total_load / sum(weight for _, weight in pairs)
    return round((max(fills) - min(fills)) / average * 100, 2)


def _not_count(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or value < 0


def _check_assignees(assignees: Sequence[Assignee]) -> None:
    seen: set[str] = set()
    for assignee in assignees:
        if assignee.code in seen:
            raise ValidationError(f"assignee {assignee.code} listed twice")
        seen.add(assignee.code)


def _group(actions: Sequence[DueAction]) -> _Groups:
    """One group per customer, in order of first appearance; bad actions are refused.

    Column-wise checks (set, min, list.count) keep 200k actions to a few C-level passes.
    """
    ids = [a.action_id for a in actions]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for action_id in ids:
            if action_id in seen:
                raise ValidationError(f"action {action_id} listed twice")
            seen.add(action_id)
    amounts = [a.amount_cents for a in actions]
    if set(map(type, amounts)) - {int} or (amounts and min(amounts) < 0):
        bad = next(a for a in actions if type(a.amount_cents) is not int or a.amount_cents < 0)
        raise ValidationError(
            f"action {bad.action_id}: amount_cents must be whole cents >= 0, "
            f"not {bad.amount_cents!r}"
        )
    codes = [a.customer_code for a in actions]
    constrained = any(
        column.count(None) != len(actions)
        for column in (
            [a.skill for a in actions],
            [a.region for a in actions],
            [a.agency for a in actions],
        )
    )
    # A dict, map and compress do the work at C speed, and no container is made per action:
    # with 200k live actions every new container brings the garbage collector closer.
    size = len(codes)
    first_of = dict(zip(reversed(codes), range(size - 1, -1, -1), strict=True))
    several: dict[int, list[int]] = {}
    if len(first_of) == size:  # the usual day: one action per customer and channel
        first = list(range(size))
        customers = codes
        counts = [1] * size
        totals = amounts
    else:
        first = sorted(first_of.values())
        customers = list(map(codes.__getitem__, first))
        counts = [1] * len(first)
        totals = list(map(amounts.__getitem__, first))
        firsts = list(map(first_of.__getitem__, codes))
        for j in compress(range(size), map(ne, firsts, range(size))):
            g = bisect_left(first, firsts[j])
            indices = several.get(g)
            if indices is None:
                several[g] = indices = [first[g]]
            indices.append(j)
            counts[g] += 1
            totals[g] += amounts[j]
    if constrained:
        singles: dict[tuple[str | None, str | None, str | None], _Signature | None] = {}
        signatures: list[_Signature | None] = []
        for g, j in enumerate(first):
            if g in several:
                signatures.append(_signature([actions[i] for i in several[g]]))
                continue
            one = actions[j]
            key = (one.skill, one.region, one.agency)
            if key not in singles:
                singles[key] = _signature([one])
            signatures.append(singles[key])
    else:
        signatures = [_FREE] * len(customers)
    return _Groups(customers, first, several, counts, totals, signatures, constrained)


def _signature(members: list[DueAction]) -> _Signature | None:
    """The constraints the whole group must meet; None when they contradict each other."""
    skills = frozenset(a.skill for a in members if a.skill)
    regions = {a.region for a in members if a.region}
    agencies = {a.agency for a in members if a.agency}
    if len(regions) > 1 or len(agencies) > 1:
        return None
    return (skills, next(iter(regions), None), next(iter(agencies), None))


def _eligible(signature: _Signature, assignee: Assignee) -> bool:
    skills, region, agency = signature
    return (
        assignee.max_count > 0
        and skills <= assignee.skills
        and (region is None or assignee.region is None or assignee.region == region)
        and (agency is None or assignee.code == agency)
    )


def _order(groups: _Groups) -> list[int]:
    """Largest amount first, equal amounts in the order given (a stable C-level sort)."""
    return sorted(range(len(groups.amounts)), key=groups.amounts.__getitem__, reverse=True)


def _greedy(groups: _Groups, assignees: Sequence[Assignee]) -> _Loads:
    """Largest group first to the least loaded assignee with room (module docstring, 3).

    Each assignee also has a quota, its share of the day's actions: while any eligible
    assignee is under quota only those compete, which keeps the counts even while the load
    key evens the amounts; a group that fits no quota goes to the least loaded assignee with
    capacity left.
    """
    n = len(assignees)
    loads = _Loads([[] for _ in assignees], [0] * n, [0] * n)
    placed, counts, amounts = loads.placed, loads.counts, loads.amounts
    caps = [a.max_count for a in assignees]
    amount_caps = [a.max_amount_cents for a in assignees]
    total_count, total_amount = sum(groups.counts), sum(groups.amounts)
    quotas = _quotas(total_count, caps)
    per_count = [1 / (total_count * c) if c and total_count else 0.0 for c in caps]
    per_amount = [1 / (total_amount * c) if c and total_amount else 0.0 for c in caps]
    if not (groups.constrained or any(c is not None for c in amount_caps)):
        _greedy_unconstrained(groups, caps, quotas, per_count, per_amount, loads)
        return loads
    version = [0] * n
    eligible: dict[_Signature, list[int]] = {}
    heaps: dict[_Signature, list[_Entry]] = {}
    memberships: list[list[list[_Entry]]] = [[] for _ in assignees]
    exhausted: set[_Signature] = set()
    g_counts, g_amounts, g_signatures = groups.counts, groups.amounts, groups.signatures
    heappop, heappush, heapreplace = heapq.heappop, heapq.heappush, heapq.heapreplace

    def key(i: int) -> float:
        return counts[i] * per_count[i] + amounts[i] * per_amount[i]

    for g in _order(groups):
        signature = g_signatures[g]
        if signature is None:
            loads.overflow.append((g, OverflowReason.CONFLICTING_CONSTRAINTS))
            continue
        heap = heaps.get(signature)
        if heap is None:
            mine = [i for i, a in enumerate(assignees) if _eligible(signature, a)]
            eligible[signature] = mine
            heap = [(key(i), i, version[i]) for i in mine if counts[i] < quotas[i]]
            heapq.heapify(heap)
            heaps[signature] = heap
            for _, i, _ in heap:
                memberships[i].append(heap)
        elif exhausted and signature in exhausted:
            loads.overflow.append((g, _why(eligible[signature])))
            continue
        count, amount = g_counts[g], g_amounts[g]
        aside: list[_Entry] | None = None
        while heap:
            entry = heap[0]
            i = entry[1]
            now_count = counts[i]
            if entry[2] != version[i] or now_count >= quotas[i]:
                heappop(heap)  # stale, or at quota for good
                continue
            now_count += count
            now_amount = amounts[i] + amount
            cap = amount_caps[i]
            if now_count <= quotas[i] and (cap is None or now_amount <= cap):
                counts[i], amounts[i] = now_count, now_amount
                version[i] = now = version[i] + 1
                fresh = (now_count * per_count[i] + now_amount * per_amount[i], i, now)
                heapreplace(heap, fresh)
                placed[i].append(g)
                if now_count < quotas[i]:
                    for other in memberships[i]:
                        if other is not heap:
                            heappush(other, fresh)
                break
            if aside is None:
                aside = []
            aside.append(heappop(heap))
        else:  # nobody under quota can take it: capacity beyond the quotas, or overflow
            mine = eligible[signature]
            i = _fallback(mine, count, amount, caps, loads, key, amount_caps)
            if i < 0:
                loads.overflow.append((g, _why(mine)))
                if all(counts[k] >= caps[k] for k in mine):
                    exhausted.add(signature)
            else:
                counts[i] += count
                amounts[i] += amount
                version[i] += 1
                placed[i].append(g)
                if counts[i] < quotas[i]:
                    fresh = (key(i), i, version[i])
                    for other in memberships[i]:
                        heappush(other, fresh)
        if aside:
            for entry in aside:
                heappush(heap, entry)
    return loads


def _quotas(total: int, caps: list[int]) -> list[int]:
    """Each assignee's share of ``total`` in proportion to its capacity, in whole actions
    adding up to ``total`` (largest remainders get the odd ones; ties to the first listed),
    or the capacity itself when the actions exceed it."""
    weight = sum(caps)
    if total >= weight:
        return list(caps)
    quotas = [total * cap // weight for cap in caps]
    rest = total - sum(quotas)
    by_remainder = sorted(range(len(caps)), key=lambda i: (-(total * caps[i] % weight), i))
    for i in by_remainder[:rest]:
        quotas[i] += 1
    return quotas


def _greedy_unconstrained(
    groups: _Groups,
    caps: list[int],
    quotas: list[int],
    per_count: list[float],
    per_amount: list[float],
    loads: _Loads,
) -> None:
    """The same choices as ``_greedy`` for the usual day (no constraints, no amount caps),
    with one heap and no bookkeeping for the cases only constraints and caps bring.

    The least loaded assignee under quota nearly always has room; only a group of several
    actions near the end of the day may not fit its quota, and that rare group takes the
    general path's answer: the least loaded assignee under quota with room, else the least
    loaded with capacity left.
    """
    counts, amounts, placed = loads.counts, loads.amounts, loads.placed
    g_amounts, g_counts = groups.amounts, groups.counts
    everyone = [i for i, cap in enumerate(caps) if cap > 0]
    heap = [(0.0, i) for i in everyone if quotas[i] > 0]
    heapreplace, heappop = heapq.heapreplace, heapq.heappop

    def key(i: int) -> float:
        return counts[i] * per_count[i] + amounts[i] * per_amount[i]

    order = _order(groups)
    for k, g in enumerate(order):
        count = g_counts[g]
        if heap:
            i = heap[0][1]
            now_count = counts[i] + count
            if now_count <= quotas[i]:
                now_amount = amounts[i] + g_amounts[g]
                counts[i], amounts[i] = now_count, now_amount
                placed[i].append(g)
                if now_count < quotas[i]:
                    heapreplace(heap, (now_count * per_count[i] + now_amount * per_amount[i], i))
                else:
                    heappop(heap)
                continue
        if all(counts[i] >= caps[i] for i in everyone):
            reason = _why(everyone)
            loads.overflow.extend((rest, reason) for rest in order[k:])
            return
        fits = [entry for entry in sorted(heap) if counts[entry[1]] + count <= quotas[entry[1]]]
        i = fits[0][1] if fits else _fallback(everyone, count, g_amounts[g], caps, loads, key)
        if i < 0:
            loads.overflow.append((g, OverflowReason.CAPACITY))
            continue
        counts[i] += count
        amounts[i] += g_amounts[g]
        placed[i].append(g)
        heap = [(key(j), j) for _, j in heap if counts[j] < quotas[j]]
        heapq.heapify(heap)


def _why(eligible: list[int]) -> OverflowReason:
    return OverflowReason.CAPACITY if eligible else OverflowReason.NO_ELIGIBLE_ASSIGNEE


def _fallback(
    eligible: list[int],
    count: int,
    amount: int,
    caps: list[int],
    loads: _Loads,
    key: Callable[[int], float],
    amount_caps: Sequence[int | None] = (),
) -> int:
    """The least loaded eligible assignee with capacity for the group, quota or not; -1 if
    none."""
    best, best_key = -1, 0.0
    for i in eligible:
        if loads.counts[i] + count > caps[i]:
            continue
        cap = amount_caps[i] if amount_caps else None
        if cap is not None and loads.amounts[i] + amount > cap:
            continue
        k = key(i)
        if best < 0 or k < best_key:
            best, best_key = i, k
    return best


def _improve(groups: _Groups, assignees: Sequence[Assignee], loads: _Loads) -> None:
    """Swap equal-count groups between the lots furthest apart on amount (module docs, 4)."""
    weights = [a.max_count for a in assignees]
    amounts = loads.amounts
    live = [i for i, w in enumerate(weights) if w > 0 and loads.placed[i]]
    if len(live) < 2:
        return
    tried: set[tuple[int, int]] = set()
    for _ in range(IMPROVE_ROUNDS_PER_LOT * len(live)):
        if spread_pct([amounts[i] for i in live], [weights[i] for i in live]) <= (
            IMPROVE_TARGET_PCT
        ):
            return
        by_fill = sorted(live, key=lambda i: (amounts[i] / weights[i], i))
        pair = next(
            (
                (hi, lo)
                for hi in reversed(by_fill)
                for lo in by_fill
                if amounts[hi] * weights[lo] > amounts[lo] * weights[hi] and (hi, lo) not in tried
            ),
            None,
        )
        if pair is None:
            return
        if _swap_best(groups, assignees, loads, *pair):
            tried.clear()
        else:
            tried.add(pair)


def _swap_best(
    groups: _Groups, assignees: Sequence[Assignee], loads: _Loads, hi: int, lo: int
) -> bool:
    """Swap the pair (g in hi, h in lo) of equal action counts that brings the two lots'
    amount fills closest; False when no allowed swap narrows the gap."""
    amounts, placed = loads.amounts, loads.placed
    w_hi, w_lo = assignees[hi].max_count, assignees[lo].max_count
    ideal = (amounts[hi] * w_lo - amounts[lo] * w_hi) / (w_hi + w_lo)  # cents to move
    g_amounts, g_counts, g_signatures = groups.amounts, groups.counts, groups.signatures
    classes: dict[int, list[int]] = {}
    if groups.several:
        for h in placed[lo]:
            classes.setdefault(g_counts[h], []).append(h)
    else:
        classes[1] = list(placed[lo])
    sorted_amounts: dict[int, list[int]] = {}
    for count, members in classes.items():
        members.sort(key=g_amounts.__getitem__)
        sorted_amounts[count] = list(map(g_amounts.__getitem__, members))
    cap_lo = assignees[lo].max_amount_cents
    best_miss, best_g, best_h = ideal, -1, -1  # a swap must beat doing nothing
    for g in placed[hi]:
        count = g_counts[g]
        lo_amounts = sorted_amounts.get(count)
        if not lo_amounts:
            continue
        a_g = g_amounts[g]
        at = bisect_left(lo_amounts, a_g - ideal)
        for k in (at - 1, at):
            if not 0 <= k < len(lo_amounts):
                continue
            delta = a_g - lo_amounts[k]
            miss = abs(delta - ideal)
            if delta <= 0 or miss >= best_miss:
                continue
            if cap_lo is not None and amounts[lo] + delta > cap_lo:
                continue
            h = classes[count][k]
            sig_g, sig_h = g_signatures[g], g_signatures[h]
            if (
                sig_g is not None
                and sig_h is not None
                and _eligible(sig_g, assignees[lo])
                and _eligible(sig_h, assignees[hi])
            ):
                best_miss, best_g, best_h = miss, g, h
    if best_g < 0:
        return False
    placed[hi].remove(best_g)
    placed[lo].remove(best_h)
    placed[hi].append(best_h)
    placed[lo].append(best_g)
    delta = g_amounts[best_g] - g_amounts[best_h]
    amounts[hi] -= delta
    amounts[lo] += delta
    return True


# --- placements (affidi) --------------------------------------------------------------


class RecallReason(StrEnum):
    EXPIRED = "expired"
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class PlacementTerms:
    """How long an agency keeps a position, and how it may be extended (settings)."""

    duration_days: int
    extension_days: int
    max_extensions: int = 1

    def __post_init__(self) -> None:
        for name in ("duration_days", "extension_days", "max_extensions"):
            value = getattr(self, name)
            if _not_count(value) or (name == "duration_days" and value == 0):
                raise ValidationError(
                    f"placement terms: {name} must be a whole number, not {value!r}"
                )


@dataclass(frozen=True, slots=True)
class Placement:
    """A customer's position with an agency from ``placed_on`` up to ``expires_on``
    (excluded), or up to ``recalled_on`` once recalled."""

    agency: str
    customer: str
    placed_on: dt.date
    expires_on: dt.date
    extensions: int = 0
    recalled_on: dt.date | None = None
    recall_reason: RecallReason | None = None

    def __post_init__(self) -> None:
        if self.expires_on <= self.placed_on:
            raise ValidationError(
                f"placement of {self.customer} with {self.agency}: expires {self.expires_on} "
                f"not after placement {self.placed_on}"
            )
        if (self.recalled_on is None) != (self.recall_reason is None):
            raise ValidationError(
                f"placement of {self.customer} with {self.agency}: a recall needs a date "
                "and a reason"
            )
        if self.recalled_on is not None and not (
            self.placed_on <= self.recalled_on <= self.expires_on
        ):
            raise ValidationError(
                f"placement of {self.customer} with {self.agency}: recalled {self.recalled_on} "
                f"outside {self.placed_on}..{self.expires_on}"
            )

    @property
    def ends_on(self) -> dt.date:
        """The first day the agency no longer holds the position."""
        return self.recalled_on if self.recalled_on is not None else self.expires_on

    def active_on(self, day: dt.date) -> bool:
        return self.placed_on <= day < self.ends_on


def place(agency: str, customer: str, on: dt.date, terms: PlacementTerms) -> Placement:
    return Placement(agency, customer, on, on + dt.timedelta(days=terms.duration_days))


def can_extend(placement: Placement, on: dt.date, terms: PlacementTerms) -> bool:
    """An extension is asked for while the placement runs, within the allowed number."""
    return (
        placement.active_on(on)
        and placement.extensions < terms.max_extensions
        and terms.extension_days > 0
    )


def extend(placement: Placement, on: dt.date, terms: PlacementTerms) -> Placement:
    """The placement kept ``extension_days`` beyond its current expiry."""
    if not can_extend(placement, on, terms):
        raise ValidationError(
            f"placement of {placement.customer} with {placement.agency}: cannot be extended "
            f"on {on} (extensions {placement.extensions} of {terms.max_extensions}, "
            f"active {placement.placed_on}..{placement.ends_on})"
        )
    return replace(
        placement,
        expires_on=placement.expires_on + dt.timedelta(days=terms.extension_days),
        extensions=placement.extensions + 1,
    )


def recall(placement: Placement, on: dt.date) -> Placement:
    """Recall on the creditor's request, effective ``on`` (no later than the expiry)."""
    if not placement.active_on(on):
        raise ValidationError(
            f"placement of {placement.customer} with {placement.agency}: cannot be recalled "
            f"on {on} (active {placement.placed_on}..{placement.ends_on})"
        )
    return replace(placement, recalled_on=on, recall_reason=RecallReason.REQUESTED)


def due_for_recall(placements: Iterable[Placement], today: dt.date) -> list[Placement]:
    """Placements that expired by ``today`` and were not recalled yet, each recalled on its
    expiry date (not today: a late run does not lengthen the agency's term)."""
    return [
        replace(p, recalled_on=p.expires_on, recall_reason=RecallReason.EXPIRED)
        for p in placements
        if p.recalled_on is None and p.expires_on <= today
    ]


def placed_with(placements: Iterable[Placement], day: dt.date) -> dict[str, str]:
    """Customer -> agency holding the position on ``day``: the ``agency`` constraint of
    that customer's actions, so a placed position stays with its agency."""
    return {p.customer: p.agency for p in placements if p.active_on(day)}


def parse_placement_terms(data: Mapping[str, Any], source: str) -> PlacementTerms:
    """Terms from parsed TOML; ValidationError names the file and the key."""
    values: dict[str, int] = {}
    for key, low, default in (
        ("duration_days", 1, None),
        ("extension_days", 0, None),
        ("max_extensions", 0, 1),
    ):
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 3650:
            raise ValidationError(
                f"{source}: {key}: must be a whole number from {low} to 3650, not {value!r}"
            )
        values[key] = value
    unknown = sorted(set(data) - set(values))
    if unknown:
        raise ValidationError(f"{source}: {unknown[0]}: unknown key")
    return PlacementTerms(**values)
