"""Collection strategies: choosing one, the arms, the steps, and refusing strategies that make
no sense (each problem named by key and line)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from riscossa.domain.errors import ImportFileError, ValidationError
from riscossa.domain.strategy import (
    CHALLENGER,
    CHAMPION,
    Action,
    Channel,
    Engagement,
    Outcome,
    Position,
    Strategy,
    StrategyError,
    Transition,
    TransitionKind,
    WaitFrom,
    arm_of,
    check_strategies,
    choose_strategy,
    dotted,
    parse_strategy,
)

NEXT, STOP, RESTART, HOLD = (
    TransitionKind.NEXT,
    TransitionKind.STOP,
    TransitionKind.RESTART,
    TransitionKind.HOLD,
)


def step(step_id: str, action: str = "sms", channels: Any = "sms", **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "action": action,
        "channels": channels,
        "wait_days": extra.pop("wait_days", 5),
        "unit_cost": extra.pop("unit_cost", "0.10"),
        **extra,
    }


def strategy_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "luce",
        "version": "2026.1",
        "utility": "electricity",
        "assign": [{"segment": "residential"}],
        "steps": [
            step("sms", wait_days=5, **{"from": "due_date"}, unit_cost="0.06"),
            step(
                "call",
                "outbound_call",
                ["phone"],
                wait_days=3,
                unit_cost="2.50",
                min_amount="50.00",
                transitions={
                    "promise": {"hold_days": 10},
                    "partially_paid": {"hold_days": 7, "then": "call"},
                    "refused": "notice",
                    "unreachable": "restart",
                    "wrong_contact": "stop",
                    "paid": "sms",
                },
            ),
            step("email", "email", ["email"], wait_days=2, unit_cost="0"),
            step("notice", "formal_notice", ["pec", "raccomandata"], wait_days=7, unit_cost=6),
            step("reduce", "power_reduction_request", ["distributor"], wait_days=28),
            step("suspend", "suspension_request", ["distributor"], wait_days=15),
        ],
    }
    data.update(overrides)
    return data


def parsed(**overrides: Any) -> Strategy:
    return parse_strategy(strategy_data(**overrides), "luce.yaml")


def position(**fields: Any) -> Position:
    values: dict[str, Any] = {
        "customer_code": "C001",
        "utility": "electricity",
        "segment": "residential",
        "amount_overdue_cents": 12_000,
        "days_past_due": 20,
    }
    values.update(fields)
    return Position(**values)


def problems_of(data: Any, lines: dict[Any, int] | None = None) -> list[str]:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(data, "s.yaml", lines)
    return [str(p) for p in caught.value.problems]


# --- parsing --------------------------------------------------------------------------------


def test_parse_reads_every_field_into_typed_values() -> None:
    strategy = parsed(description="Domestici", engagement="contract")
    assert (strategy.name, strategy.version, strategy.utility) == ("luce", "2026.1", "electricity")
    assert strategy.engagement is Engagement.CONTRACT
    assert strategy.description == "Domestici"
    assert [s.id for s in strategy.steps] == ["sms", "call", "email", "notice", "reduce", "suspend"]
    sms, call, email, notice = strategy.steps[:4]
    assert (sms.action, sms.channels, sms.wait_days, sms.wait_from) == (
        Action.SMS,
        (Channel.SMS,),
        5,
        WaitFrom.DUE_DATE,
    )
    assert sms.unit_cost_cents == 6 and sms.min_amount_cents is None
    assert call.wait_from is WaitFrom.PREVIOUS_STEP  # the default
    assert (call.unit_cost_cents, call.min_amount_cents) == (250, 5000)
    assert email.unit_cost_cents == 0
    assert notice.channels == (Channel.PEC, Channel.RACCOMANDATA)  # order of preference kept
    assert notice.unit_cost_cents == 600  # a whole number of euro
    assert call.transitions[Outcome.PROMISE].hold_days == 10
    assert strategy.challenger is None


def test_engagement_defaults_to_customer_and_a_whole_version_is_text() -> None:
    strategy = parsed(version=3)
    assert strategy.engagement is Engagement.CUSTOMER
    assert strategy.version == "3"


def test_problem_messages_name_source_line_and_key_path() -> None:
    data = strategy_data()
    data["steps"][2]["wait_days"] = -1
    lines = {(): 1, ("steps",): 10, ("steps", 2): 14, ("steps", 2, "wait_days"): 17}
    assert problems_of(data, lines) == ["s.yaml line 17: steps[2].wait_days must be ≥ 0, not -1"]


def test_a_missing_key_is_placed_on_the_line_of_its_mapping() -> None:
    data = strategy_data()
    del data["steps"][1]["unit_cost"]
    lines = {(): 1, ("steps",): 10, ("steps", 1): 14}
    assert problems_of(data, lines) == ["s.yaml line 14: steps[1].unit_cost is missing"]


def test_every_problem_is_reported_at_once() -> None:
    data = strategy_data(utility="power", colour="blue")
    data["steps"][0]["action"] = "smss"
    found = problems_of(data)
    assert len(found) == 3
    assert any("colour is an unknown key" in p for p in found)
    assert any("utility is an unknown utility 'power'" in p for p in found)
    assert any("steps[0].action is an unknown action 'smss'" in p for p in found)


def test_strategy_error_is_an_import_file_error() -> None:
    with pytest.raises(ImportFileError, match=r"^s\.yaml: must be a mapping"):
        parse_strategy(["not", "a", "mapping"], "s.yaml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(name="Luce Domestica"), "name must be lower-case letters"),
        (lambda d: d.update(version=2026.1), 'version must be written in quotes, e.g. "2026.1"'),
        (lambda d: d.pop("steps"), "steps is missing"),
        (lambda d: d.update(steps=[]), "steps must be a list of at least one step"),
        (lambda d: d["steps"][0].update(wait_days=731), "steps[0].wait_days must be ≤ 730"),
        (lambda d: d["steps"][0].update(wait_days="5"), "steps[0].wait_days must be a whole"),
        (lambda d: d["steps"][0].update(wait_days=True), "steps[0].wait_days must be a whole"),
        (lambda d: d["steps"][0].update(unit_cost=0.06), 'must be written in quotes, e.g. "0.06"'),
        (lambda d: d["steps"][0].update(unit_cost="0.061"), "unit_cost must be an amount in euro"),
        (lambda d: d["steps"][0].update(unit_cost="-1.00"), "unit_cost must be ≥ 0, not '-1.00'"),
        (lambda d: d["steps"][0].update(min_amount="abc"), "min_amount must be an amount"),
        (lambda d: d["steps"][0].update(channels=[]), "steps[0].channels must be a channel"),
        (lambda d: d["steps"][0].update(channels=["sms", "sms"]), "channels[1] repeats 'sms'"),
        (lambda d: d["steps"][0].update(channels=["fax"]), "is an unknown channel 'fax'"),
        (lambda d: d["steps"][0].update(**{"from": "invoice"}), "from is an unknown starting"),
        (lambda d: d["steps"][0].update(id="stop"), "steps[0].id cannot be 'stop'"),
        (lambda d: d["steps"][0].update(id="Primo SMS"), "steps[0].id must be lower-case"),
        (
            lambda d: d["steps"][3].update(channels=["email"]),
            "steps[3].channels email cannot carry formal_notice (only pec, raccomandata)",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(refused="nowhere"),
            "steps[1].transitions.refused goes to an unknown step 'nowhere' "
            "(steps: sms, call, email, notice, reduce, suspend)",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(promise={"hold_days": 5, "then": "x"}),
            "steps[1].transitions.promise.then goes to an unknown step 'x'",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(promise={"hold_days": 0}),
            "steps[1].transitions.promise.hold_days must be ≥ 1, not 0",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(promise={"days": 3}),
            "steps[1].transitions.promise.days is an unknown key (known: hold_days, then)",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(promise={"hold_days": 3, "then": {}}),
            "promise.then must be a step id, stop, restart, not a mapping",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(answered="stop"),
            "steps[1].transitions.answered is an unknown key (known: paid, partially_paid,",
        ),
        (
            lambda d: d["steps"][1]["transitions"].update(paid=3),
            "transitions.paid must be a step id, stop, restart or {hold_days: N, then: ...}",
        ),
        (lambda d: d["steps"][2].update(wiat_days=1), "steps[2].wiat_days is an unknown key"),
        (lambda d: d["steps"][2].update(id="sms"), "steps[2].id repeats the id 'sms' of steps[0]"),
    ],
)
def test_each_kind_of_mistake_is_named(change: Any, expected: str) -> None:
    data = copy.deepcopy(strategy_data())
    change(data)
    found = problems_of(data)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"segment": "home"}, "assign[0].segment is an unknown segment 'home'"),
        ({"utility": "gas"}, "assign[0].utility is set by the strategy (electricity)"),
        ({"amount_overdue": {"min": "10.00", "max": "5.00"}}, "amount_overdue.min must not exceed"),
        ({"amount_overdue": {}}, "assign[0].amount_overdue needs min, max or both"),
        ({"amount_overdue": {"from": "1.00"}}, "amount_overdue.from is an unknown key"),
        ({"days_past_due": {"min": -1}}, "assign[0].days_past_due.min must be ≥ 0"),
        ({"behaviour_score": {"max": 101}}, "assign[0].behaviour_score.max must be ≤ 100"),
        ({"flags": {"vip": True}}, "assign[0].flags.vip is an unknown flag 'vip'"),
        ({"flags": {"vulnerable": "yes"}}, "flags.vulnerable must be true or false, not 'yes'"),
        ({"flags": {}}, "assign[0].flags must map flags to true or false"),
        ({"tags": []}, "assign[0].tags must be a tag or a list of them"),
        ({"region": "north"}, "assign[0].region is an unknown key"),
        ("residential", "assign[0] must be a mapping"),
    ],
)
def test_mistakes_in_assignment_rules_are_named(rule: Any, expected: str) -> None:
    found = problems_of(strategy_data(assign=[rule]))
    assert any(expected in p for p in found), found


def test_an_empty_exclusion_is_refused_and_an_empty_rule_takes_everything() -> None:
    found = problems_of(strategy_data(exclude=[{}]))
    assert any("exclude[0] is empty" in p for p in found)
    catch_all = parsed(assign=[{}])
    assert catch_all.assign(position(segment="business")) == 1  # the utility alone


def test_a_supply_action_needs_a_formal_notice_on_every_path_before_it() -> None:
    data = strategy_data()
    data["steps"][1]["transitions"]["refused"] = "reduce"  # jumps over the notice
    assert problems_of(data) == [
        "s.yaml: steps[4].action power_reduction_request can be reached without a "
        "formal_notice step before it",
        "s.yaml: steps[5].action suspension_request can be reached without a "
        "formal_notice step before it",
    ]
    skippable = strategy_data()
    skippable["steps"][3]["min_amount"] = "100.00"  # small debts skip the notice...
    found = problems_of(skippable)
    assert len(found) == 2 and "steps[4].action" in found[0] and "steps[5].action" in found[1]
    guarded = copy.deepcopy(skippable)
    for later in guarded["steps"][4:]:
        later["min_amount"] = "100.00"  # ...and the later steps too: guarded again
    assert parse_strategy(guarded, "s.yaml").steps[4].min_amount_cents == 10_000


def test_supply_actions_belong_to_their_utility() -> None:
    found = problems_of(strategy_data(utility="gas", assign=[{}]))
    assert found[0] == (
        "s.yaml: steps[4].action power_reduction_request needs a strategy for electricity, not gas"
    )
    limitation = strategy_data()
    limitation["steps"][5] = step("limit", "limitation_request", ["field"])
    assert any(
        "limitation_request needs a strategy for water" in p for p in problems_of(limitation)
    )
    anyone = strategy_data(utility="any")
    anyone["steps"] = [*anyone["steps"][:4], step("cut", "suspension_request", ["distributor"])]
    assert any("needs a strategy for one utility, not any" in p for p in problems_of(anyone))


@pytest.mark.parametrize("value", [120, -5, "abc", "12.345", True, None])
def test_a_bad_percentage_is_refused(value: Any) -> None:
    found = problems_of(strategy_data(challenger={"percentage": value, "strategy": "other"}))
    assert any("challenger.percentage must be a percentage from 0 to 100" in p for p in found)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"percentage": 10}, "challenger needs either strategy"),
        ({"percentage": 10, "strategy": "a", "steps": []}, "challenger needs either strategy"),
        ({"percentage": 10, "strategy": "luce"}, "challenger.strategy names this same strategy"),
        ({"strategy": "other"}, "challenger.percentage is missing"),
        ({"percentage": 10, "steps": [{"id": "x"}]}, "challenger.steps[0].action is missing"),
    ],
)
def test_challenger_mistakes_are_named(block: dict[str, Any], expected: str) -> None:
    found = problems_of(strategy_data(challenger=block))
    assert any(expected in p for p in found), found


# --- choosing a strategy ---------------------------------------------------------------------


def small(name: str, **overrides: Any) -> Strategy:
    data: dict[str, Any] = {
        "name": name,
        "version": "1",
        "utility": "electricity",
        "steps": [step("sms")],
    }
    data.update(overrides)
    return parse_strategy(data, f"{name}.yaml")


def test_specificity_counts_conditions_flags_and_tags() -> None:
    rich = small(
        "rich",
        assign=[
            {
                "segment": ["residential", "business"],
                "amount_overdue": {"min": "10.00"},
                "days_past_due": {"min": 1, "max": 90},
                "behaviour_score": {"max": 40},
                "flags": {"vulnerable": False, "direct_debit": True},
                "tags": ["north", "vip"],
            }
        ],
    )
    assert rich.rules[0].specificity == 1 + 1 + 1 + 1 + 1 + 2 + 2  # utility counts too
    hit = position(behaviour_score=40, flags=frozenset({"direct_debit"}), tags={"north", "vip"})
    assert rich.assign(hit) == 9
    assert rich.assign(position(behaviour_score=40, tags=frozenset({"north", "vip"}))) is None
    assert rich.assign(replace_flags(hit, {"direct_debit", "vulnerable"})) is None
    assert rich.assign(Position(**{**vars_of(hit), "behaviour_score": None})) is None
    assert rich.assign(Position(**{**vars_of(hit), "behaviour_score": 41})) is None
    assert rich.assign(Position(**{**vars_of(hit), "tags": frozenset({"north"})})) is None
    anyone = small("anyone", utility="any", assign=[{"utility": ["gas", "water"]}])
    assert anyone.rules[0].specificity == 1
    assert anyone.assign(position(utility="water")) == 1
    assert anyone.assign(position(utility="electricity")) is None


def vars_of(found: Position) -> dict[str, Any]:
    return {name: getattr(found, name) for name in Position.__dataclass_fields__}


def replace_flags(found: Position, flags: set[str]) -> Position:
    return Position(**{**vars_of(found), "flags": frozenset(flags)})


def test_ranges_include_both_ends() -> None:
    ranged = small("ranged", assign=[{"amount_overdue": {"min": "50.00", "max": "100.00"}}])
    assert [
        ranged.assign(position(amount_overdue_cents=c)) for c in (4999, 5000, 10000, 10001)
    ] == [
        None,
        2,
        2,
        None,
    ]


def test_the_most_specific_strategy_wins_and_ties_go_to_the_first() -> None:
    general = small("general", assign=[{}])
    homes = small("homes", assign=[{"segment": "residential"}])
    big_homes = small(
        "big-homes", assign=[{"segment": "residential", "amount_overdue": {"min": "500.00"}}]
    )
    also_homes = small("also-homes", assign=[{"segment": "residential"}])
    strategies = [general, homes, big_homes, also_homes]
    assert choose_strategy(strategies, position(amount_overdue_cents=100_00)) is homes
    assert choose_strategy(strategies, position(amount_overdue_cents=500_00)) is big_homes
    assert choose_strategy(strategies, position(segment="business")) is general
    assert choose_strategy([also_homes, homes], position()) is also_homes
    assert choose_strategy(strategies, position(utility="gas")) is None


def test_the_best_rule_of_a_strategy_counts_and_an_exclusion_overrides_every_rule() -> None:
    two_rules = small(
        "two",
        assign=[{}, {"segment": "residential", "days_past_due": {"min": 30}}],
        exclude=[{"flags": {"deceased": True}}],
    )
    assert two_rules.assign(position(days_past_due=10)) == 1
    assert two_rules.assign(position(days_past_due=30)) == 3
    assert two_rules.match(position(days_past_due=30)) is two_rules.rules[1]
    assert two_rules.assign(position(days_past_due=30, flags=frozenset({"deceased"}))) is None


def test_equally_specific_overlapping_rules_of_two_strategies_are_refused() -> None:
    homes = small("homes", assign=[{"segment": "residential"}])
    small_debts = small("small-debts", assign=[{"amount_overdue": {"max": "50.00"}}])
    with pytest.raises(StrategyError) as caught:
        check_strategies([homes, small_debts])
    (problem,) = caught.value.problems
    assert str(problem).startswith("small-debts.yaml: this rule of 'small-debts' and the rule of")
    clash = "'homes' at homes.yaml can take the same positions with the same specificity (2)"
    assert clash in str(problem)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"segment": "residential"}, {"segment": "business"}),
        ({"amount_overdue": {"max": "50.00"}}, {"amount_overdue": {"min": "50.01"}}),
        ({"days_past_due": {"max": 30}}, {"days_past_due": {"min": 31}}),
        ({"flags": {"vulnerable": True}}, {"flags": {"vulnerable": False}}),
        ({"segment": "residential"}, {"segment": "residential", "tags": "x"}),  # not equal
    ],
)
def test_disjoint_or_unequal_rules_pass(first: dict[str, Any], second: dict[str, Any]) -> None:
    check_strategies([small("a", assign=[first]), small("b", assign=[second])])


def test_an_overlap_covered_by_an_exclusion_passes() -> None:
    homes = small(
        "homes", assign=[{"segment": "residential"}], exclude=[{"amount_overdue": {"max": "60.00"}}]
    )
    small_debts = small("small-debts", assign=[{"amount_overdue": {"max": "50.00"}}])
    check_strategies([homes, small_debts])
    partly = small(
        "homes", assign=[{"segment": "residential"}], exclude=[{"amount_overdue": {"max": "40.00"}}]
    )
    with pytest.raises(StrategyError, match="same specificity"):
        check_strategies([partly, small_debts])


def test_a_score_exclusion_does_not_cover_positions_without_a_score() -> None:
    scored = small(
        "a", assign=[{"segment": "residential"}], exclude=[{"behaviour_score": {"min": 0}}]
    )
    other = small("b", assign=[{"segment": "residential"}])
    with pytest.raises(StrategyError, match="same specificity"):
        check_strategies([scored, other])


def test_names_and_challenger_references_are_checked_across_strategies() -> None:
    first = small("luce")
    again = small("luce")
    pointing = small("ptr", challenger={"percentage": 10, "strategy": "missing"})
    nested = small("nested", challenger={"percentage": 10, "strategy": "ptr"})
    with pytest.raises(StrategyError) as caught:
        check_strategies([first, again, pointing, nested])
    assert [str(p) for p in caught.value.problems] == [
        "luce.yaml: name 'luce' is also the name in luce.yaml",
        "ptr.yaml: challenger.strategy 'missing' is not loaded",
        "nested.yaml: challenger.strategy 'ptr' has its own challenger",
    ]


def test_position_refuses_what_no_condition_could_read() -> None:
    with pytest.raises(ValidationError, match="unknown utility 'any'"):
        position(utility="any")
    with pytest.raises(ValidationError, match="unknown flags"):
        position(flags=frozenset({"vip"}))
    with pytest.raises(ValidationError, match="negative arrears"):
        position(days_past_due=-1)
    with pytest.raises(ValidationError, match="score outside 0-100"):
        position(behaviour_score=101)


# --- champion / challenger -------------------------------------------------------------------


def test_arm_follows_the_documented_hash() -> None:
    for code in ("C000001", "C000002", "C123456", "Z"):
        digest = hashlib.blake2b(f"luce\x1f{code}".encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest, "big") % 10_000
        expected = CHALLENGER if bucket < 2000 else CHAMPION
        assert arm_of("luce", code, Decimal(20)) == expected


def test_arm_is_stable_across_runs_and_versions() -> None:
    block = {"percentage": 30, "strategy": "other"}
    one = parsed(challenger=block)
    two = parsed(challenger=block, version="2027.1")
    codes = [f"C{n:06d}" for n in range(2000)]
    arms = [one.arm(code) for code in codes]
    assert arms == [one.arm(code) for code in codes] == [two.arm(code) for code in codes]
    assert {CHAMPION, CHALLENGER} == set(arms)
    renamed = parse_strategy({**strategy_data(challenger=block), "name": "luce-2"}, "x")
    assert [renamed.arm(code) for code in codes] != arms  # the name seeds the hash


@pytest.mark.parametrize("percentage", [20, Decimal("12.5"), 50])
def test_split_ratio_within_two_points_on_100k_codes(percentage: Any) -> None:
    share = Decimal(percentage)
    challengers = sum(
        arm_of("electricity-domestic", f"C{n:07d}", share) == CHALLENGER for n in range(100_000)
    )
    assert abs(challengers / 100_000 - float(share) / 100) <= 0.02


def test_raising_the_percentage_only_moves_champions_to_the_challenger() -> None:
    codes = [f"C{n:05d}" for n in range(5000)]
    low = {c for c in codes if arm_of("s", c, Decimal(10)) == CHALLENGER}
    high = {c for c in codes if arm_of("s", c, Decimal(25)) == CHALLENGER}
    assert low < high


def test_zero_and_hundred_percent_and_no_challenger() -> None:
    codes = [f"C{n}" for n in range(500)]
    assert {arm_of("s", c, Decimal(0)) for c in codes} == {CHAMPION}
    assert {arm_of("s", c, Decimal(100)) for c in codes} == {CHALLENGER}
    assert parsed().arm("C1") == CHAMPION


def test_for_customer_gives_the_steps_of_the_arm() -> None:
    own = parsed(
        challenger={
            "percentage": 100,
            "steps": [step("email", "email", ["email"], wait_days=1, **{"from": "due_date"})],
        }
    )
    arm, followed = own.for_customer("C1")
    assert arm == CHALLENGER
    assert followed.name == "luce/challenger" and [s.id for s in followed.steps] == ["email"]
    assert followed.challenger is None and followed.rules == ()
    assert own.challenger is not None and own.challenger.percentage == Decimal(100)

    named = parsed(challenger={"percentage": "100", "strategy": "digital"})
    digital = small("digital")
    assert named.for_customer("C1", [digital]) == (CHALLENGER, digital)
    with pytest.raises(ValidationError, match="challenger strategy 'digital' is not loaded"):
        named.for_customer("C1")
    nobody = parsed(challenger={"percentage": 0, "strategy": "digital"})
    assert nobody.for_customer("C1", [digital]) == (CHAMPION, nobody)


# --- steps and transitions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Outcome.PAID, Transition(NEXT, "sms")),  # written: back to the first step
        (Outcome.PARTIALLY_PAID, Transition(HOLD, "call", 7)),
        (Outcome.PROMISE, Transition(HOLD, "email", 10)),  # then: next in order
        (Outcome.REFUSED, Transition(NEXT, "notice")),
        (Outcome.UNREACHABLE, Transition(RESTART, "sms")),
        (Outcome.DISPUTE, Transition(STOP, None)),  # not written: the default
        (Outcome.WRONG_CONTACT, Transition(STOP, None)),
        (None, Transition(NEXT, "email")),
        ("refused", Transition(NEXT, "notice")),
    ],
)
def test_next_step_per_outcome(outcome: Outcome | str | None, expected: Transition) -> None:
    assert parsed().next_step("call", outcome) == expected


def test_unwritten_outcomes_follow_the_defaults() -> None:
    strategy = parsed()
    assert strategy.next_step("sms", Outcome.PAID) == Transition(STOP, None)
    assert strategy.next_step("sms", Outcome.DISPUTE) == Transition(STOP, None)
    for outcome in ("partially_paid", "promise", "refused", "unreachable", "wrong_contact"):
        assert strategy.next_step("sms", outcome) == Transition(NEXT, "call")
    last = strategy.next_step("suspend", Outcome.REFUSED)
    assert last == Transition(STOP, None) and last.ends


def test_entering_the_strategy_and_skipping_steps_below_their_minimum() -> None:
    strategy = parsed()
    assert strategy.next_step(None) == Transition(NEXT, "sms")
    assert strategy.next_step("sms", None, amount_overdue_cents=4999) == Transition(NEXT, "email")
    assert strategy.next_step("sms", None, amount_overdue_cents=5000) == Transition(NEXT, "call")
    assert strategy.next_step("sms") == Transition(NEXT, "call")  # amount unknown: no skipping
    hold = strategy.next_step("call", "partially_paid", amount_overdue_cents=100)
    assert hold == Transition(HOLD, "email", 7)  # resumes with the first step that applies


def test_a_restart_or_a_jump_that_finds_no_step_stops() -> None:
    data = strategy_data()
    for item in data["steps"]:
        item["min_amount"] = "50.00"
    strategy = parse_strategy(data, "s.yaml")
    assert strategy.next_step("call", "unreachable", amount_overdue_cents=10) == Transition(
        STOP, None
    )
    assert strategy.next_step(None, amount_overdue_cents=10) == Transition(STOP, None)


def test_hold_then_stop_or_restart() -> None:
    data = strategy_data()
    data["steps"][0]["transitions"] = {
        "promise": {"hold_days": 3, "then": "stop"},
        "partially_paid": {"hold_days": 4, "then": "restart"},
    }
    strategy = parse_strategy(data, "s.yaml")
    assert strategy.next_step("sms", "promise") == Transition(HOLD, None, 3)
    assert strategy.next_step("sms", "partially_paid") == Transition(HOLD, "sms", 4)


def test_next_step_refuses_unknown_steps_and_outcomes() -> None:
    with pytest.raises(ValidationError, match=r"luce 2026\.1: no step 'gone'"):
        parsed().next_step("gone", "paid")
    with pytest.raises(ValidationError, match="unknown outcome 'answered'"):
        parsed().next_step("sms", "answered")


def test_step_due_counts_from_the_due_date_or_the_previous_step() -> None:
    strategy = parsed()
    due = dt.date(2026, 3, 10)
    assert strategy.step_due("sms", due, dt.date(2026, 3, 30)) == dt.date(2026, 3, 15)
    assert strategy.step_due("call", due, dt.date(2026, 3, 30)) == dt.date(2026, 4, 2)
    assert strategy.step_due(strategy.steps[1], due) == dt.date(2026, 3, 13)  # no previous step
    assert strategy.step_due("reduce", due, dt.date(2026, 2, 20)) == dt.date(2026, 3, 20)


def test_dotted_paths_count_list_items_from_zero() -> None:
    assert dotted(("steps", 2, "wait_days")) == "steps[2].wait_days"
    assert dotted(("assign", 0)) == "assign[0]"
    assert dotted(()) == ""
