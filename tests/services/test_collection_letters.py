"""The ``[letters]`` settings and the dates a formal notice prints."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from typing import Any

import pytest

from riscossa.adapters.lot_exports import Delivery, LotEntry
from riscossa.adapters.lot_exports import Supply as LetterSupply
from riscossa.domain.contracts import Utility
from riscossa.domain.customers import Customer
from riscossa.domain.errors import ValidationError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import OpenItem
from riscossa.domain.money import Money
from riscossa.domain.regulatory import Supply
from riscossa.services.collection_letters import (
    default_letter_policy,
    notice_dates,
    notice_letter,
    parse_letter_policy,
)
from riscossa.services.regulatory_settings import default_regulatory_settings

FRIDAY = dt.date(2026, 11, 20)
REG = default_regulatory_settings()


def _shipped() -> dict[str, Any]:
    text = resources.files("riscossa.policies").joinpath("collections.toml").read_text("utf-8")
    return tomllib.loads(text)


def _entry(channel: str) -> LotEntry:
    item = OpenItem(
        number="FT2026-000001",
        kind=InvoiceKind.INVOICE,
        issue_date=dt.date(2026, 9, 1),
        due_date=dt.date(2026, 9, 21),
        amount=Money(12345),
        allocated=Money(0),
        disputed=False,
    )
    return LotEntry(Customer(code="C-1", name="Mario Rossi"), (item,), "formal_notice", channel)


def test_the_shipped_letters_table_parses() -> None:
    policy = default_letter_policy()
    s = policy.settings
    assert (s.sender.name, s.sender.postcode, s.sender.vat_number, s.place) == (
        "Riscossa Demo Energia S.p.A.",
        "20123",
        "12345670017",
        "Milano",
    )
    assert s.payment_methods[0] == (
        "bonifico bancario sull'IBAN IT60 X054 2811 1010 0000 0123 456 intestato a "
        "Riscossa Demo Energia S.p.A."
    )
    assert len(s.payment_methods) == 3
    assert (policy.dispatch_days, policy.delivery_days) == (1, 5)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("iban", "IT60X0542811101000000123457", r"letters\.iban .* not a valid IBAN"),
        ("vat_number", "12345670018", r"letters\.vat_number .* not a valid partita IVA"),
        ("sender_name", " ", r"letters\.sender_name must be a non-empty text"),
        ("payment_methods", "bonifico", r"letters\.payment_methods must be a list"),
        ("dispatch_days", -1, r"letters\.dispatch_days must be a whole number of days"),
    ],
)
def test_bad_letters_settings_name_the_key(key: str, value: object, message: str) -> None:
    data = _shipped()
    data["letters"][key] = value
    with pytest.raises(ValidationError, match=f"^test.toml: {message}"):
        parse_letter_policy(data, "test.toml")


def test_no_letters_table_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"test.toml: a \[letters\] table is needed"):
        parse_letter_policy({"thresholds": {}}, "test.toml")


@pytest.mark.parametrize(
    ("channel", "supply", "deadline", "action_from"),
    [
        # posted Sat 21/11; +15 = Sun 06/12 -> Mon 07/12; received 26/11 +25 = 21/12
        (
            "raccomandata",
            Supply.ELECTRICITY_LOW_VOLTAGE,
            dt.date(2026, 12, 7),
            dt.date(2026, 12, 21),
        ),
        # gas: 40 days from receipt, 26/11 -> 05/01/2027
        ("raccomandata", Supply.GAS, dt.date(2026, 12, 7), dt.date(2027, 1, 5)),
        # PEC delivered 21/11 +10 = Tue 01/12; 21/11 + 25 = 16/12
        ("pec", Supply.ELECTRICITY_LOW_VOLTAGE, dt.date(2026, 12, 1), dt.date(2026, 12, 16)),
        # water: 40 days from receipt = 31/12, next working day past 1/1 and Sat 2/1 = 4/1
        ("pec", Supply.WATER, dt.date(2026, 12, 1), dt.date(2027, 1, 4)),
    ],
)
def test_notice_dates_follow_the_clocks(
    channel: str, supply: Supply, deadline: dt.date, action_from: dt.date
) -> None:
    dates = notice_dates(channel, supply, FRIDAY, policy=default_letter_policy(), regulatory=REG)
    assert (dates.dispatched_on, dates.deadline, dates.action_from) == (
        dt.date(2026, 11, 21),
        deadline,
        action_from,
    )


def test_a_letter_for_the_contract_supply() -> None:
    letter = notice_letter(
        _entry("pec"), Utility.WATER, FRIDAY, policy=default_letter_policy(), regulatory=REG
    )
    assert (letter.supply, letter.delivery, letter.deadline) == (
        LetterSupply.WATER,
        Delivery.PEC,
        dt.date(2026, 12, 1),
    )


def test_telco_and_ordinary_mail_are_refused() -> None:
    policy = default_letter_policy()
    with pytest.raises(ValidationError, match="customer C-1: telco notices have no letter layout"):
        notice_letter(_entry("raccomandata"), Utility.TELCO, FRIDAY, policy=policy, regulatory=REG)
    with pytest.raises(ValidationError, match="goes by raccomandata or pec, not letter"):
        notice_letter(_entry("letter"), Utility.GAS, FRIDAY, policy=policy, regulatory=REG)
