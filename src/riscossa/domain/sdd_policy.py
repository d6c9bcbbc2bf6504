"""What to do after an SDD R-transaction (reject, return, refund), by reason code, as data.

The rulebooks fix the reason codes, not the creditor's answer to them: retries and contacts
are market practice, so they live in a policy (shipped as riscossa/policies/sdd_followups.toml,
replaceable by the credit manager) that parse_policy turns into frozen dataclasses and
followup_for applies. Problems in a policy are collected all at once, each naming its key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from riscossa.domain.errors import ValidationError

DEFAULT_RULE_KEY = "default"
MAX_RETRIES = 5  # re-presenting more often only adds bank fees and annoys the debtor
MAX_RETRY_DAYS = 60
REASON_CODE = re.compile("[A-Z0-9]{4}")


class Action(StrEnum):
    REPRESENT = "represent"
    NEW_IBAN = "new_iban"
    NEW_MANDATE = "new_mandate"
    RETENTION_CONTACT = "retention_contact"
    CONTACT_CUSTOMER = "contact_customer"
    STOP = "stop"
    FIX_FILE = "fix_file"
    MANUAL_REVIEW = "manual_review"
    DUNNING = "dunning"


@dataclass(frozen=True, slots=True)
class Retry:
    """Up to ``max_times`` new presentations of the same item, ``after_days`` calendar days
    after the R-transaction; ``automatic`` False means only once someone confirms the cause
    is gone (account unblocked, file fixed)."""

    max_times: int = 0
    after_days: int = 0
    automatic: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    """The answer to one reason code; ``on_exhausted`` takes over once retries run out."""

    action: Action
    description_it: str
    description_en: str
    retry: Retry = Retry()
    on_exhausted: Action = Action.MANUAL_REVIEW
    suspend_mandate: bool = False
    reopen_item: bool = True


@dataclass(frozen=True, slots=True)
class SddPolicy:
    """Rules by reason code, and the rule for codes it does not list."""

    version: str
    default: Rule
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def rule_for(self, reason_code: str) -> tuple[str, Rule]:
        """The key of the rule that applies (the code, or "default") and the rule."""
        code = reason_code.strip().upper()
        rule = self.rules.get(code)
        return (code, rule) if rule is not None else (DEFAULT_RULE_KEY, self.default)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The next step for one R-transaction of an item.

    ``represent_after_days`` is set when the item is to be presented again automatically;
    ``retry_on_confirmation`` when it may be, once someone confirms the cause is gone.
    """

    reason_code: str
    rule_key: str
    action: Action
    attempt: int
    retries_left: int
    represent_after_days: int | None
    retry_on_confirmation: bool
    suspend_mandate: bool
    reopen_item: bool
    description_it: str
    description_en: str

    @property
    def represents(self) -> bool:
        return self.represent_after_days is not None

    @property
    def after_days(self) -> int:
        """Calendar days from the R-transaction to the re-presentation; 0 when none is due."""
        return self.represent_after_days or 0


def followup_for(reason_code: str, attempts_so_far: int, policy: SddPolicy) -> FollowUp:
    """The follow-up of an item's R-transaction after ``attempts_so_far`` re-presentations.

    E.g. AM04 with the shipped policy: re-present after 7 days on the first and second
    returns; the third return (two re-presentations made) goes to dunning instead.
    """
    if attempts_so_far < 0:
        raise ValidationError(f"attempts so far must not be negative, got {attempts_so_far}")
    key, rule = policy.rule_for(reason_code)
    retries_left = max(rule.retry.max_times - attempts_so_far, 0)
    exhausted = rule.retry.max_times > 0 and retries_left == 0
    action = rule.on_exhausted if exhausted else rule.action
    automatic = retries_left > 0 and rule.retry.automatic
    return FollowUp(
        reason_code=reason_code.strip().upper(),
        rule_key=key,
        action=action,
        attempt=attempts_so_far + 1,
        retries_left=retries_left,
        represent_after_days=rule.retry.after_days if automatic else None,
        retry_on_confirmation=retries_left > 0 and not rule.retry.automatic,
        suspend_mandate=rule.suspend_mandate,
        reopen_item=rule.reopen_item,
        description_it=rule.description_it,
        description_en=rule.description_en,
    )


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong in a policy: the dotted key, what is wrong, and where if known."""

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


class PolicyError(ValidationError):
    """A policy that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[PolicyProblem], source: str = "policy") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(map(str, problems)))


_RULE_KEYS = frozenset(
    {"action", "retry", "on_exhausted", "suspend_mandate", "reopen_item", "description"}
)
_RETRY_KEYS = frozenset({"max_times", "after_days", "automatic"})
_ACTION_VALUES = frozenset(action.value for action in Action)
_ACTIONS = ", ".join(action.value for action in Action)


def parse_policy(data: Mapping[str, object]) -> SddPolicy:
    """An SddPolicy from parsed TOML (tables and values); raises PolicyError listing every problem.

    Shape: ``version = "..."``, a ``[default]`` rule and ``[rules.<CODE>]`` rules, each with
    action, optional retry = {max_times, after_days, automatic}, on_exhausted,
    suspend_mandate, reopen_item and description = {it, en}.
    """
    problems: list[PolicyProblem] = []
    for key in sorted(set(data) - {"version", "default", "rules"}):
        problems.append(PolicyProblem(key, "unknown key; expected version, default, rules"))
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(PolicyProblem("version", "a non-empty string naming this policy"))
        version = ""
    default = _rule(data.get("default"), DEFAULT_RULE_KEY, problems)
    rules: dict[str, Rule] = {}
    table = data.get("rules", {})
    if not isinstance(table, Mapping):
        problems.append(PolicyProblem("rules", "must be a table of reason codes"))
        table = {}
    for code, value in table.items():
        key = f"rules.{code}"
        if not REASON_CODE.fullmatch(code):
            problems.append(PolicyProblem(key, "reason codes are 4 upper-case letters or digits"))
        rule = _rule(value, key, problems)
        if rule is not None:
            rules[code] = rule
    if problems or default is None:
        raise PolicyError(problems or [PolicyProblem(DEFAULT_RULE_KEY, "missing")])
    return SddPolicy(version=version, default=default, rules=rules)


def validate_policy(policy: SddPolicy) -> list[PolicyProblem]:
    """Problems in an SddPolicy built in code (parse_policy already refuses them)."""
    problems: list[PolicyProblem] = []
    _check_rule(policy.default, DEFAULT_RULE_KEY, problems)
    for code, rule in policy.rules.items():
        if not REASON_CODE.fullmatch(code):
            problems.append(
                PolicyProblem(f"rules.{code}", "reason codes are 4 upper-case letters or digits")
            )
        _check_rule(rule, f"rules.{code}", problems)
    return problems


def _rule(value: object, key: str, problems: list[PolicyProblem]) -> Rule | None:
    if value is None:
        problems.append(PolicyProblem(key, "missing"))
        return None
    if not isinstance(value, Mapping):
        problems.append(PolicyProblem(key, "must be a table"))
        return None
    before = len(problems)
    for extra in sorted(set(value) - _RULE_KEYS):
        problems.append(
            PolicyProblem(
                f"{key}.{extra}", f"unknown key; expected {', '.join(sorted(_RULE_KEYS))}"
            )
        )
    action = _action(value.get("action"), f"{key}.action", problems, required=True)
    on_exhausted = _action(value.get("on_exhausted"), f"{key}.on_exhausted", problems)
    retry = _retry(value.get("retry"), f"{key}.retry", problems)
    suspend = _bool(value.get("suspend_mandate", False), f"{key}.suspend_mandate", problems)
    reopen = _bool(value.get("reopen_item", True), f"{key}.reopen_item", problems)
    description_it, description_en = _description(
        value.get("description"), f"{key}.description", problems
    )
    rule = Rule(
        action=action or Action.MANUAL_REVIEW,
        description_it=description_it,
        description_en=description_en,
        retry=retry,
        on_exhausted=on_exhausted or Action.MANUAL_REVIEW,
        suspend_mandate=suspend,
        reopen_item=reopen,
    )
    # Check the values that read well, without repeating what was already said about a key.
    reported = [problem.key for problem in problems[before:]]
    checked: list[PolicyProblem] = []
    _check_rule(rule, key, checked)
    problems.extend(p for p in checked if not any(_related(p.key, r) for r in reported))
    return rule if len(problems) == before else None


def _related(key: str, other: str) -> bool:
    return key == other or key.startswith(other + ".") or other.startswith(key + ".")


def _check_rule(rule: Rule, key: str, problems: list[PolicyProblem]) -> None:
    retry = rule.retry
    if not 0 <= retry.max_times <= MAX_RETRIES:
        problems.append(PolicyProblem(f"{key}.retry.max_times", f"must be 0 to {MAX_RETRIES}"))
    if not 0 <= retry.after_days <= MAX_RETRY_DAYS:
        problems.append(
            PolicyProblem(f"{key}.retry.after_days", f"must be 0 to {MAX_RETRY_DAYS} days")
        )
    if rule.action is Action.REPRESENT:
        if retry.max_times < 1 or not retry.automatic:
            problems.append(
                PolicyProblem(
                    f"{key}.retry", "action 'represent' needs automatic retries (max_times >= 1)"
                )
            )
        if retry.after_days < 1:
            problems.append(
                PolicyProblem(
                    f"{key}.retry.after_days",
                    "re-presenting needs at least 1 day: the debit just failed",
                )
            )
    if retry.max_times == 0 and retry.after_days:
        problems.append(PolicyProblem(f"{key}.retry.after_days", "set but max_times is 0"))
    if rule.on_exhausted is Action.REPRESENT:
        problems.append(
            PolicyProblem(f"{key}.on_exhausted", "cannot be 'represent': the retries ran out")
        )
    if not rule.description_it.strip() or not rule.description_en.strip():
        problems.append(PolicyProblem(f"{key}.description", "needs both 'it' and 'en' text"))


def _action(
    value: object, key: str, problems: list[PolicyProblem], *, required: bool = False
) -> Action | None:
    if value is None:
        if required:
            problems.append(PolicyProblem(key, f"missing; one of {_ACTIONS}"))
        return None
    if isinstance(value, str) and value in _ACTION_VALUES:
        return Action(value)
    problems.append(PolicyProblem(key, f"unknown action {value!r}; one of {_ACTIONS}"))
    return None


def _retry(value: object, key: str, problems: list[PolicyProblem]) -> Retry:
    if value is None:
        return Retry()
    if not isinstance(value, Mapping):
        problems.append(PolicyProblem(key, "must be a table {max_times, after_days, automatic}"))
        return Retry()
    for extra in sorted(set(value) - _RETRY_KEYS):
        problems.append(
            PolicyProblem(
                f"{key}.{extra}", f"unknown key; expected {', '.join(sorted(_RETRY_KEYS))}"
            )
        )
    return Retry(
        max_times=_int(value.get("max_times", 0), f"{key}.max_times", problems),
        after_days=_int(value.get("after_days", 0), f"{key}.after_days", problems),
        automatic=_bool(value.get("automatic", True), f"{key}.automatic", problems),
    )


def _int(value: object, key: str, problems: list[PolicyProblem]) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.append(PolicyProblem(key, f"must be a whole number, got {value!r}"))
    return 0


def _bool(value: object, key: str, problems: list[PolicyProblem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(PolicyProblem(key, f"must be true or false, got {value!r}"))
    return False


def _description(value: object, key: str, problems: list[PolicyProblem]) -> tuple[str, str]:
    if not isinstance(value, Mapping):
        problems.append(PolicyProblem(key, "must be a table with 'it' and 'en' text"))
        return "", ""
    for extra in sorted(set(value) - {"it", "en"}):
        problems.append(PolicyProblem(f"{key}.{extra}", "unknown language; expected it, en"))
    texts = []
    for language in ("it", "en"):
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            problems.append(PolicyProblem(f"{key}.{language}", "must be non-empty text"))
            text = ""
        texts.append(text)
    return texts[0], texts[1]
