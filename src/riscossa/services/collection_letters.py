"""Formal-notice letters of a stored run: who signs them, and the dates the law sets.

The sender, the IBAN and the other ways to pay are the ``[letters]`` table of
``collections.toml``; the payment deadline and the first day the supply may be acted on come
from the regulatory clocks (``domain.regulatory``), for the channel the notice goes by. The
layout is ``adapters.lot_exports.write_notice_letters``.

Only a formal notice (``formal_notice``) sent by raccomandata or PEC becomes a letter: an
ordinary-mail reminder is not a notice, and telco notices follow other rules (L. 160/2019)
that the layout does not print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from stdnum import iban as std_iban
from stdnum.it import iva

from riscossa.adapters.lot_exports import Delivery, LetterSettings, LotEntry, NoticeLetter, Sender
from riscossa.adapters.lot_exports import Supply as LetterSupply
from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError
from riscossa.domain.italian_calendar import ITALY
from riscossa.domain.regulatory import (
    ENERGY,
    NoticeChannel,
    RegulatorySettings,
    Supply,
    earliest_suspension_request,
    notice_deadline,
    supply_of,
    water_earliest_limitation,
)
from riscossa.services.collections_run import COLLECTIONS
from riscossa.services.policies import (
    POLICY_PACKAGE,
    load_toml,
    read_policy_file,
    shipped_policy_text,
)

NOTICE_ACTION = "formal_notice"
# The channels a notice may go by, as printed and as the clocks count them.
DELIVERIES: Mapping[str, tuple[Delivery, NoticeChannel]] = {
    "raccomandata": (Delivery.RACCOMANDATA, NoticeChannel.RACCOMANDATA_AR),
    "pec": (Delivery.PEC, NoticeChannel.PEC),
}
_LETTER_SUPPLY = {
    Supply.ELECTRICITY_LOW_VOLTAGE: LetterSupply.ELECTRICITY_LOW_VOLTAGE,
    Supply.ELECTRICITY_HIGHER_VOLTAGE: LetterSupply.ELECTRICITY,
    Supply.GAS: LetterSupply.GAS,
    Supply.WATER: LetterSupply.WATER,
}


@dataclass(frozen=True, slots=True)
class LetterPolicy:
    """What the letters print (``settings``) and the days assumed between the letter's date
    and its dispatch, and between a raccomandata's dispatch and its receipt."""

    settings: LetterSettings
    dispatch_days: int = 1
    delivery_days: int = 5


def parse_letter_policy(data: Mapping[str, Any], source: str) -> LetterPolicy:
    """The ``[letters]`` table of a collections settings file."""
    letters = data.get("letters")
    if not isinstance(letters, Mapping):
        raise ValidationError(f"{source}: a [letters] table is needed to print letters")

    def text(key: str, *, required: bool = True) -> str:
        value = letters.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise ValidationError(f"{source}: letters.{key} must be a non-empty text")
        return value.strip()

    def whole(key: str, default: int) -> int:
        value = letters.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 30:
            raise ValidationError(f"{source}: letters.{key} must be a whole number of days 0-30")
        return value

    vat = text("vat_number", required=False)
    if vat and not iva.is_valid(vat):
        raise ValidationError(f"{source}: letters.vat_number {vat!r} is not a valid partita IVA")
    account = std_iban.compact(text("iban"))
    if not std_iban.is_valid(account):
        raise ValidationError(f"{source}: letters.iban {account!r} is not a valid IBAN")
    methods = letters.get("payment_methods", [])
    if not isinstance(methods, list) or any(
        not isinstance(m, str) or not m.strip() for m in methods
    ):
        raise ValidationError(f"{source}: letters.payment_methods must be a list of texts")
    sender = Sender(
        name=text("sender_name"),
        address=text("address"),
        postcode=text("postcode"),
        city=text("city"),
        province=text("province", required=False),
        vat_number=vat,
        phone=text("phone", required=False),
        email=text("email", required=False),
        pec=text("pec", required=False),
    )
    transfer = f"bonifico bancario sull'IBAN {std_iban.format(account)} intestato a {sender.name}"
    settings = LetterSettings(
        sender=sender,
        place=text("place"),
        payment_methods=(transfer, *(m.strip() for m in methods)),
    )
    return LetterPolicy(settings, whole("dispatch_days", 1), whole("delivery_days", 5))


@cache
def default_letter_policy() -> LetterPolicy:
    source = f"{POLICY_PACKAGE}/{COLLECTIONS}"
    return parse_letter_policy(load_toml(shipped_policy_text(COLLECTIONS), source), source)


def load_letter_policy(path: str | Path | None = None) -> LetterPolicy:
    if path is None:
        return default_letter_policy()
    text = read_policy_file(path, "collections settings file")
    return parse_letter_policy(load_toml(text, str(path)), str(path))


@dataclass(frozen=True, slots=True)
class NoticeDates:
    dispatched_on: dt.date
    notified_on: dt.date
    deadline: dt.date
    action_from: dt.date


def notice_dates(
    channel: str,
    supply: Supply,
    letter_date: dt.date,
    *,
    policy: LetterPolicy,
    regulatory: RegulatorySettings,
) -> NoticeDates:
    """The deadline a notice dated ``letter_date`` gives, and the first day the supply may be
    reduced, limited or suspended after it. A PEC is taken as delivered the day it is sent."""
    _, notice_channel = _delivery(channel)
    dispatched = letter_date + dt.timedelta(days=policy.dispatch_days)
    if notice_channel is NoticeChannel.PEC:
        notified = dispatched
        deadline = notice_deadline(notice_channel, None, notified, letter_date, settings=regulatory)
    else:
        notified = dispatched + dt.timedelta(days=policy.delivery_days)
        deadline = notice_deadline(
            notice_channel, dispatched, None, letter_date, settings=regulatory
        )
    if supply in ENERGY:
        action_from = earliest_suspension_request(supply, deadline, notified, settings=regulatory)
    elif supply is Supply.WATER:
        action_from = max(
            water_earliest_limitation(notified, settings=regulatory),
            ITALY.next_working_day(deadline),
        )
    else:
        raise ValidationError(f"{supply} notices are not printed: they follow other rules")
    return NoticeDates(dispatched, notified, deadline, action_from)


def notice_letter(
    entry: LotEntry,
    utility: Utility,
    letter_date: dt.date,
    *,
    policy: LetterPolicy,
    regulatory: RegulatorySettings,
) -> NoticeLetter:
    """One customer's notice for the supply of their contract (electricity as low voltage:
    the ledger does not record the voltage, and low voltage has the customer's clocks)."""
    code = entry.customer.code
    supply = supply_of(utility)
    if supply not in _LETTER_SUPPLY:
        raise ValidationError(
            f"notice to customer {code}: {utility} notices have no letter layout "
            "(export them as CSV or XLSX)"
        )
    delivery, _ = _delivery(entry.channel)
    dates = notice_dates(entry.channel, supply, letter_date, policy=policy, regulatory=regulatory)
    return NoticeLetter(
        entry=entry,
        letter_date=letter_date,
        deadline=dates.deadline,
        action_from=dates.action_from,
        supply=_LETTER_SUPPLY[supply],
        delivery=delivery,
    )


def _delivery(channel: str) -> tuple[Delivery, NoticeChannel]:
    try:
        return DELIVERIES[channel]
    except KeyError:
        raise ValidationError(
            f"a formal notice goes by {' or '.join(DELIVERIES)}, not {channel}"
        ) from None
