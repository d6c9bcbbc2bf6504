"""Loading SDD follow-up policies: the shipped file, a user's file, and errors with lines."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from riscossa.domain.errors import NotFoundError
from riscossa.domain.sdd_policy import Action, PolicyError, followup_for
from riscossa.services.policies import (
    POLICY_PACKAGE,
    SDD_FOLLOWUPS,
    default_sdd_policy,
    key_lines,
    load_sdd_policy,
    parse_sdd_policy,
    shipped_policy_text,
)

# Every reason code of the SDD table in the domain reference.
DOMAIN_CODES = {
    *("AC01", "AC04", "AC06", "AC13", "AG01", "AG02", "AM04", "AM05", "BE05", "CNOR", "DNOR"),
    *("FF01", "MD01", "MD02", "MD06", "MD07", "MS02", "MS03", "RC01", "RR01", "RR02", "RR03"),
    *("RR04", "SL01"),
}


def test_shipped_policy_is_package_data() -> None:
    assert resources.files(POLICY_PACKAGE).joinpath(SDD_FOLLOWUPS).is_file()
    policy = load_sdd_policy()
    assert policy is default_sdd_policy()
    assert policy.version
    assert set(policy.rules) == DOMAIN_CODES


def test_shipped_am04() -> None:
    policy = load_sdd_policy()
    steps = [followup_for("AM04", attempts, policy) for attempts in range(3)]
    assert [s.action for s in steps] == [Action.REPRESENT, Action.REPRESENT, Action.DUNNING]
    assert [s.represent_after_days for s in steps] == [7, 7, None]


@pytest.mark.parametrize(
    ("code", "action"),
    [
        ("AC01", Action.NEW_IBAN),
        ("AC04", Action.NEW_IBAN),
        ("AG01", Action.NEW_IBAN),
        ("MD01", Action.NEW_MANDATE),
        ("AC13", Action.NEW_MANDATE),
    ],
)
def test_shipped_account_and_mandate_codes_never_retry(code: str, action: Action) -> None:
    followup = followup_for(code, 0, load_sdd_policy())
    assert followup.action is action
    assert followup.suspend_mandate
    assert not followup.represents and not followup.retry_on_confirmation


def test_shipped_contacts_and_stops() -> None:
    policy = load_sdd_policy()
    for code in ("MS02", "MD06"):
        followup = followup_for(code, 0, policy)
        assert followup.action is Action.RETENTION_CONTACT and not followup.represents
    estate = followup_for("MD07", 0, policy)
    assert estate.action is Action.STOP and estate.suspend_mandate
    blocked = followup_for("AC06", 0, policy)
    assert blocked.action is Action.CONTACT_CUSTOMER and blocked.retry_on_confirmation
    unspecified = followup_for("MS03", 0, policy)
    assert unspecified.action is Action.CONTACT_CUSTOMER and unspecified.represents
    assert not followup_for("MS03", 1, policy).represents
    assert not followup_for("AM05", 0, policy).reopen_item
    unknown = followup_for("AC05", 0, policy)
    assert unknown.action is Action.MANUAL_REVIEW and unknown.rule_key == "default"
    for followup in (estate, blocked, unknown):
        assert followup.description_it and followup.description_en


def test_user_file(tmp_path: Path) -> None:
    text = shipped_policy_text().replace(
        "retry = { max_times = 2, after_days = 7, automatic = true }",
        "retry = { max_times = 3, after_days = 10, automatic = true }",
    )
    assert text != shipped_policy_text()
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('version = "', 'version = "mine-'), encoding="utf-8")
    policy = load_sdd_policy(path)
    assert policy.version.startswith("mine-")
    assert followup_for("AM04", 2, policy).represent_after_days == 10
    assert followup_for("AM04", 3, policy).action is Action.DUNNING
    assert load_sdd_policy(str(path)) == policy


def errors_of(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_sdd_policy(text, "mine.toml")
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_value_errors_name_key_and_line() -> None:
    shipped = shipped_policy_text()
    text = (
        shipped.replace('action = "represent"', 'action = "re-present"')
        .replace("max_times = 1, after_days = 7", "max_times = 9, after_days = 7")
        .replace('description.en = "Debtor deceased', 'description.de = "Debtor deceased')
        .replace("[rules.CNOR]\naction", "[rules.CNOR]\nactions")
    )
    error = errors_of(text)
    where = {(p.key, p.line) for p in error.problems}
    assert where == {
        ("rules.AM04.action", line_of(text, 'action = "re-present"')),
        ("rules.MS03.retry.max_times", line_of(text, "max_times = 9")),
        ("rules.MD07.description.de", line_of(text, "description.de")),
        ("rules.MD07.description.en", line_of(text, "[rules.MD07]")),
        ("rules.CNOR.actions", line_of(text, "actions = ")),
        ("rules.CNOR.action", line_of(text, "[rules.CNOR]")),
    }
    message = str(error)
    assert message.startswith("mine.toml: line ")
    assert "rules.AM04.action: unknown action 're-present'" in message


def test_syntax_errors_give_tomllib_line() -> None:
    error = errors_of('version = "x"\n[default]\naction = manual_review\n')
    assert len(error.problems) == 1
    assert error.problems[0].line == 3 and error.problems[0].key == ""
    assert "line 3" in str(error)
    duplicate = errors_of('version = "x"\n[rules.AM04]\n[rules.AM04]\n')
    assert duplicate.problems[0].line == 3
    unfinished = errors_of('version = "x"\nrules = [1,\n')
    assert unfinished.problems[0].line == 2


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_sdd_policy(tmp_path / "absent.toml")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('version = "perché"\n'.encode("latin-1"))
    with pytest.raises(PolicyError, match="UTF-8"):
        load_sdd_policy(latin1)


def test_key_lines() -> None:
    text = (
        "# comment\n"
        'version = "1"\n'
        "[rules.AM04]\n"
        'action = "represent"  # inline comment\n'
        "retry = { max_times = 2, after_days = 7 }\n"
        'description.it = "x"\n'
        '[rules."AC01"]\n'
        "suspend_mandate = true\n"
    )
    lines = key_lines(text)
    assert lines[("version",)] == 2
    assert lines[("rules", "AM04")] == 3
    assert lines[("rules", "AM04", "action")] == 4
    assert lines[("rules", "AM04", "retry", "after_days")] == 5
    assert lines[("rules", "AM04", "description", "it")] == 6
    assert lines[("rules", "AC01", "suspend_mandate")] == 8
