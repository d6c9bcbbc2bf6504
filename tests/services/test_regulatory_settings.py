"""Loading the regulatory settings: the shipped file, a user's file, errors with lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from riscossa.domain.errors import NotFoundError
from riscossa.domain.regulatory import NoticeChannel, notice_deadline
from riscossa.domain.sdd_policy import PolicyError
from riscossa.services.policies import POLICY_PACKAGE
from riscossa.services.regulatory_settings import (
    REGULATORY,
    default_regulatory_settings,
    load_regulatory_settings,
    parse_regulatory_text,
)

SHIPPED = f"{POLICY_PACKAGE}/{REGULATORY}"


def shipped_text() -> str:
    return resources.files(POLICY_PACKAGE).joinpath(REGULATORY).read_text(encoding="utf-8")


def line_number(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_shipped_settings_are_package_data_parsed_once() -> None:
    assert resources.files(POLICY_PACKAGE).joinpath(REGULATORY).is_file()
    settings = load_regulatory_settings()
    assert settings is default_regulatory_settings()
    assert settings.version == "2026.1"
    assert settings.notice_raccomandata_days.at(dt.date(2026, 11, 23)) == 15
    assert settings.payment_ecb_rate_percent.at(dt.date(2026, 11, 23)) == Decimal("2.15")


def test_a_file_of_ones_own(tmp_path: Path) -> None:
    text = shipped_text().replace(
        '{ valid_from = 2016-01-01, value = 25, source = "ARERA TIMOE (check)" },',
        '{ valid_from = 2016-01-01, value = 25, source = "ARERA TIMOE (check)" },\n'
        '  { valid_from = 2027-01-01, value = 40, source = "L. 160/2019 c. 291, cautious" },',
    )
    path = tmp_path / "regulatory.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_regulatory_settings(path)
    low_voltage = settings.suspension_days_from_notification_low_voltage
    assert low_voltage.at(dt.date(2026, 12, 31)) == 25
    assert low_voltage.at(dt.date(2027, 1, 1)) == 40
    assert settings is not default_regulatory_settings()
    delivered = dt.date(2026, 3, 4)
    assert notice_deadline(
        NoticeChannel.PEC, None, delivered, delivered, settings=settings
    ) == dt.date(2026, 3, 16)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"regulatory settings file not found: .*nope\.toml"):
        load_regulatory_settings(tmp_path / "nope.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes("version = 'perché'".encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin1\.toml: not UTF-8 text"):
        load_regulatory_settings(path)


def test_toml_syntax_error_names_file_and_line() -> None:
    text = shipped_text().replace("[water]", "[water", 1)
    with pytest.raises(PolicyError) as caught:
        parse_regulatory_text(text, "broken.toml")
    assert caught.value.problems[0].line == line_number(text, "[water")
    assert str(caught.value).startswith(f"broken.toml: line {line_number(text, '[water')}: ")


def test_bad_value_names_the_line_of_its_entry() -> None:
    text = shipped_text().replace('value = "2.90"', 'value = "2,90"')
    with pytest.raises(PolicyError) as caught:
        parse_regulatory_text(text, "rates.toml")
    line = line_number(text, '"2,90"')
    assert str(caught.value) == (
        f"rates.toml: line {line}: payment.ecb_rate_percent[15].value: "
        "must be a decimal number from -5 to 50"
    )


def test_bad_first_entry_on_the_key_line() -> None:
    text = shipped_text().replace(
        "pec_days = [\n  { valid_from = 2016-01-01, value = 10,",
        "pec_days = [ { valid_from = 2016-01-01, value = -10,",
    )
    with pytest.raises(PolicyError, match=r"line \d+: notice.pec_days\[0\].value") as caught:
        parse_regulatory_text(text, "pec.toml")
    assert caught.value.problems[0].line == line_number(text, "pec_days = [ {")


def test_missing_source_and_unknown_key_located() -> None:
    text = shipped_text().replace(
        'value = 20, source = "ARERA: payment term from the bill\'s issue date"', "value = 20"
    )
    text = text.replace("[telco]\n", "[telco]\nfax_days = []\n", 1)
    with pytest.raises(PolicyError) as caught:
        parse_regulatory_text(text, "mixed.toml")
    located = {p.key: p.line for p in caught.value.problems}
    assert located == {
        "telco.fax_days": line_number(text, "fax_days"),
        "payment.term_days[0].source": line_number(text, "value = 20 }"),
    }


def test_missing_section_points_nowhere_but_is_named() -> None:
    start = shipped_text().index("[instalments]")
    text = shipped_text()[:start]
    with pytest.raises(PolicyError, match=r"short.toml: instalments: missing table") as caught:
        parse_regulatory_text(text, "short.toml")
    assert caught.value.problems[0].line is None
