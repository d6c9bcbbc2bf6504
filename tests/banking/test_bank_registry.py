from __future__ import annotations

import datetime as dt

import pytest

from riscossa.banking.bank_registry import (
    ALWAYS_KNOWN,
    Bank,
    BankEvent,
    BankRegistry,
    Branch,
    Confidence,
    EventKind,
    Proposal,
    RegistryFinding,
    registry_verdict,
)
from riscossa.banking.iban import IbanCheck, IbanCode, build_iban, check_iban, italian_bban

D = dt.date
TODAY = D(2024, 6, 30)

BANKS = [
    Bank("01111", "BANCA ALFA", "", D(2000, 1, 1), D(2015, 6, 30)),
    Bank("02222", "BANCA BETA", "", D(1990, 1, 1), D(2019, 12, 31)),
    Bank("03333", "BANCA GAMMA", "", D(1995, 1, 1), D(2017, 12, 31)),
    Bank("03333", "GAMMA BANCA S.P.A.", "GAMMITMM", D(2018, 1, 1), None),
    Bank("04444", "BANCA DELTA", "", D(1980, 1, 1), None),
    Bank("05555", "BANCA FUTURA", "", D(2030, 1, 1), None),
    Bank("06666", "BANCA EPSILON", "", D(1970, 1, 1), D(2009, 12, 31)),
    Bank("07777", "BANCA ETA", "", D(1970, 1, 1), D(2011, 12, 31)),
    Bank("08888", "BANCA TETA", "", D(1970, 1, 1), D(2012, 12, 31)),
]
EVENTS = [
    BankEvent(EventKind.ABSORPTION, "01111", "02222", D(2015, 7, 1)),
    BankEvent(EventKind.MERGER, "02222", "03333", D(2020, 1, 1)),
    BankEvent(EventKind.ABSORPTION, "06666", "04444", D(2010, 1, 1)),
    BankEvent(EventKind.ABSORPTION, "07777", "08888", D(2012, 1, 1)),
    BankEvent(EventKind.ABSORPTION, "08888", "07777", D(2013, 1, 1)),
]
BRANCHES = [
    Branch("01111", "11111", "MILANO", D(2000, 1, 1), D(2015, 6, 30), "03", "PER INCORPORAZIONE"),
    Branch("03333", "11111", "MILANO", D(2015, 7, 1), None),
    Branch("02222", "22222", "ROMA", D(1990, 1, 1), D(2019, 12, 31), "01", "CHIUSURA"),
    Branch("03333", "22222", "ROMA", D(2020, 1, 1), None),
    Branch("02222", "33333", "TORINO", D(1990, 1, 1), D(2019, 12, 31), "01", "CHIUSURA"),
    Branch("03333", "44444", "NAPOLI", D(2000, 1, 1), D(2022, 3, 31), "01", "CHIUSURA"),
    Branch("03333", "55555", "BARI", D(2000, 1, 1), None),
]


@pytest.fixture
def registry() -> BankRegistry:
    return BankRegistry(BANKS, EVENTS, BRANCHES)


def iban(abi: str, cab: str, account: str = "123456", country: str = "IT") -> str:
    return build_iban(country, italian_bban(abi, cab, account))


def check(abi: str, cab: str, account: str = "123456", country: str = "IT") -> IbanCheck:
    checked = check_iban(iban(abi, cab, account, country))
    assert checked.code is IbanCode.OK
    return checked


# --- lookups ---------------------------------------------------------------------------------


def test_bank_period_covering_the_date(registry: BankRegistry) -> None:
    assert registry.bank("03333", D(2017, 12, 31)) == BANKS[2]  # an end date is inclusive
    assert registry.bank("03333", D(2018, 1, 1)) == BANKS[3]
    assert registry.bank("01111", D(2015, 7, 1)) is None
    assert registry.bank("05555", TODAY) is None
    assert registry.bank("09999", TODAY) is None
    assert registry.known("05555") and registry.known("01111")
    assert not registry.known("09999")
    assert registry.periods("03333") == (BANKS[2], BANKS[3])


def test_successor_follows_the_chain_as_of_the_date(registry: BankRegistry) -> None:
    assert registry.successor("01111", D(2015, 6, 30)) is None
    assert registry.successor("01111", D(2015, 7, 1)) == "02222"
    assert registry.successor("01111", D(2019, 12, 31)) == "02222"
    assert registry.successor("01111", D(2020, 1, 1)) == "03333"
    assert registry.successor("03333", TODAY) is None


def test_successor_is_cycle_safe(registry: BankRegistry) -> None:
    # 07777 -> 08888 (2012) -> 07777 (2013): the accounts came back to 07777.
    assert registry.successor("07777", TODAY) is None
    assert registry.successor("08888", TODAY) == "07777"
    looping = BankRegistry([], [BankEvent(EventKind.MERGER, "00001", "00001", TODAY)])
    assert looping.successor("00001", TODAY) is None


def test_successor_goes_forward_in_time_through_reused_codes() -> None:
    """03111: Banca Lombarda until 2007, absorbed by UBI (05437), which took 03111 in 2008."""
    events = [
        BankEvent(EventKind.ABSORPTION, "06000", "03111", D(2000, 1, 1)),
        BankEvent(EventKind.MERGER, "03111", "05437", D(2007, 4, 1)),
        BankEvent(EventKind.RENUMBERING, "05437", "03111", D(2008, 1, 1)),
        BankEvent(EventKind.MERGER, "03111", "03069", D(2020, 7, 20)),
    ]
    registry = BankRegistry([], events)
    assert registry.successor("06000", D(2007, 6, 1)) == "05437"
    assert registry.successor("06000", D(2010, 1, 1)) == "03111"
    assert registry.successor("06000", TODAY) == "03069"
    assert registry.successor("03111", D(2010, 1, 1)) is None  # UBI holds 03111 again
    assert registry.successor("03111", TODAY) == "03069"
    assert registry.follow("03111", D(2000, 1, 1), D(2010, 1, 1)) == "03111"


def test_latest_event_wins_when_a_bank_has_two() -> None:
    events = [
        BankEvent(EventKind.ABSORPTION, "01111", "02222", D(2010, 1, 1)),
        BankEvent(EventKind.ABSORPTION, "01111", "03333", D(2012, 1, 1)),
    ]
    registry = BankRegistry([], events)
    assert registry.successor("01111", D(2011, 1, 1)) == "02222"
    assert registry.successor("01111", D(2013, 1, 1)) == "03333"


def test_branches(registry: BankRegistry) -> None:
    assert registry.has_branches("03333")
    assert not registry.has_branches("04444")
    assert registry.branch("03333", "44444", D(2022, 3, 31)) == BRANCHES[5]
    assert registry.branch("03333", "44444", D(2022, 4, 1)) is None
    assert registry.branch_closed_before("03333", "44444", D(2022, 4, 1)) == BRANCHES[5]
    assert registry.branch("03333", "99999", TODAY) is None
    assert BRANCHES[0].transferred and not BRANCHES[2].transferred


# --- verdicts --------------------------------------------------------------------------------


def test_bank_and_branch_in_force(registry: BankRegistry) -> None:
    assert registry_verdict(check("03333", "55555"), registry, TODAY) == RegistryFinding(
        IbanCode.OK, "GAMMA BANCA S.P.A.", "BARI"
    )
    earlier = registry_verdict(check("03333", "55555"), registry, D(2016, 1, 1))
    assert earlier.bank_name == "BANCA GAMMA"


def test_unknown_cab_is_not_reported_without_branch_data(registry: BankRegistry) -> None:
    assert registry_verdict(check("04444", "98765"), registry, TODAY) == RegistryFinding(
        IbanCode.OK, "BANCA DELTA"
    )


def test_unknown_branch_and_closed_branch(registry: BankRegistry) -> None:
    assert registry_verdict(check("03333", "99999"), registry, TODAY) == RegistryFinding(
        IbanCode.UNKNOWN_BRANCH, "GAMMA BANCA S.P.A."
    )
    assert registry_verdict(check("03333", "44444"), registry, TODAY) == RegistryFinding(
        IbanCode.BRANCH_CLOSED, "GAMMA BANCA S.P.A.", "NAPOLI"
    )


def test_unknown_bank_but_poste_and_banca_d_italia_are_accepted(registry: BankRegistry) -> None:
    assert registry_verdict(check("09999", "12345"), registry, TODAY) == RegistryFinding(
        IbanCode.UNKNOWN_BANK
    )
    assert registry_verdict(check("05555", "12345"), registry, TODAY).code is IbanCode.UNKNOWN_BANK
    for abi in ("07601", "01000"):
        assert registry_verdict(check(abi, "03200"), registry, TODAY) == RegistryFinding(
            IbanCode.OK, ALWAYS_KNOWN[abi]
        )


def test_retired_bank_with_branch_evidence_is_a_high_confidence_proposal(
    registry: BankRegistry,
) -> None:
    finding = registry_verdict(check("01111", "11111", "CC0012345"), registry, TODAY)
    assert finding == RegistryFinding(
        IbanCode.BANK_RETIRED,
        "BANCA ALFA",
        "MILANO",
        Proposal(
            "03333", "11111", "000CC0012345", iban("03333", "11111", "CC0012345"), Confidence.HIGH
        ),
    )
    assert finding.proposal is not None and finding.proposal.iban is not None
    assert check_iban(finding.proposal.iban).code is IbanCode.OK


def test_retired_bank_same_cab_open_in_successor_is_medium(registry: BankRegistry) -> None:
    finding = registry_verdict(check("02222", "22222"), registry, TODAY)
    assert finding.code is IbanCode.BANK_RETIRED
    assert finding.proposal == Proposal(
        "03333", "22222", "000000123456", iban("03333", "22222"), Confidence.MEDIUM
    )


def test_retired_bank_whose_successor_lacks_the_cab_gets_the_abi_only(
    registry: BankRegistry,
) -> None:
    finding = registry_verdict(check("02222", "33333"), registry, TODAY)
    assert finding.branch_town == "TORINO"
    assert finding.proposal == Proposal("03333", None, "000000123456", None, Confidence.LOW)


def test_successor_without_branch_data_keeps_the_cab_with_low_confidence(
    registry: BankRegistry,
) -> None:
    finding = registry_verdict(check("06666", "12345", country="SM"), registry, TODAY)
    assert finding.bank_name == "BANCA EPSILON" and finding.branch_town is None
    assert finding.proposal == Proposal(
        "04444", "12345", "000000123456", iban("04444", "12345", country="SM"), Confidence.LOW
    )


def test_proposal_depends_on_the_date(registry: BankRegistry) -> None:
    finding = registry_verdict(check("01111", "11111"), registry, D(2016, 6, 30))
    assert finding.proposal == Proposal("02222", None, "000000123456", None, Confidence.LOW)
    unmerged = registry_verdict(check("01111", "11111"), registry, D(2015, 6, 30))
    assert unmerged == RegistryFinding(IbanCode.OK, "BANCA ALFA", "MILANO")


def test_no_proposal_without_a_successor_in_force(registry: BankRegistry) -> None:
    finding = registry_verdict(check("07777", "12345"), registry, TODAY)
    assert finding == RegistryFinding(IbanCode.BANK_RETIRED, "BANCA ETA")


def test_other_checks_pass_through(registry: BankRegistry) -> None:
    bad = check_iban("IT65A0542811101000000123456")
    assert registry_verdict(bad, registry, TODAY) == RegistryFinding(IbanCode.BAD_CIN)
    german = check_iban("DE89370400440532013000")
    assert registry_verdict(german, registry, TODAY) == RegistryFinding(IbanCode.OK)


def test_schwifty_like_registry_has_no_dates_and_no_branches() -> None:
    registry = BankRegistry([Bank("03069", "INTESA SANPAOLO S.P.A.", "BCITITMM")])
    assert registry_verdict(check("03069", "01600"), registry, TODAY) == RegistryFinding(
        IbanCode.OK, "INTESA SANPAOLO S.P.A."
    )
