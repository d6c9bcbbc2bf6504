"""Regulatory clocks for arrears: exact dates on both sides of every boundary.

The figures are the shipped settings (riscossa/policies/regulatory.toml); dates are worked
out by hand on the 2026 calendar (Easter 5 April, 2 June a Tuesday, Christmas a Friday).
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError
from riscossa.domain.regulatory import (
    CustomerClass,
    Decision,
    InstalmentTerms,
    NoticeChannel,
    Reason,
    RegulatorySettings,
    Supply,
    SupplyAction,
    SuspensionFacts,
    add_years,
    earliest_due_date,
    earliest_suspension_after_power_reduction,
    earliest_suspension_request,
    first_supply_action,
    instalment_terms,
    instalments_mandatory,
    is_good_payer,
    late_interest_cents,
    next_allowed_suspension_day,
    notice_deadline,
    parse_regulatory_settings,
    payment_term_ok,
    reduced_power_percent,
    supply_of,
    suspension_allowed_on,
    telco_earliest_suspension,
    time_barred,
    water_earliest_limitation,
    water_earliest_reminder,
    water_minimum_litres_per_day,
)
from riscossa.domain.sdd_policy import PolicyError

D = dt.date
LV = Supply.ELECTRICITY_LOW_VOLTAGE


def shipped_data() -> dict[str, Any]:
    text = resources.files("riscossa.policies").joinpath("regulatory.toml").read_text("utf-8")
    return tomllib.loads(text)


SETTINGS = parse_regulatory_settings(shipped_data(), "regulatory.toml")


def settings_with(section: str, key: str, *entries: dict[str, Any]) -> RegulatorySettings:
    data = copy.deepcopy(shipped_data())
    data[section][key] = [*data[section][key], *entries]
    return parse_regulatory_settings(data, "test.toml")


# --- settings ------------------------------------------------------------------------------


def test_shipped_settings_parse_with_a_source_for_every_value() -> None:
    assert SETTINGS.version == "2026.1"
    assert len(SETTINGS.timelines) == 28
    for key, timeline in SETTINGS.timelines.items():
        assert timeline.entries, key
        assert all(entry.source for entry in timeline.entries), key


@pytest.mark.parametrize(
    "key",
    [
        "suspension.days_from_notification_low_voltage",
        "suspension.days_from_notification_other",
        "water.reminder_days_after_due",
        "water.days_after_reminder",
        "water.protected_litres_per_resident_day",
    ],
)
def test_figures_from_secondary_sources_say_so(key: str) -> None:
    assert all("(check)" in entry.source for entry in SETTINGS.timelines[key].entries)


def test_value_in_force_is_picked_by_valid_from() -> None:
    ecb = SETTINGS.payment_ecb_rate_percent
    assert ecb.at(D(2025, 6, 10)) == Decimal("2.40")
    assert ecb.at(D(2025, 6, 11)) == Decimal("2.15")
    assert SETTINGS.payment_legal_rate_percent.at(D(2025, 12, 31)) == Decimal("2.0")
    assert SETTINGS.payment_legal_rate_percent.at(D(2026, 1, 1)) == Decimal("1.6")
    assert SETTINGS.notice_pec_days.entry_at(D(2015, 12, 31)) is None
    with pytest.raises(ValidationError, match=r"notice.pec_days: no value in force on 2015-12-31"):
        SETTINGS.notice_pec_days.at(D(2015, 12, 31))
    in_force = SETTINGS.in_force_on(D(2026, 11, 23))
    entry = in_force["payment.legal_rate_percent"]
    assert entry is not None and entry.value == Decimal("1.6")
    assert "DM 10 December 2025" in entry.source


def test_a_new_entry_changes_the_clock_from_its_date_only() -> None:
    settings = settings_with(
        "notice", "pec_days", {"valid_from": D(2027, 1, 1), "value": 12, "source": "test"}
    )
    delivered = D(2027, 1, 4)  # Monday
    old = notice_deadline(NoticeChannel.PEC, None, delivered, D(2026, 12, 31), settings=settings)
    new = notice_deadline(NoticeChannel.PEC, None, delivered, D(2027, 1, 1), settings=settings)
    assert (old, new) == (D(2027, 1, 14), D(2027, 1, 18))  # +10 Thursday; +12 Saturday → Monday


def test_bad_settings_list_every_problem_with_its_key() -> None:
    data = copy.deepcopy(shipped_data())
    data["surprise"] = 1
    del data["water"]
    data["notice"]["pec_days"] = [{"valid_from": D(2016, 1, 1), "value": True, "source": "x"}]
    data["notice"]["typo_days"] = []
    data["telco"]["notice_channels"][1]["value"] = ["pec", "fax"]
    data["payment"]["ecb_rate_percent"][3]["valid_from"] = D(2020, 1, 1)
    data["payment"]["legal_rate_percent"][0]["valid_from"] = dt.datetime(2016, 1, 1, 0, 0)
    data["payment"]["term_days"][0]["source"] = " "
    data["payment"]["late_interest_spread_points"][0]["value"] = "3,5"
    data["instalments"]["min_count"][0]["extra"] = 1
    data["suspension"]["power_reduction_percent"] = []
    with pytest.raises(PolicyError) as caught:
        parse_regulatory_settings(data, "bad.toml")
    assert [p.key for p in caught.value.problems] == [
        "surprise",
        "notice.typo_days",
        "notice.pec_days[0].value",
        "suspension.power_reduction_percent",
        "water",
        "telco.notice_channels[1].value",
        "payment.term_days[0].source",
        "payment.late_interest_spread_points[0].value",
        "payment.ecb_rate_percent[3].valid_from",
        "payment.legal_rate_percent[0].valid_from",
        "instalments.min_count[0].extra",
    ]
    message = str(caught.value)
    assert message.startswith("bad.toml: ")
    assert "must come after the previous entry's date" in message
    assert "must be a date (YYYY-MM-DD)" in message
    assert "'raccomandata', 'raccomandata_ar', 'pec'" in message


def test_version_is_required() -> None:
    data = shipped_data()
    data["version"] = ""
    with pytest.raises(PolicyError, match="version: a non-empty string"):
        parse_regulatory_settings(data, "v.toml")


def test_supply_of_contract_utility() -> None:
    assert supply_of(Utility.ELECTRICITY) is LV
    assert supply_of(Utility.ELECTRICITY, low_voltage=False) is Supply.ELECTRICITY_HIGHER_VOLTAGE
    assert supply_of(Utility.GAS) is Supply.GAS
    assert supply_of(Utility.TELCO) is Supply.TELCO


# --- formal notice -------------------------------------------------------------------------


def deadline(
    channel: NoticeChannel,
    dispatched: dt.date | None,
    delivered: dt.date | None,
    issued: dt.date,
) -> dt.date:
    return notice_deadline(channel, dispatched, delivered, issued, settings=SETTINGS)


def test_notice_raccomandata_15_days_from_dispatch() -> None:
    issued = D(2026, 2, 27)
    assert deadline(NoticeChannel.RACCOMANDATA, D(2026, 3, 2), None, issued) == D(2026, 3, 17)
    assert deadline(NoticeChannel.RACCOMANDATA, D(2026, 3, 3), None, issued) == D(2026, 3, 18)
    assert deadline(NoticeChannel.RACCOMANDATA_AR, D(2026, 3, 3), D(2026, 3, 9), issued) == D(
        2026, 3, 18
    )


def test_notice_pec_10_days_from_delivery_receipt() -> None:
    issued = D(2026, 3, 2)
    assert deadline(NoticeChannel.PEC, None, D(2026, 3, 3), issued) == D(2026, 3, 13)  # Friday
    assert deadline(NoticeChannel.PEC, None, D(2026, 3, 4), issued) == D(2026, 3, 16)  # Sat → Mon


def test_notice_20_days_from_issue_without_proof_of_dispatch() -> None:
    assert deadline(NoticeChannel.RACCOMANDATA, None, None, D(2026, 3, 16)) == D(2026, 4, 7)
    assert deadline(NoticeChannel.RACCOMANDATA, None, None, D(2026, 3, 18)) == D(2026, 4, 7)
    assert deadline(NoticeChannel.RACCOMANDATA, None, None, D(2026, 3, 19)) == D(2026, 4, 8)


def test_notice_deadline_moves_past_easter() -> None:
    # 15 days from Saturday 21 March is Easter Sunday; Easter Monday is a holiday too.
    assert deadline(NoticeChannel.RACCOMANDATA, D(2026, 3, 21), None, D(2026, 3, 20)) == D(
        2026, 4, 7
    )
    assert deadline(NoticeChannel.RACCOMANDATA, D(2026, 3, 19), None, D(2026, 3, 19)) == D(
        2026, 4, 3
    )  # Good Friday is a working day


def test_notice_refuses_impossible_dates() -> None:
    with pytest.raises(ValidationError, match="PEC notice needs its delivery receipt"):
        deadline(NoticeChannel.PEC, D(2026, 3, 2), None, D(2026, 3, 2))
    with pytest.raises(ValidationError, match=r"dispatched_on 2026-03-01 is before .* 2026-03-02"):
        deadline(NoticeChannel.RACCOMANDATA, D(2026, 3, 1), None, D(2026, 3, 2))
    with pytest.raises(ValidationError, match="delivered_on 2026-03-01 is before"):
        deadline(NoticeChannel.PEC, None, D(2026, 3, 1), D(2026, 3, 2))


# --- suspension request --------------------------------------------------------------------


def request(supply: Supply, deadline_day: dt.date, notified: dt.date) -> dt.date:
    return earliest_suspension_request(supply, deadline_day, notified, settings=SETTINGS)


def test_low_voltage_three_working_days_after_deadline() -> None:
    # Deadline Tuesday 17 March: Wed 18, Thu 19, Fri 20 are the three working days.
    assert request(LV, D(2026, 3, 17), D(2026, 2, 23)) == D(2026, 3, 20)  # 25 days: 20 March
    assert request(LV, D(2026, 3, 17), D(2026, 2, 24)) == D(2026, 3, 21)  # 25 days bind
    assert request(LV, D(2026, 3, 16), D(2026, 2, 1)) == D(2026, 3, 19)


def test_low_voltage_working_days_skip_easter() -> None:
    assert request(LV, D(2026, 4, 2), D(2026, 3, 1)) == D(2026, 4, 8)
    assert request(LV, D(2026, 4, 3), D(2026, 3, 1)) == D(2026, 4, 9)


def test_low_voltage_25_days_from_notification() -> None:
    assert request(LV, D(2026, 3, 17), D(2026, 3, 5)) == D(2026, 3, 30)
    assert request(LV, D(2026, 3, 17), D(2026, 3, 4)) == D(2026, 3, 29)


@pytest.mark.parametrize("supply", [Supply.GAS, Supply.ELECTRICITY_HIGHER_VOLTAGE])
def test_gas_and_higher_voltage_40_days_from_notification(supply: Supply) -> None:
    assert request(supply, D(2026, 3, 17), D(2026, 2, 23)) == D(2026, 4, 4)
    assert request(supply, D(2026, 3, 17), D(2026, 2, 22)) == D(2026, 4, 3)
    assert request(supply, D(2026, 3, 17), D(2026, 2, 7)) == D(2026, 3, 20)  # working days bind


@pytest.mark.parametrize("supply", [Supply.WATER, Supply.TELCO])
def test_suspension_request_is_for_energy(supply: Supply) -> None:
    with pytest.raises(ValidationError, match="use the water or telco clocks"):
        request(supply, D(2026, 3, 17), D(2026, 2, 23))


def test_power_reduction_first_then_suspension_15_days_later() -> None:
    assert first_supply_action(LV) is SupplyAction.POWER_REDUCTION
    assert first_supply_action(LV, meter_can_reduce_power=False) is SupplyAction.SUSPENSION
    assert first_supply_action(Supply.GAS) is SupplyAction.SUSPENSION
    assert first_supply_action(Supply.WATER) is SupplyAction.LIMITATION
    assert earliest_suspension_after_power_reduction(D(2026, 3, 30), settings=SETTINGS) == D(
        2026, 4, 14
    )
    assert reduced_power_percent(D(2026, 3, 30), settings=SETTINGS) == 15


# --- the day of the action -----------------------------------------------------------------


def facts(**changes: Any) -> SuspensionFacts:
    values: dict[str, Any] = {"supply": LV, "arrears_cents": 10_000, "deposit_cents": 5_000}
    values.update(changes)
    return SuspensionFacts(**values)


@pytest.mark.parametrize(
    ("day", "reasons"),
    [
        (D(2026, 3, 19), ()),  # Thursday
        (D(2026, 3, 20), ("friday",)),
        (D(2026, 3, 21), ("saturday", "pre_holiday")),
        (D(2026, 3, 22), ("holiday",)),
        (D(2026, 3, 23), ()),
        (D(2026, 4, 5), ("holiday", "pre_holiday")),  # Easter, before Easter Monday
        (D(2026, 4, 6), ("holiday",)),
        (D(2026, 4, 7), ()),
        (D(2026, 4, 30), ("pre_holiday",)),  # Thursday before 1 May
        (D(2026, 6, 1), ("pre_holiday",)),  # Monday before 2 June
        (D(2026, 6, 2), ("holiday",)),
        (D(2026, 6, 3), ()),
        (D(2026, 8, 14), ("friday", "pre_holiday")),
        (D(2026, 12, 24), ("pre_holiday",)),
    ],
)
def test_no_action_on_friday_saturday_holiday_pre_holiday(
    day: dt.date, reasons: tuple[str, ...]
) -> None:
    assert suspension_allowed_on(day, facts()) == Decision(allowed=not reasons, reasons=reasons)


def test_non_disconnectable_customer_is_never_suspended() -> None:
    protected = facts(non_disconnectable=True)
    decision = suspension_allowed_on(D(2026, 3, 19), protected)
    assert decision == Decision(False, ("non_disconnectable",))
    assert not decision.passes_with_time
    assert suspension_allowed_on(D(2026, 3, 19), facts(action=SupplyAction.POWER_REDUCTION)).allowed
    reduction = facts(action=SupplyAction.POWER_REDUCTION, non_disconnectable=True)
    assert suspension_allowed_on(D(2026, 3, 19), reduction).reasons == ("non_disconnectable",)
    assert suspension_allowed_on(D(2026, 3, 20), protected).reasons == (
        "non_disconnectable",
        "friday",
    )
    assert next_allowed_suspension_day(D(2026, 3, 19), protected) is None


def test_arrears_within_deposit() -> None:
    day = D(2026, 3, 19)
    assert suspension_allowed_on(day, facts(arrears_cents=5_000)).reasons == (
        "arrears_within_deposit",
    )
    assert suspension_allowed_on(day, facts(arrears_cents=5_001)).allowed
    assert suspension_allowed_on(day, facts(arrears_cents=0, deposit_cents=0)).reasons == (
        "arrears_within_deposit",
    )


def test_complaint_and_communicated_payment_block_suspension() -> None:
    day = D(2026, 3, 19)
    assert suspension_allowed_on(day, facts(open_billing_complaint=True)).reasons == (
        "open_billing_complaint",
    )
    assert suspension_allowed_on(day, facts(payment_communicated=True)).reasons == (
        "payment_communicated",
    )
    both = facts(payment_communicated=True, open_billing_complaint=True, arrears_cents=1)
    assert suspension_allowed_on(day, both).reasons == (
        "payment_communicated",
        "open_billing_complaint",
        "arrears_within_deposit",
    )


def test_water_protected_users_get_limitation_only() -> None:
    day = D(2026, 3, 19)
    water = {"supply": Supply.WATER, "water_protected": True}
    assert suspension_allowed_on(day, facts(**water)).reasons == (
        "water_protected_limitation_only",
    )
    assert suspension_allowed_on(day, facts(**water, action=SupplyAction.LIMITATION)).allowed
    assert suspension_allowed_on(
        D(2026, 3, 20), facts(**water, action=SupplyAction.LIMITATION)
    ) == (Decision(False, ("friday",)))
    assert water_minimum_litres_per_day(3, day, settings=SETTINGS) == 150
    with pytest.raises(ValidationError, match="at least one resident, got 0"):
        water_minimum_litres_per_day(0, day, settings=SETTINGS)


def test_facts_refuse_actions_of_another_supply() -> None:
    with pytest.raises(ValidationError, match="power reduction is for low-voltage electricity"):
        facts(supply=Supply.GAS, action=SupplyAction.POWER_REDUCTION)
    with pytest.raises(ValidationError, match="limitation is for water, not gas"):
        facts(supply=Supply.GAS, action=SupplyAction.LIMITATION)
    with pytest.raises(ValidationError, match="never negative"):
        facts(arrears_cents=-1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 3, 19), D(2026, 3, 19)),
        (D(2026, 3, 20), D(2026, 3, 23)),  # Friday → Monday
        (D(2026, 4, 3), D(2026, 4, 7)),  # Good Friday → Tuesday after Easter Monday
        (D(2026, 5, 29), D(2026, 6, 3)),  # Friday; Monday 1 June is the eve of 2 June
        (D(2026, 12, 24), D(2026, 12, 28)),
        (D(2026, 12, 31), D(2027, 1, 4)),  # 5 January is the eve of Epiphany, 4 is not
    ],
)
def test_next_allowed_suspension_day(day: dt.date, expected: dt.date) -> None:
    assert next_allowed_suspension_day(day, facts()) == expected
    assert suspension_allowed_on(expected, facts()).allowed
    assert suspension_allowed_on(day, facts()).passes_with_time or day == expected


# --- water and telco -----------------------------------------------------------------------


def test_water_reminder_10_days_after_due_date() -> None:
    assert water_earliest_reminder(D(2026, 3, 2), settings=SETTINGS) == D(2026, 3, 12)
    assert water_earliest_reminder(D(2026, 3, 3), settings=SETTINGS) == D(2026, 3, 13)


def test_water_limitation_after_40_days_from_reminder_receipt() -> None:
    # 40 days after 29 January is Tuesday 10 March: the first working day after it.
    assert water_earliest_limitation(D(2026, 1, 29), settings=SETTINGS) == D(2026, 3, 11)
    assert water_earliest_limitation(D(2026, 1, 30), settings=SETTINGS) == D(2026, 3, 12)
    assert water_earliest_limitation(D(2026, 3, 2), settings=SETTINGS) == D(2026, 4, 13)  # Sat
    assert water_earliest_limitation(D(2026, 2, 24), settings=SETTINGS) == D(2026, 4, 7)  # Easter


def test_water_instalments_12_months_without_interest() -> None:
    day = D(2026, 3, 2)
    assert instalment_terms(Supply.WATER, day, settings=SETTINGS) == InstalmentTerms(2, 12, True)
    assert instalment_terms(Supply.GAS, day, settings=SETTINGS) == InstalmentTerms(2, 0, False)
    with pytest.raises(ValidationError, match="telco payment plans are not regulated"):
        instalment_terms(Supply.TELCO, day, settings=SETTINGS)


def test_telco_suspension_40_days_after_notice_received() -> None:
    ar = NoticeChannel.RACCOMANDATA_AR
    assert telco_earliest_suspension(ar, D(2026, 3, 2), settings=SETTINGS) == D(2026, 4, 11)
    assert telco_earliest_suspension(ar, D(2026, 3, 3), settings=SETTINGS) == D(2026, 4, 12)
    with pytest.raises(ValidationError, match="by raccomandata_ar or pec, not raccomandata"):
        telco_earliest_suspension(NoticeChannel.RACCOMANDATA, D(2026, 3, 2), settings=SETTINGS)


def test_telco_pec_allowed_from_31_july_2021() -> None:
    pec = NoticeChannel.PEC
    assert telco_earliest_suspension(pec, D(2021, 7, 31), settings=SETTINGS) == D(2021, 9, 9)
    with pytest.raises(ValidationError, match="by raccomandata_ar, not pec"):
        telco_earliest_suspension(pec, D(2021, 7, 30), settings=SETTINGS)


# --- prescription --------------------------------------------------------------------------


def barred(
    due: dt.date,
    as_of: dt.date,
    kind: CustomerClass = CustomerClass.CONSUMER,
    supply: Supply = LV,
    interrupted_on: dt.date | None = None,
) -> bool:
    return time_barred(
        due, as_of, kind, supply=supply, settings=SETTINGS, interrupted_on=interrupted_on
    )


def test_two_years_from_due_date_barred_the_day_after_the_anniversary() -> None:
    assert not barred(D(2024, 3, 10), D(2026, 3, 10))
    assert barred(D(2024, 3, 10), D(2026, 3, 11))


def test_leap_day_due_date_ends_on_28_february() -> None:
    assert add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)
    assert not barred(D(2024, 2, 29), D(2026, 2, 28))
    assert barred(D(2024, 2, 29), D(2026, 3, 1))


@pytest.mark.parametrize(
    ("kind", "protected"),
    [
        (CustomerClass.CONSUMER, True),
        (CustomerClass.MICRO_BUSINESS, True),
        (CustomerClass.PROFESSIONAL, True),
        (CustomerClass.BUSINESS, False),
        (CustomerClass.PUBLIC_ADMINISTRATION, False),
    ],
)
def test_prescription_protects_consumers_micro_businesses_professionals(
    kind: CustomerClass, protected: bool
) -> None:
    assert barred(D(2023, 5, 2), D(2026, 11, 23), kind) is protected


@pytest.mark.parametrize(
    ("supply", "first_covered"),
    [(LV, D(2018, 3, 2)), (Supply.GAS, D(2019, 1, 2)), (Supply.WATER, D(2020, 1, 2))],
)
def test_prescription_covers_invoices_due_after_the_sector_start(
    supply: Supply, first_covered: dt.date
) -> None:
    day_before = first_covered - dt.timedelta(days=1)
    assert barred(first_covered, D(2026, 1, 1), supply=supply)
    assert not barred(day_before, D(2026, 1, 1), supply=supply)


def test_telco_is_outside_the_two_year_rule() -> None:
    assert not barred(D(2020, 1, 10), D(2026, 1, 1), supply=Supply.TELCO)


def test_interruption_restarts_the_term() -> None:
    notice = D(2025, 1, 15)
    assert not barred(D(2024, 3, 10), D(2027, 1, 15), interrupted_on=notice)
    assert barred(D(2024, 3, 10), D(2027, 1, 16), interrupted_on=notice)


# --- payment term and late interest --------------------------------------------------------


def test_payment_term_20_days_from_issue() -> None:
    assert earliest_due_date(D(2026, 3, 2), settings=SETTINGS) == D(2026, 3, 22)
    assert payment_term_ok(D(2026, 3, 2), D(2026, 3, 22), settings=SETTINGS)
    assert not payment_term_ok(D(2026, 3, 2), D(2026, 3, 21), settings=SETTINGS)


def test_good_payer_over_the_last_two_years() -> None:
    as_of = D(2026, 11, 23)
    assert is_good_payer(D(2024, 11, 23), None, as_of, settings=SETTINGS)
    assert not is_good_payer(D(2024, 11, 24), None, as_of, settings=SETTINGS)
    assert is_good_payer(D(2020, 1, 1), D(2024, 11, 22), as_of, settings=SETTINGS)
    assert not is_good_payer(D(2020, 1, 1), D(2024, 11, 23), as_of, settings=SETTINGS)


def interest(amount: int, due: dt.date, paid: dt.date, good_payer: bool = False) -> int:
    return late_interest_cents(amount, due, paid, good_payer=good_payer, settings=SETTINGS)


def test_late_interest_ecb_plus_three_and_a_half() -> None:
    # €1,000 thirty days late in 2026: 100000 × 5.65% × 30 / 365 = 464.38 cents.
    assert interest(100_000, D(2026, 1, 31), D(2026, 3, 2)) == 464
    assert interest(100_000, D(2026, 1, 31), D(2026, 2, 1)) == 15  # one day: 15.48
    assert interest(100_000, D(2026, 1, 31), D(2026, 1, 31)) == 0  # paid on the due date
    assert interest(100_000, D(2026, 1, 31), D(2026, 1, 20)) == 0
    assert interest(0, D(2026, 1, 31), D(2026, 3, 2)) == 0


def test_good_payer_pays_the_legal_rate_for_the_first_ten_days() -> None:
    # 10 days at 1.6% (43.84) and 20 at 5.65% (309.59).
    assert interest(100_000, D(2026, 1, 31), D(2026, 3, 2), good_payer=True) == 353
    assert interest(100_000, D(2026, 1, 31), D(2026, 2, 10), good_payer=True) == 44  # day 10
    assert interest(100_000, D(2026, 1, 31), D(2026, 2, 11), good_payer=True) == 59  # day 11


def test_late_interest_follows_rate_changes() -> None:
    # 9 days at 2.40 + 3.5 (1454.79), then 10 days at 2.15 + 3.5 (1547.95) from 11 June 2025.
    assert interest(1_000_000, D(2025, 6, 1), D(2025, 6, 20)) == 3003
    # A good payer across New Year: 5 days at 2.0%, 5 at 1.6% = 493.15.
    assert interest(1_000_000, D(2025, 12, 26), D(2026, 1, 5), good_payer=True) == 493
    # The tenth day falls on 1 January: still the legal rate, the new one (9 × 2.0 + 1.6).
    assert interest(1_000_000, D(2025, 12, 22), D(2026, 1, 1), good_payer=True) == 537


def test_late_interest_rounds_half_up_once() -> None:
    # 9125 cents × 2% / 365 = exactly half a cent.
    assert interest(9_125, D(2025, 3, 3), D(2025, 3, 4), good_payer=True) == 1
    assert interest(9_124, D(2025, 3, 3), D(2025, 3, 4), good_payer=True) == 0
    with pytest.raises(ValidationError, match="got -1 cents"):
        interest(-1, D(2025, 3, 3), D(2025, 3, 4))


# --- mandatory instalments -----------------------------------------------------------------


def mandatory(bill: int, average: int | None, domestic: bool = True) -> bool:
    return instalments_mandatory(
        bill, average, domestic=domestic, issued_on=D(2026, 3, 2), settings=SETTINGS
    )


def test_instalments_above_150_percent_for_domestic_customers() -> None:
    assert not mandatory(15_000, 10_000)
    assert mandatory(15_001, 10_000)


def test_instalments_above_250_percent_for_non_domestic_customers() -> None:
    assert not mandatory(25_000, 10_000, domestic=False)
    assert mandatory(25_001, 10_000, domestic=False)


def test_instalments_only_for_bills_above_50_euro() -> None:
    assert not mandatory(5_000, 1_000)
    assert mandatory(5_001, 1_000)


def test_instalments_need_estimated_bills() -> None:
    assert not mandatory(90_000, None)
    with pytest.raises(ValidationError, match="never negative"):
        mandatory(-1, 1_000)


def test_reasons_are_the_enum_values() -> None:
    assert Reason.PRE_HOLIDAY == "pre_holiday"
    assert {r.value for r in Reason} >= {"friday", "saturday", "holiday", "non_disconnectable"}
