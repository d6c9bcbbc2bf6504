"""The SDD follow-up policy: deciding the next step, and refusing policies that make no sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.domain.errors import ValidationError
from riscossa.domain.sdd_policy import (
    DEFAULT_RULE_KEY,
    MAX_RETRIES,
    Action,
    PolicyError,
    PolicyProblem,
    Retry,
    Rule,
    SddPolicy,
    followup_for,
    parse_policy,
    validate_policy,
)


def description(text: str) -> dict[str, str]:
    return {"it": f"{text} (it)", "en": text}


def policy_data() -> dict[str, Any]:
    return {
        "version": "test-1",
        "default": {"action": "manual_review", "description": description("review")},
        "rules": {
            "AM04": {
                "action": "represent",
                "retry": {"max_times": 2, "after_days": 7},
                "on_exhausted": "dunning",
                "description": description("insufficient funds"),
            },
            "AC04": {
                "action": "new_iban",
                "suspend_mandate": True,
                "description": description("account closed"),
            },
            "AC06": {
                "action": "contact_customer",
                "retry": {"max_times": 1, "automatic": False},
                "suspend_mandate": True,
                "description": description("blocked"),
            },
            "MS03": {
                "action": "contact_customer",
                "retry": {"max_times": 1, "after_days": 7},
                "description": description("no reason"),
            },
            "AM05": {
                "action": "manual_review",
                "reopen_item": False,
                "description": description("duplicate"),
            },
        },
    }


def problems_of(data: dict[str, Any]) -> list[PolicyProblem]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return caught.value.problems


def test_parse() -> None:
    policy = parse_policy(policy_data())
    assert policy.version == "test-1"
    assert policy.rules["AM04"] == Rule(
        action=Action.REPRESENT,
        description_it="insufficient funds (it)",
        description_en="insufficient funds",
        retry=Retry(max_times=2, after_days=7, automatic=True),
        on_exhausted=Action.DUNNING,
    )
    assert policy.rules["AC04"].suspend_mandate and policy.rules["AC04"].reopen_item
    assert not policy.rules["AM05"].reopen_item
    assert validate_policy(policy) == []


def test_am04_represents_twice_then_dunning() -> None:
    policy = parse_policy(policy_data())
    first = followup_for("AM04", 0, policy)
    assert (first.action, first.represent_after_days, first.retries_left, first.attempt) == (
        Action.REPRESENT,
        7,
        2,
        1,
    )
    assert first.represents and not first.retry_on_confirmation and first.after_days == 7
    second = followup_for("am04 ", 1, policy)
    assert (second.action, second.retries_left, second.reason_code) == (
        Action.REPRESENT,
        1,
        "AM04",
    )
    third = followup_for("AM04", 2, policy)
    assert third.after_days == 0
    assert (third.action, third.represents, third.retries_left, third.attempt) == (
        Action.DUNNING,
        False,
        0,
        3,
    )
    assert followup_for("AM04", 7, policy).action is Action.DUNNING


def test_no_retry_rules() -> None:
    policy = parse_policy(policy_data())
    followup = followup_for("AC04", 0, policy)
    assert followup.action is Action.NEW_IBAN
    assert not followup.represents and not followup.retry_on_confirmation
    assert followup.suspend_mandate and followup.reopen_item
    assert followup.description_en == "account closed"


def test_retry_after_confirmation_and_contact_with_retry() -> None:
    policy = parse_policy(policy_data())
    blocked = followup_for("AC06", 0, policy)
    assert blocked.action is Action.CONTACT_CUSTOMER
    assert blocked.retry_on_confirmation and not blocked.represents
    again = followup_for("AC06", 1, policy)
    assert again.action is Action.MANUAL_REVIEW and not again.retry_on_confirmation
    unspecified = followup_for("MS03", 0, policy)
    assert unspecified.action is Action.CONTACT_CUSTOMER
    assert unspecified.represent_after_days == 7
    assert not followup_for("MS03", 1, policy).represents


def test_unknown_codes_follow_the_default() -> None:
    policy = parse_policy(policy_data())
    followup = followup_for("ZZ99", 0, policy)
    assert (followup.rule_key, followup.action, followup.reason_code) == (
        DEFAULT_RULE_KEY,
        Action.MANUAL_REVIEW,
        "ZZ99",
    )
    with pytest.raises(ValidationError, match="negative"):
        followup_for("AM04", -1, policy)


@given(st.sampled_from(["AM04", "AC04", "AC06", "MS03", "AM05", "XX01"]), st.integers(0, 20))
def test_followups_are_consistent(code: str, attempts: int) -> None:
    policy = parse_policy(policy_data())
    followup = followup_for(code, attempts, policy)
    _, rule = policy.rule_for(code)
    assert followup.retries_left == max(rule.retry.max_times - attempts, 0)
    assert not (followup.represents and followup.retry_on_confirmation)
    assert followup.represents <= (followup.retries_left > 0)
    if followup.action is Action.REPRESENT:
        assert followup.represents
    assert followup.attempt == attempts + 1


def test_every_problem_is_reported_with_its_key() -> None:
    data = policy_data()
    data["colour"] = "blue"
    del data["version"]
    am04 = data["rules"]["AM04"]
    am04["action"] = "represnt"
    am04["retry"]["max_times"] = MAX_RETRIES + 1
    am04["retry"]["after_day"] = 3
    data["rules"]["AC04"]["suspend_mandate"] = "yes"
    data["rules"]["AC04"]["description"] = {"it": "conto chiuso"}
    data["rules"]["AC06"]["on_exhausted"] = "represent"
    data["rules"]["ms03"] = copy.deepcopy(data["rules"]["MS03"])
    keys = {problem.key for problem in problems_of(data)}
    assert keys == {
        "colour",
        "version",
        "rules.AM04.action",
        "rules.AM04.retry.max_times",
        "rules.AM04.retry.after_day",
        "rules.AC04.suspend_mandate",
        "rules.AC04.description.en",
        "rules.AC06.on_exhausted",
        "rules.ms03",
    }


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"retry": {"max_times": 0}}, "rules.AM04.retry", "automatic retries"),
        ({"retry": {"max_times": 1, "after_days": 0}}, "rules.AM04.retry.after_days", "1 day"),
        ({"retry": {"max_times": 1, "after_days": 3, "automatic": False}}, "rules.AM04.retry",
         "automatic"),
        ({"retry": {"max_times": 1, "after_days": 61}}, "rules.AM04.retry.after_days", "0 to 60"),
        ({"retry": {"max_times": -1, "after_days": 3}}, "rules.AM04.retry.max_times", "0 to 5"),
        ({"retry": {"max_times": True}}, "rules.AM04.retry.max_times", "whole number"),
        ({"retry": 2}, "rules.AM04.retry", "table"),
        ({"on_exhausted": "represent"}, "rules.AM04.on_exhausted", "cannot be"),
        ({"description": "funds"}, "rules.AM04.description", "table"),
        ({"description": {"it": "x", "en": "y", "de": "z"}}, "rules.AM04.description.de",
         "language"),
    ],
)  # fmt: skip
def test_insane_rules(change: dict[str, Any], key: str, message: str) -> None:
    data = policy_data()
    data["rules"]["AM04"].update(change)
    found = [p for p in problems_of(data) if p.key == key]
    assert found and message in found[0].message, problems_of(data)


def test_retry_days_without_retries() -> None:
    data = policy_data()
    data["rules"]["AC04"]["retry"] = {"after_days": 5}
    assert [p.key for p in problems_of(data)] == ["rules.AC04.retry.after_days"]


def test_structure_problems() -> None:
    assert [p.key for p in problems_of({"version": "x", "rules": {}})] == ["default"]
    assert [p.key for p in problems_of({"version": "x", "default": 3})] == ["default"]
    data = policy_data()
    data["rules"] = ["AM04"]
    assert [p.key for p in problems_of(data)] == ["rules"]
    data = policy_data()
    data["default"] = {"description": description("x")}
    assert [(p.key, "missing" in p.message) for p in problems_of(data)] == [
        ("default.action", True)
    ]


def test_policy_error_message() -> None:
    error = PolicyError([PolicyProblem("rules.AM04.action", "unknown", 12)], "my.toml")
    assert str(error) == "my.toml: line 12: rules.AM04.action: unknown"
    assert isinstance(error, ValidationError)


def test_validate_policy_built_in_code() -> None:
    bad = SddPolicy(
        version="code",
        default=Rule(Action.MANUAL_REVIEW, "rivedere", "review"),
        rules={
            "am04": Rule(Action.REPRESENT, "fondi", "funds", retry=Retry(max_times=0)),
            "AC04": Rule(Action.NEW_IBAN, "", "closed"),
        },
    )
    keys = [p.key for p in validate_policy(bad)]
    assert keys == [
        "rules.am04",
        "rules.am04.retry",
        "rules.am04.retry.after_days",
        "rules.AC04.description",
    ]
