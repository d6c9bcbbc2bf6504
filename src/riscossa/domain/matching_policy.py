"""The matching policy: which rules post by themselves, and how sure each one is.

A credit manager tunes these without a release (how much a fuzzy name may decide, the
tolerance on underpayments), so they are data; this module only checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from riscossa.domain.errors import ValidationError

IDENTITIES = ("reference", "invoice_number", "customer", "iban", "tax_code", "alias", "name")
AMOUNT_RULES = ("exact_item", "total_due", "subset", "tolerance", "by_law")


@dataclass(frozen=True, slots=True)
class Rule:
    confidence: float
    automatic: bool


@dataclass(frozen=True, slots=True)
class MatchingPolicy:
    version: str
    name_threshold: int
    name_margin: int
    tolerance_cents: int
    subset_max_items: int
    identity: Mapping[str, Rule]
    amount: Mapping[str, Rule]

    def confidence(self, identity: str, amount_rule: str | None) -> float:
        factor = self.amount[amount_rule].confidence if amount_rule else 1.0
        return round(self.identity[identity].confidence * factor, 4)

    def automatic(self, identity: str, amount_rule: str | None) -> bool:
        """Whether an allocation found this way posts without review.

        A fuzzy name alone never decides: with an exact amount (one item, or the total due)
        the two weak signals together are as good as an IBAN.
        """
        if identity == "name" and amount_rule in ("exact_item", "total_due"):
            return True
        if not self.identity[identity].automatic:
            return False
        return amount_rule is None or self.amount[amount_rule].automatic


def parse_matching_policy(data: Mapping[str, Any], source: str) -> MatchingPolicy:
    """A policy from parsed TOML; ValidationError names the file and the key."""

    def fail(key: str, message: str) -> ValidationError:
        return ValidationError(f"{source}: {key}: {message}")

    def integer(key: str, low: int, high: int) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def rules(section: str, names: tuple[str, ...]) -> dict[str, Rule]:
        table = data.get(section)
        if not isinstance(table, Mapping):
            raise fail(section, "missing table")
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise fail(f"{section}.{unknown[0]}", f"unknown rule (known: {', '.join(names)})")
        out: dict[str, Rule] = {}
        for name in names:
            entry = table.get(name)
            key = f"{section}.{name}"
            if not isinstance(entry, Mapping):
                raise fail(key, "missing (confidence and automatic)")
            confidence = entry.get("confidence")
            automatic = entry.get("automatic")
            if not isinstance(confidence, int | float) or isinstance(confidence, bool):
                raise fail(key, f"confidence must be a number, not {confidence!r}")
            if not 0 <= confidence <= 1:
                raise fail(key, f"confidence must be between 0 and 1, not {confidence}")
            if not isinstance(automatic, bool):
                raise fail(key, f"automatic must be true or false, not {automatic!r}")
            out[name] = Rule(float(confidence), automatic)
        return out

    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise fail("version", "missing: give the policy a version")
    return MatchingPolicy(
        version=version,
        name_threshold=integer("name_threshold", 50, 100),
        name_margin=integer("name_margin", 0, 50),
        tolerance_cents=integer("tolerance_cents", 0, 100_000),
        subset_max_items=integer("subset_max_items", 2, 20),
        identity=rules("identity", IDENTITIES),
        amount=rules("amount", AMOUNT_RULES),
    )
