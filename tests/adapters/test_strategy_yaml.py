"""Strategy files in YAML: the shipped ones load, and every mistake is named by file and line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from riscossa.adapters.strategy_yaml import (
    STRATEGY_PACKAGE,
    load_strategies,
    load_strategy_file,
    parse_strategy_text,
    read_yaml,
    shipped_strategies,
    shipped_strategy_text,
)
from riscossa.domain.errors import ImportFileError, NotFoundError
from riscossa.domain.strategy import (
    CHALLENGER,
    Action,
    Channel,
    Outcome,
    Position,
    StrategyError,
    Transition,
    TransitionKind,
    choose_strategy,
)

SHIPPED = sorted(
    e.name for e in resources.files(STRATEGY_PACKAGE).iterdir() if e.name.endswith(".yaml")
)

# Line numbers matter below: the tests replace single lines and expect them in messages.
STRATEGY = """\
name: luce
version: "2026.1"
utility: electricity
assign:
  - segment: residential
steps:
  - id: sms
    action: sms
    channels: [sms]
    wait_days: 5
    from: due_date
    unit_cost: "0.06"
  - id: notice
    action: formal_notice
    channels: [pec, raccomandata]
    wait_days: 7
    unit_cost: "6.50"
    transitions:
      paid: stop
      promise: {hold_days: 10}
      refused: suspend
  - id: suspend
    action: suspension_request
    channels: [distributor]
    wait_days: 28
    unit_cost: "30.00"
challenger:
  percentage: 25
  strategy: luce-digitale
"""


def with_line(number: int, text: str, source: str = STRATEGY) -> str:
    lines = source.splitlines()
    lines[number - 1] = text
    return "\n".join(lines) + "\n"


def refused(text: str, source: str = "strategies/luce.yaml") -> list[str]:
    with pytest.raises(StrategyError) as caught:
        parse_strategy_text(text, source)
    return [str(problem) for problem in caught.value.problems]


# --- the shipped strategies ------------------------------------------------------------------


def test_five_strategies_are_shipped() -> None:
    assert SHIPPED == [
        "electricity_business.yaml",
        "electricity_domestic.yaml",
        "gas.yaml",
        "telco.yaml",
        "water.yaml",
    ]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_file_loads(name: str) -> None:
    strategy = parse_strategy_text(shipped_strategy_text(name), f"strategies/{name}")
    assert strategy.steps and strategy.rules
    assert strategy.origin.source == f"strategies/{name}"
    assert strategy.steps[0].wait_from.value == "due_date"
    assert all(step.unit_cost_cents >= 0 for step in strategy.steps)


def test_shipped_strategies_load_together_in_file_order() -> None:
    strategies = shipped_strategies()
    assert [s.name for s in strategies] == [
        "electricity-business",
        "electricity-domestic",
        "gas",
        "telco",
        "water",
    ]
    assert load_strategies() is strategies


def test_the_shipped_domestic_electricity_strategy() -> None:
    domestic = {s.name: s for s in shipped_strategies()}["electricity-domestic"]
    assert [s.id for s in domestic.steps] == [
        "sollecito-sms",
        "sollecito-email",
        "telefonata",
        "messa-in-mora",
        "riduzione-potenza",
        "sospensione",
        "affido-agenzia",
        "proposta-stralcio",
    ]
    notice = domestic.step("messa-in-mora")
    assert notice.action is Action.FORMAL_NOTICE
    assert notice.channels == (Channel.PEC, Channel.RACCOMANDATA)
    assert notice.unit_cost_cents == 650
    assert domestic.step("telefonata").min_amount_cents == 5000
    assert domestic.next_step("sollecito-sms", Outcome.WRONG_CONTACT) == Transition(
        TransitionKind.NEXT, "sollecito-email"
    )
    assert domestic.next_step("telefonata", Outcome.PROMISE) == Transition(
        TransitionKind.HOLD, "messa-in-mora", 15
    )
    assert domestic.next_step("sollecito-email", None, amount_overdue_cents=3000) == Transition(
        TransitionKind.NEXT, "messa-in-mora"
    )
    assert domestic.challenger is not None and domestic.challenger.percentage == 20
    arm, followed = domestic.for_customer(
        next(c for c in (f"C{n}" for n in range(100)) if domestic.arm(c) == CHALLENGER)
    )
    assert arm == CHALLENGER and followed.steps[0].id == "sollecito-email"


def test_the_shipped_water_strategy_goes_reminder_notice_limitation() -> None:
    water = {s.name: s for s in shipped_strategies()}["water"]
    actions = [s.action for s in water.steps[:3]]
    assert actions == [Action.LETTER, Action.FORMAL_NOTICE, Action.LIMITATION_REQUEST]
    assert [s.wait_days for s in water.steps[:3]] == [10, 15, 40]


@pytest.mark.parametrize(
    ("utility", "segment", "expected"),
    [
        ("electricity", "residential", "electricity-domestic"),
        ("electricity", "business", "electricity-business"),
        ("electricity", "public_administration", "electricity-business"),
        ("gas", "residential", "gas"),
        ("water", "business", "water"),
        ("telco", "residential", "telco"),
    ],
)
def test_shipped_strategies_cover_each_utility(utility: str, segment: str, expected: str) -> None:
    found = choose_strategy(
        shipped_strategies(),
        Position("C1", utility, segment, amount_overdue_cents=9_000, days_past_due=15),
    )
    assert found is not None and found.name == expected


def test_shipped_exclusions_take_positions_out() -> None:
    deceased = Position("C1", "gas", "residential", 9_000, 15, flags=frozenset({"deceased"}))
    assert choose_strategy(shipped_strategies(), deceased) is None


# --- mistakes, each with its file and line ---------------------------------------------------


def test_unknown_action() -> None:
    (problem,) = refused(with_line(8, "    action: smss"))
    assert problem.startswith("strategies/luce.yaml line 8: steps[0].action is an unknown action")


def test_negative_wait() -> None:
    assert refused(with_line(16, "    wait_days: -3")) == [
        "strategies/luce.yaml line 16: steps[1].wait_days must be ≥ 0, not -3"
    ]


def test_transition_to_an_unknown_step() -> None:
    assert refused(with_line(21, "      refused: suspension")) == [
        "strategies/luce.yaml line 21: steps[1].transitions.refused goes to an unknown step "
        "'suspension' (steps: sms, notice, suspend)"
    ]


@pytest.mark.parametrize("value", ["120", "-1", "abc", "12.345"])
def test_bad_percentage(value: str) -> None:
    (problem,) = refused(with_line(28, f"  percentage: {value}"))
    assert problem.startswith(
        "strategies/luce.yaml line 28: challenger.percentage must be a percentage from 0 to 100"
    )


def test_duplicate_step_id() -> None:
    assert refused(with_line(13, "  - id: sms")) == [
        "strategies/luce.yaml line 13: steps[1].id repeats the id 'sms' of steps[0] (line 7)"
    ]


def test_unknown_key() -> None:
    (problem,) = refused(with_line(11, "    form: due_date"))
    assert problem.startswith("strategies/luce.yaml line 11: steps[0].form is an unknown key")
    (top,) = refused(STRATEGY + "colour: blue\n")
    assert top.startswith("strategies/luce.yaml line 30: colour is an unknown key (known: name,")


def test_missing_key_names_the_line_of_its_step() -> None:
    assert refused(with_line(12, "    description: primo SMS")) == [
        "strategies/luce.yaml line 7: steps[0].unit_cost is missing"
    ]


def test_yaml_syntax_error_with_its_line() -> None:
    (problem,) = refused(with_line(15, "    channels: [pec, raccomandata"))
    assert problem.startswith("strategies/luce.yaml line 16: YAML syntax error:")
    (tab,) = refused(with_line(9, "\tchannels: [sms]"))
    assert tab.startswith("strategies/luce.yaml line 9: YAML syntax error:")
    (control,) = refused(with_line(3, "utility: electricity\x07"))
    assert control.startswith("strategies/luce.yaml line 3: YAML syntax error: special characters")


def test_a_key_written_twice_is_refused() -> None:
    assert refused(with_line(11, "    wait_days: 6")) == [
        "strategies/luce.yaml line 11: steps[0].wait_days is written twice (first on line 10)"
    ]


def test_unsafe_tags_are_refused() -> None:
    (problem,) = refused(with_line(1, "name: !!python/object/apply:os.system [ls]"))
    assert problem == (
        "strategies/luce.yaml line 1: the tag tag:yaml.org,2002:python/object/apply:os.system"
        " is not allowed here"
    )
    (scalar,) = refused(with_line(1, "name: !!python/name:os.system ''"))
    assert scalar.startswith("strategies/luce.yaml line 1: the tag tag:yaml.org,2002:python/name")
    (custom,) = refused(with_line(5, "  - !rule {segment: residential}"))
    assert custom == "strategies/luce.yaml line 5: the tag !rule is not allowed here"


def test_empty_file_and_several_documents() -> None:
    assert refused("# nothing yet\n") == ["strategies/luce.yaml line 1: the file is empty"]
    (problem,) = refused(STRATEGY + "---\nname: other\n")
    assert problem.startswith("strategies/luce.yaml line 30: YAML syntax error:")


def test_an_alias_that_contains_itself_is_refused() -> None:
    (problem,) = refused("name: &loop [*loop]\n")
    assert problem == "strategies/luce.yaml line 1: an alias refers to a value that contains it"


def test_aliases_that_expand_without_end_are_refused() -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 6):
        bomb += f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n"
    (problem,) = refused(bomb)
    assert "more than 20000 values: is an alias repeating itself?" in problem


def test_anchors_and_merge_keys_work() -> None:
    text = STRATEGY.replace(
        '    unit_cost: "0.06"\n',
        '    unit_cost: "0.06"\n    transitions: &usual\n      promise: {hold_days: 3}\n',
    ).replace("      paid: stop\n      promise: {hold_days: 10}\n", "      <<: *usual\n")
    strategy = parse_strategy_text(text, "t.yaml")
    notice = strategy.step("notice").transitions
    assert set(notice) == {Outcome.PROMISE, Outcome.REFUSED}
    assert notice[Outcome.PROMISE].hold_days == 3


def test_keys_are_read_as_written() -> None:
    data, lines = read_yaml("no: 1\non: yes\n2: x\n", "t.yaml")
    assert data == {"no": 1, "on": True, "2": "x"}
    assert lines == {(): 1, ("no",): 1, ("on",): 2, ("2",): 3}


def test_read_yaml_maps_every_key_and_item_to_its_line() -> None:
    _, lines = read_yaml(STRATEGY, "t.yaml")
    assert lines[("steps",)] == 6
    assert lines[("steps", 1)] == 13
    assert lines[("steps", 1, "transitions", "promise", "hold_days")] == 20
    assert lines[("challenger", "strategy")] == 29


def test_a_float_amount_asks_for_quotes() -> None:
    (problem,) = refused(with_line(12, "    unit_cost: 0.06"))
    assert problem == (
        'strategies/luce.yaml line 12: steps[0].unit_cost must be written in quotes, e.g. "0.06",'
        " not a bare 0.06"
    )


# --- folders of strategies ------------------------------------------------------------------


def test_a_folder_loads_in_file_order_and_is_checked_as_a_whole(tmp_path: Path) -> None:
    digital = with_line(1, "name: luce-digitale", STRATEGY).replace(
        "challenger:\n  percentage: 25\n  strategy: luce-digitale\n", ""
    )
    digital = digital.replace("assign:\n  - segment: residential\n", "")
    (tmp_path / "b_digitale.yaml").write_text(digital, encoding="utf-8")
    (tmp_path / "a_luce.yml").write_text(STRATEGY, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a strategy", encoding="utf-8")
    strategies = load_strategies(tmp_path)
    assert [s.name for s in strategies] == ["luce", "luce-digitale"]
    assert strategies[0].for_customer("C1", strategies)[1] in strategies


def test_a_folder_reports_every_file_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(with_line(16, "    wait_days: -3"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(with_line(8, "    action: smss"), encoding="utf-8")
    with pytest.raises(StrategyError) as caught:
        load_strategies(tmp_path)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'a.yaml'} line 16: steps[1].wait_days")
    assert problems[1].startswith(f"{tmp_path / 'b.yaml'} line 8: steps[0].action")


def test_a_folder_with_clashing_strategies_names_both_files(tmp_path: Path) -> None:
    plain = STRATEGY.replace("challenger:\n  percentage: 25\n  strategy: luce-digitale\n", "")
    (tmp_path / "a.yaml").write_text(plain, encoding="utf-8")
    other = with_line(1, "name: luce-bis", plain).replace(
        "  - segment: residential", '  - amount_overdue: {max: "50.00"}'
    )
    (tmp_path / "b.yaml").write_text(other, encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        load_strategies(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'b.yaml'} line 5: this rule of 'luce-bis'")
    assert f"the rule of 'luce' at {tmp_path / 'a.yaml'} line 5" in message


def test_a_missing_challenger_strategy_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(STRATEGY, encoding="utf-8")
    with pytest.raises(
        StrategyError, match=r"a\.yaml line 27: challenger\.strategy 'luce-digitale' is not loaded"
    ):
        load_strategies(tmp_path)


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="strategy folder not found"):
        load_strategies(tmp_path / "missing")
    with pytest.raises(NotFoundError, match="strategy file not found"):
        load_strategy_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(STRATEGY.replace("luce", "luc\xe8").encode("latin-1"))
    with pytest.raises(StrategyError, match=r"latin\.yaml: not UTF-8 text"):
        load_strategy_file(latin)
    good = tmp_path / "good.yaml"
    good.write_text(STRATEGY, encoding="utf-8")
    assert load_strategy_file(good).origin.line == 1
