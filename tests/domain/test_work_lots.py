"""Work lots: balance, capacity, overflow, customers kept whole; agency placement dates."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.domain import work_lots
from riscossa.domain.errors import ValidationError
from riscossa.domain.work_lots import (
    Assignee,
    AssigneeKind,
    DueAction,
    LotPlan,
    OverflowReason,
    Placement,
    PlacementTerms,
    RecallReason,
    balance_lots,
    can_extend,
    due_for_recall,
    extend,
    parse_placement_terms,
    place,
    placed_with,
    recall,
    spread_pct,
)

OP = AssigneeKind.OPERATOR
AGENCY = AssigneeKind.AGENCY


def operators(count: int, capacity: int) -> list[Assignee]:
    return [Assignee(f"OP{i:02d}", OP, capacity) for i in range(count)]


def lot_codes(plan: LotPlan) -> list[list[str]]:
    return [[a.action_id for a in lot.actions] for lot in plan.lots]


def random_actions(count: int, seed: int) -> list[DueAction]:
    """Amounts from 5 to ~2,000 euro, skewed like real arrears; about one customer in
    twenty has two or three actions on the channel."""
    rng = random.Random(seed)
    actions: list[DueAction] = []
    customer = 0
    while len(actions) < count:
        customer += 1
        repeat = 1 if rng.random() < 0.95 else rng.choice((2, 3))
        for _ in range(min(repeat, count - len(actions))):
            amount = min(int(rng.lognormvariate(10.3, 0.8)), 200_000) + 500
            actions.append(DueAction(f"A{len(actions):06d}", f"C{customer:06d}", amount))
    return actions


def check_invariants(plan: LotPlan, actions: list[DueAction]) -> None:
    """Every action exactly once, capacities respected, a customer in one lot only."""
    placed = [a for lot in plan.lots for a in lot.actions]
    everything = placed + list(plan.overflow_actions)
    assert Counter(a.action_id for a in everything) == Counter(a.action_id for a in actions)
    owner: dict[str, str] = {}
    for lot in plan.lots:
        assert lot.count <= lot.assignee.max_count
        if lot.assignee.max_amount_cents is not None:
            assert lot.amount_cents <= lot.assignee.max_amount_cents
        for action in lot.actions:
            assert owner.setdefault(action.customer_code, lot.assignee.code) == lot.assignee.code
    for left in plan.overflow:
        assert left.customer_code not in owner
        assert {a.customer_code for a in left.actions} == {left.customer_code}


# --- balance ---------------------------------------------------------------------------


def test_20k_random_actions_give_lots_within_3_percent() -> None:
    actions = random_actions(20_000, seed=20_240_501)
    plan = balance_lots(actions, operators(25, 1_000))
    check_invariants(plan, actions)
    assert plan.overflow == ()
    counts = [lot.count for lot in plan.lots]
    amounts = [lot.amount_cents for lot in plan.lots]
    assert sum(counts) == 20_000
    # the reported spreads are the lots' own, and both are within 3%
    assert plan.spread_count_pct == spread_pct(counts, [1_000] * 25)
    assert plan.spread_amount_pct == spread_pct(amounts, [1_000] * 25)
    assert (max(counts) - min(counts)) / (sum(counts) / 25) <= 0.03
    assert (max(amounts) - min(amounts)) / (sum(amounts) / 25) <= 0.03
    assert plan.spread_count_pct <= 3.0
    assert plan.spread_amount_pct <= 3.0


def test_same_input_same_lots() -> None:
    actions = random_actions(3_000, seed=7)
    first = balance_lots(actions, operators(7, 500))
    second = balance_lots(list(actions), operators(7, 500))
    assert lot_codes(first) == lot_codes(second)
    assert (first.spread_count_pct, first.spread_amount_pct) == (
        second.spread_count_pct,
        second.spread_amount_pct,
    )


def test_small_case_step_by_step() -> None:
    """900 A, 800 B, 700 B (B lighter), 600 A, 500 A (tie: first listed), 400 B; no swap of
    equal-count groups narrows the 100-cent gap without overshooting it."""
    actions = [DueAction(f"X{c}", f"C{c}", c) for c in (500, 900, 400, 700, 800, 600)]
    plan = balance_lots(actions, operators(2, 3))
    assert lot_codes(plan) == [["X500", "X900", "X600"], ["X400", "X700", "X800"]]
    assert [lot.amount_cents for lot in plan.lots] == [2_000, 1_900]
    assert plan.spread_count_pct == 0.0
    assert plan.spread_amount_pct == 5.13  # 100 / 1,950


def test_swap_pass_evens_out_amounts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Greedy leaves 1,440 v 1,330; half the gap is 55, and swapping 300 for 250 (50) is the
    equal-count swap closest to it."""
    amounts = [300, 480, 490, 170, 250, 910, 60, 110]
    actions = [DueAction(f"X{c}", f"C{c}", c) for c in amounts]
    monkeypatch.setattr(work_lots, "IMPROVE_ROUNDS_PER_LOT", 0)
    greedy = balance_lots(actions, operators(2, 4))
    assert lot_codes(greedy) == [["X300", "X170", "X910", "X60"], ["X480", "X490", "X250", "X110"]]
    assert greedy.spread_amount_pct == 7.94
    monkeypatch.undo()
    plan = balance_lots(actions, operators(2, 4))
    assert lot_codes(plan) == [["X170", "X250", "X910", "X60"], ["X300", "X480", "X490", "X110"]]
    assert [lot.amount_cents for lot in plan.lots] == [1_390, 1_380]
    assert plan.spread_amount_pct == 0.72
    assert plan.spread_count_pct == 0.0


def test_counts_follow_capacity() -> None:
    team = [Assignee("A", OP, 100), Assignee("B", OP, 200), Assignee("C", AGENCY, 300)]
    actions = [DueAction(f"X{i}", f"C{i}", 1_000) for i in range(300)]
    plan = balance_lots(actions, team)
    assert [lot.count for lot in plan.lots] == [50, 100, 150]
    assert [lot.amount_cents for lot in plan.lots] == [50_000, 100_000, 150_000]
    assert plan.spread_count_pct == 0.0
    assert plan.spread_amount_pct == 0.0


def test_quotas_split_the_odd_actions_by_largest_remainder() -> None:
    team = [Assignee("A", OP, 10), Assignee("B", OP, 10), Assignee("C", OP, 10)]
    actions = [DueAction(f"X{i}", f"C{i}", 100) for i in range(8)]
    plan = balance_lots(actions, team)
    assert [lot.count for lot in plan.lots] == [3, 3, 2]
    assert plan.spread_count_pct == 37.5  # (3 - 2) / (8 / 3): one action is 37.5% of 2.67


def test_empty_day() -> None:
    plan = balance_lots([], operators(3, 10))
    assert [lot.actions for lot in plan.lots] == [(), (), ()]
    assert plan.overflow == ()
    assert (plan.spread_count_pct, plan.spread_amount_pct) == (0.0, 0.0)


# --- capacity and overflow ---------------------------------------------------------------


def test_beyond_capacity_the_smallest_amounts_overflow() -> None:
    actions = [DueAction(f"X{c}", f"C{c}", c * 100) for c in range(1, 11)]
    plan = balance_lots(actions, operators(2, 3))
    check_invariants(plan, actions)
    assert sorted(a.action_id for lot in plan.lots for a in lot.actions) == [
        "X10",
        "X5",
        "X6",
        "X7",
        "X8",
        "X9",
    ]
    assert [o.customer_code for o in plan.overflow] == ["C1", "C2", "C3", "C4"]
    assert {o.reason for o in plan.overflow} == {OverflowReason.CAPACITY}
    assert sum(o.amount_cents for o in plan.overflow) == 1_000
    assert [lot.count for lot in plan.lots] == [3, 3]


def test_amount_cap_is_respected() -> None:
    team = [Assignee("A", OP, 10, max_amount_cents=1_000), Assignee("B", OP, 10)]
    actions = [DueAction(f"X{i}", f"C{i}", c) for i, c in enumerate((900, 800, 300, 200, 100))]
    plan = balance_lots(actions, team)
    check_invariants(plan, actions)
    assert plan.lots[0].amount_cents <= 1_000
    assert plan.overflow == ()
    assert sum(lot.amount_cents for lot in plan.lots) == 2_300


def test_amount_cap_overflow() -> None:
    team = [Assignee("A", OP, 10, max_amount_cents=500)]
    actions = [DueAction("X1", "C1", 400), DueAction("X2", "C2", 300), DueAction("X3", "C3", 100)]
    plan = balance_lots(actions, team)
    assert lot_codes(plan) == [["X1", "X3"]]
    assert [(o.customer_code, o.reason) for o in plan.overflow] == [("C2", OverflowReason.CAPACITY)]


def test_no_assignee_with_room_is_reported_not_dropped() -> None:
    plan = balance_lots([DueAction("X1", "C1", 100)], [Assignee("A", OP, 0)])
    assert plan.lots[0].actions == ()
    assert plan.overflow_actions == (DueAction("X1", "C1", 100),)
    assert plan.overflow[0].reason is OverflowReason.NO_ELIGIBLE_ASSIGNEE


# --- one customer, one lot ---------------------------------------------------------------


def test_customer_actions_stay_together() -> None:
    actions = [
        DueAction("X1", "BIG", 100),
        DueAction("X2", "C2", 5_000),
        DueAction("X3", "BIG", 200),
        DueAction("X4", "C4", 4_000),
        DueAction("X5", "BIG", 300),
        DueAction("X6", "C6", 100),
    ]
    plan = balance_lots(actions, operators(2, 4))
    check_invariants(plan, actions)
    assert plan.overflow == ()
    # 5,000 and 4,000 open the lots; BIG's three actions fit no quota of 3, so they go to
    # the lighter lot with room; lots list customers in the order given
    assert lot_codes(plan) == [["X2", "X6"], ["X1", "X3", "X5", "X4"]]
    assert plan.lots[1].amount_cents == 4_600


def test_customer_larger_than_any_lot_overflows_whole() -> None:
    actions = [DueAction(f"X{i}", "BIG", 100) for i in range(4)] + [DueAction("Y", "C", 1)]
    plan = balance_lots(actions, operators(2, 3))
    assert lot_codes(plan) == [["Y"], []]
    assert len(plan.overflow) == 1
    assert plan.overflow[0].customer_code == "BIG"
    assert [a.action_id for a in plan.overflow[0].actions] == ["X0", "X1", "X2", "X3"]
    assert plan.overflow[0].reason is OverflowReason.CAPACITY


# --- constraints -------------------------------------------------------------------------


def test_skill_region_and_agency_constraints() -> None:
    team = [
        Assignee("OP1", OP, 10),
        Assignee("OP2", OP, 10, skills=frozenset({"business"})),
        Assignee("NORD", AGENCY, 10, region="nord"),
        Assignee("SUD", AGENCY, 10, region="sud"),
    ]
    actions = [
        DueAction("B1", "C1", 9_000, skill="business"),
        DueAction("B2", "C2", 8_000, skill="business"),
        DueAction("S1", "C3", 7_000, region="sud"),
        DueAction("P1", "C4", 6_000, agency="NORD"),
        DueAction("P2", "C5", 5_000, agency="NORD", region="nord"),
        DueAction("F1", "C6", 100),
    ]
    plan = balance_lots(actions, team)
    check_invariants(plan, actions)
    by_code = {lot.assignee.code: [a.action_id for a in lot.actions] for lot in plan.lots}
    assert by_code["OP2"] == ["B1", "B2"]
    assert "S1" not in by_code["NORD"]
    assert {"P1", "P2"} <= set(by_code["NORD"])
    assert plan.overflow == ()


def test_unmet_and_conflicting_constraints() -> None:
    team = [Assignee("OP1", OP, 10, region="nord"), Assignee("AG1", AGENCY, 10)]
    actions = [
        DueAction("X1", "C1", 100, skill="legal"),
        DueAction("X2", "C2", 100, agency="GONE"),
        DueAction("X3", "C3", 100, region="nord"),
        DueAction("X4", "C3", 100, region="sud"),
        DueAction("X5", "C5", 100, region="sud"),
    ]
    plan = balance_lots(actions, team)
    check_invariants(plan, actions)
    assert [(o.customer_code, o.reason) for o in plan.overflow] == [
        ("C1", OverflowReason.NO_ELIGIBLE_ASSIGNEE),
        ("C2", OverflowReason.NO_ELIGIBLE_ASSIGNEE),
        ("C3", OverflowReason.CONFLICTING_CONSTRAINTS),
    ]
    assert lot_codes(plan) == [[], ["X5"]]  # a national agency takes the south


def test_full_agency_overflows_its_placed_customers() -> None:
    team = [Assignee("OP1", OP, 10), Assignee("AG1", AGENCY, 1)]
    actions = [
        DueAction("X1", "C1", 500, agency="AG1"),
        DueAction("X2", "C2", 400, agency="AG1"),
        DueAction("X3", "C3", 300),
    ]
    plan = balance_lots(actions, team)
    assert lot_codes(plan) == [["X3"], ["X1"]]
    assert [(o.customer_code, o.reason) for o in plan.overflow] == [("C2", OverflowReason.CAPACITY)]


def test_unconstrained_path_and_general_path_agree() -> None:
    """The path for days without constraints or amount caps makes the general path's
    choices, customers with several actions and full lots included."""
    for seed in range(12):
        rng = random.Random(seed)
        size = rng.randrange(50, 1_500)
        actions = [
            DueAction(f"X{i}", f"C{rng.randrange(size)}", int(rng.lognormvariate(9, 1.2)))
            for i in range(size)
        ]
        caps = [rng.randrange(0, 150) for _ in range(rng.randrange(1, 12))]
        plain = [Assignee(f"O{i}", OP, c) for i, c in enumerate(caps)]
        capped = [Assignee(f"O{i}", OP, c, max_amount_cents=10**15) for i, c in enumerate(caps)]
        fast, general = balance_lots(actions, plain), balance_lots(actions, capped)
        check_invariants(fast, actions)
        assert lot_codes(fast) == lot_codes(general)
        assert [(o.customer_code, o.reason) for o in fast.overflow] == [
            (o.customer_code, o.reason) for o in general.overflow
        ]


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(0, 10**6), max_size=60),
    customers=st.integers(1, 40),
    caps=st.lists(st.integers(0, 15), min_size=1, max_size=6),
    seed=st.integers(0, 10**6),
)
def test_any_input_keeps_the_invariants(
    amounts: list[int], customers: int, caps: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    actions = [
        DueAction(
            f"X{i}",
            f"C{rng.randrange(customers)}",
            amount,
            skill=rng.choice((None, None, "s")),
            region=rng.choice((None, None, "n", "s")),
        )
        for i, amount in enumerate(amounts)
    ]
    team = [
        Assignee(
            f"O{i}",
            OP,
            cap,
            max_amount_cents=rng.choice((None, 10**6)),
            region=rng.choice((None, "n")),
            skills=frozenset(rng.choice(((), ("s",)))),
        )
        for i, cap in enumerate(caps)
    ]
    check_invariants(balance_lots(actions, team), actions)


# --- bad input ----------------------------------------------------------------------------


def test_bad_actions_and_assignees_are_refused() -> None:
    team = operators(1, 5)
    with pytest.raises(ValidationError, match="action X1 listed twice"):
        balance_lots([DueAction("X1", "C1", 1), DueAction("X1", "C2", 1)], team)
    with pytest.raises(ValidationError, match=r"action X2: amount_cents .* not -1"):
        balance_lots([DueAction("X1", "C1", 1), DueAction("X2", "C2", -1)], team)
    with pytest.raises(ValidationError, match=r"action X1: amount_cents .* not 1.5"):
        balance_lots([DueAction("X1", "C1", 1.5)], team)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="assignee OP00 listed twice"):
        balance_lots([], team + team)
    with pytest.raises(ValidationError, match=r"assignee A: max_count .* not -1"):
        Assignee("A", OP, -1)
    with pytest.raises(ValidationError, match=r"assignee A: max_amount_cents .* not True"):
        Assignee("A", OP, 1, max_amount_cents=True)


# --- placements ----------------------------------------------------------------------------

TERMS = PlacementTerms(duration_days=90, extension_days=30)
MARCH_2 = dt.date(2026, 3, 2)


def test_placement_runs_for_its_duration() -> None:
    placement = place("AG1", "C1", MARCH_2, TERMS)
    assert placement.expires_on == dt.date(2026, 5, 31)
    assert placement.active_on(MARCH_2)
    assert placement.active_on(dt.date(2026, 5, 30))
    assert not placement.active_on(dt.date(2026, 5, 31))
    assert not placement.active_on(dt.date(2026, 3, 1))
    assert placed_with([placement], dt.date(2026, 4, 1)) == {"C1": "AG1"}
    assert placed_with([placement], dt.date(2026, 5, 31)) == {}


def test_expiry_recalls_on_the_expiry_date_unless_extended() -> None:
    running = place("AG1", "C1", MARCH_2, TERMS)
    extended = extend(place("AG1", "C2", MARCH_2, TERMS), dt.date(2026, 5, 20), TERMS)
    assert extended.expires_on == dt.date(2026, 6, 30)
    assert extended.extensions == 1
    recalled = due_for_recall([running, extended], dt.date(2026, 6, 3))
    assert recalled == [
        Placement(
            "AG1",
            "C1",
            MARCH_2,
            dt.date(2026, 5, 31),
            recalled_on=dt.date(2026, 5, 31),
            recall_reason=RecallReason.EXPIRED,
        )
    ]
    assert due_for_recall([running, extended], dt.date(2026, 5, 30)) == []
    assert [p.customer for p in due_for_recall([extended], dt.date(2026, 6, 30))] == ["C2"]
    assert due_for_recall(recalled, dt.date(2026, 12, 31)) == []


def test_extension_only_once_and_only_while_running() -> None:
    placement = place("AG1", "C1", MARCH_2, TERMS)
    assert can_extend(placement, dt.date(2026, 5, 30), TERMS)
    assert not can_extend(placement, dt.date(2026, 5, 31), TERMS)
    once = extend(placement, dt.date(2026, 4, 1), TERMS)
    assert not can_extend(once, dt.date(2026, 4, 2), TERMS)
    with pytest.raises(ValidationError, match=r"C1 with AG1: cannot be extended on 2026-04-02"):
        extend(once, dt.date(2026, 4, 2), TERMS)
    with pytest.raises(ValidationError, match="cannot be extended on 2026-05-31"):
        extend(placement, dt.date(2026, 5, 31), TERMS)
    twice = PlacementTerms(duration_days=90, extension_days=15, max_extensions=2)
    again = extend(extend(placement, MARCH_2, twice), MARCH_2, twice)
    assert again.expires_on == dt.date(2026, 6, 30)
    none = PlacementTerms(duration_days=90, extension_days=0)
    assert not can_extend(placement, MARCH_2, none)


def test_recall_on_request() -> None:
    placement = place("AG1", "C1", MARCH_2, TERMS)
    recalled = recall(placement, dt.date(2026, 4, 15))
    assert recalled.recalled_on == dt.date(2026, 4, 15)
    assert recalled.recall_reason is RecallReason.REQUESTED
    assert recalled.ends_on == dt.date(2026, 4, 15)
    assert not recalled.active_on(dt.date(2026, 4, 15))
    assert due_for_recall([recalled], dt.date(2026, 12, 31)) == []
    with pytest.raises(ValidationError, match="cannot be recalled on 2026-04-16"):
        recall(recalled, dt.date(2026, 4, 16))
    with pytest.raises(ValidationError, match="cannot be extended"):
        extend(recalled, dt.date(2026, 4, 16), TERMS)
    with pytest.raises(ValidationError, match="cannot be recalled on 2026-05-31"):
        recall(placement, dt.date(2026, 5, 31))


def test_placement_dates_must_make_sense() -> None:
    with pytest.raises(ValidationError, match="expires 2026-03-02 not after placement"):
        Placement("AG1", "C1", MARCH_2, MARCH_2)
    with pytest.raises(ValidationError, match="a recall needs a date and a reason"):
        Placement("AG1", "C1", MARCH_2, dt.date(2026, 4, 1), recalled_on=dt.date(2026, 3, 9))
    with pytest.raises(ValidationError, match="recalled 2026-04-02 outside"):
        Placement(
            "AG1",
            "C1",
            MARCH_2,
            dt.date(2026, 4, 1),
            recalled_on=dt.date(2026, 4, 2),
            recall_reason=RecallReason.REQUESTED,
        )


def test_placement_terms_from_settings() -> None:
    terms = parse_placement_terms({"duration_days": 120, "extension_days": 60}, "affidi.toml")
    assert terms == PlacementTerms(120, 60, 1)
    with pytest.raises(ValidationError, match=r"^affidi.toml: duration_days: .* not 0$"):
        parse_placement_terms({"duration_days": 0, "extension_days": 60}, "affidi.toml")
    with pytest.raises(ValidationError, match=r"^affidi.toml: extension_days: .* not None$"):
        parse_placement_terms({"duration_days": 90}, "affidi.toml")
    with pytest.raises(ValidationError, match=r"^affidi.toml: max_extensions: .* not '1'$"):
        parse_placement_terms(
            {"duration_days": 90, "extension_days": 5, "max_extensions": "1"}, "affidi.toml"
        )
    with pytest.raises(ValidationError, match=r"^affidi.toml: extend_days: unknown key$"):
        parse_placement_terms(
            {"duration_days": 90, "extension_days": 5, "extend_days": 5}, "affidi.toml"
        )
    with pytest.raises(ValidationError, match="duration_days must be a whole number"):
        PlacementTerms(0, 10)
