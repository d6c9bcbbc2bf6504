from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from riscossa.adapters.bank_registry_files import read_registry_dir
from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import insert_frame
from riscossa.adapters.registry_batch import apply_registry
from riscossa.banking.bank_registry import registry_verdict
from riscossa.banking.iban import IbanCode, build_iban, check_iban, italian_bban
from riscossa.domain.errors import ImportFileError, NotFoundError, ValidationError
from riscossa.services import bank_registry as service
from riscossa.services.bank_registry import (
    BankChange,
    BranchChange,
    EventChange,
    bank_details,
    load_registry,
    registry_diff,
    registry_snapshot,
)
from tests.adapters.test_bank_registry_files import (
    BANKS_CSV,
    BRANCHES_CSV,
    EVENTS_CSV,
    FILES,
    write_registry_dir,
)

D = dt.date
FIRST = dt.datetime(2024, 1, 15, 8, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2024, 6, 30, 8, 0, tzinfo=dt.UTC)

# The next month's export: 03333 absorbed into 04444 (which is renamed and gets a branch),
# a new bank 09090.
NEXT = {
    "VFLUSSO_INTERMEDIARIO.csv": BANKS_CSV.replace(
        "1003;03333;GAMMA BANCA S.P.A.;2018-01-01;9999-12-31",
        "1003;03333;GAMMA BANCA S.P.A.;2018-01-01;2024-04-30",
    ).replace(
        "1004;04444;BANCA DELTA;1980-01-01;;01",
        "1004;04444;BANCA DELTA;1980-01-01;2024-02-29;01\n"
        "1004;04444;DELTA BANCA S.P.A.;2024-03-01;;01\n"
        "1090;09090;BANCA NUOVA;2024-01-01;;01",
    ),
    "VFLUSSO_EVENTO.csv": EVENTS_CSV + "8;003;INCORPORAZIONE;1004;1003;20240501\n",
    "SUCCURSALI_BANCHE.csv": BRANCHES_CSV.replace(
        "03333;11111;MILANO;01/07/2015;;;",
        "03333;11111;MILANO;01/07/2015;30/04/2024;03;INCORPORAZIONE",
    )
    .replace(
        "3333;22222;ROMA;01/01/2020;;;", "3333;22222;ROMA;01/01/2020;30/04/2024;03;INCORPORAZIONE"
    )
    .replace(
        "3333;55555;BARI;01/01/2000;;;", "3333;55555;BARI;01/01/2000;30/04/2024;03;INCORPORAZIONE"
    )
    + "4444;55555;BARI;01/05/2024;;;;VIA SPARANO 2\n",
}


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def test_load_stores_the_registry_once(engine: Engine, tmp_path: Path) -> None:
    directory = write_registry_dir(tmp_path / "giava")
    result = load_registry(engine, directory, now=FIRST)
    assert not result.unchanged and result.missing == []
    assert (result.banks, result.events, result.branches) == (9, 5, 7)
    assert result.skipped["intermediaries without ABI (COD_MECC)"] == 1
    assert (_count(engine, t.banks), _count(engine, t.bank_events), _count(engine, t.branches)) == (
        9,
        5,
        7,
    )
    again = load_registry(engine, write_registry_dir(tmp_path / "copy", separator=","), now=SECOND)
    assert again.unchanged and again.load_id == result.load_id
    assert _count(engine, t.bank_registry_loads) == 1 and _count(engine, t.banks) == 9


def test_snapshot_reads_back_what_was_loaded(engine: Engine, tmp_path: Path) -> None:
    directory = write_registry_dir(tmp_path / "giava")
    result = load_registry(engine, directory, now=FIRST)
    snapshot = registry_snapshot(engine)
    read = read_registry_dir(directory)
    assert snapshot.source == "bancaditalia" and snapshot.load_id == result.load_id
    assert _sorted(snapshot.banks).equals(_sorted(read.banks))
    assert _sorted(snapshot.events).equals(_sorted(read.events))
    assert _sorted(snapshot.branches).equals(_sorted(read.branches))
    with engine.connect() as conn:
        load = conn.execute(select(t.bank_registry_loads)).one()
    assert load.content_hash == read.content_hash and "SUCCURSALI_BANCHE.csv" in load.files


def test_without_a_load_the_snapshot_is_schwifty(engine: Engine) -> None:
    snapshot = registry_snapshot(engine)
    assert snapshot.source == "schwifty" and snapshot.load_id is None
    assert snapshot.banks.height > 300 and snapshot.branches.height == 0
    intesa = check_iban(build_iban("IT", italian_bban("03069", "01600", "1")))
    finding = registry_verdict(intesa, snapshot.registry, D(2024, 1, 1))
    assert finding.code is IbanCode.OK and finding.bank_name


def test_a_bad_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    files = dict(FILES)
    files["SUCCURSALI_BANCHE.csv"] = BRANCHES_CSV.replace("31/03/2022", "31/13/2022")
    with pytest.raises(ImportFileError, match=r"row 7, DATA_F_OPER"):
        load_registry(engine, write_registry_dir(tmp_path, files))
    assert _count(engine, t.bank_registry_loads) == 0


def test_a_failure_while_storing_stores_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(conn: Any, table: Any, frame: pl.DataFrame) -> int:
        if table is t.branches:
            raise RuntimeError("disk full")
        return insert_frame(conn, table, frame)

    monkeypatch.setattr(service, "insert_frame", failing)
    with pytest.raises(RuntimeError):
        load_registry(engine, write_registry_dir(tmp_path))
    assert _count(engine, t.bank_registry_loads) == 0 and _count(engine, t.banks) == 0


def test_a_new_load_becomes_current_and_the_old_one_stays(engine: Engine, tmp_path: Path) -> None:
    first = load_registry(engine, write_registry_dir(tmp_path / "jan"), now=FIRST)
    second = load_registry(engine, write_registry_dir(tmp_path / "jun", NEXT), now=SECOND)
    assert second.load_id > first.load_id and not second.unchanged
    snapshot = registry_snapshot(engine)
    assert snapshot.load_id == second.load_id
    frame = pl.DataFrame(
        {"iban": [build_iban("IT", italian_bban("01111", "11111", "42"))]}
    ).with_columns(
        code=pl.lit("OK"),
        country=pl.lit("IT"),
        bank_code=pl.lit("01111"),
        branch_code=pl.lit("11111"),
        account=pl.lit("000000000042"),
        corrected=pl.lit(value=False),
    )
    row = apply_registry(frame, snapshot, SECOND.date()).row(0, named=True)
    # 01111 -> 02222 -> 03333 -> 04444, which now has branch data without CAB 11111.
    assert (row["code"], row["proposal_abi"], row["proposal_iban"]) == (
        "BANK_RETIRED",
        "04444",
        None,
    )
    assert row["proposal_confidence"] == "low"
    assert _count(engine, t.banks) == 9 + 11


def test_diff_between_two_loads(engine: Engine, tmp_path: Path) -> None:
    load_registry(engine, write_registry_dir(tmp_path / "jan"), now=FIRST)
    load_registry(engine, write_registry_dir(tmp_path / "jun", NEXT), now=SECOND)
    diff = registry_diff(engine)
    assert diff.as_of == SECOND.date()
    assert diff.banks_added == [BankChange("09090", "BANCA NUOVA")]
    assert diff.banks_retired == [BankChange("03333", "GAMMA BANCA S.P.A.")]
    assert diff.banks_renamed == [BankChange("04444", "DELTA BANCA S.P.A.", "BANCA DELTA")]
    assert diff.branches_opened == [BranchChange("04444", "55555", "BARI", D(2024, 5, 1))]
    closed = D(2024, 4, 30)
    assert diff.branches_closed == [
        BranchChange("03333", cab, town, closed, "INCORPORAZIONE")
        for cab, town in (("11111", "MILANO"), ("22222", "ROMA"), ("55555", "BARI"))
    ]
    assert diff.new_events == [EventChange("absorption", "03333", "04444", D(2024, 5, 1), "04444")]
    payload = diff.as_dict()
    assert payload["banks_added"] == [{"abi": "09090", "name": "BANCA NUOVA", "old_name": ""}]


def test_diff_on_an_earlier_date_and_between_named_loads(engine: Engine, tmp_path: Path) -> None:
    first = load_registry(engine, write_registry_dir(tmp_path / "jan"), now=FIRST)
    second = load_registry(engine, write_registry_dir(tmp_path / "jun", NEXT), now=SECOND)
    early = registry_diff(engine, as_of=D(2024, 1, 31))
    assert early.banks_retired == [] and early.banks_renamed == [] and early.branches_closed == []
    assert early.banks_added == [BankChange("09090", "BANCA NUOVA")]
    backwards = registry_diff(engine, old_load=second.load_id, new_load=first.load_id)
    assert backwards.as_of == FIRST.date()
    assert backwards.new_events == []
    same = registry_diff(engine, old_load=first.load_id, new_load=first.load_id)
    assert same.empty


def test_diff_of_a_first_load_lists_everything_as_new(engine: Engine, tmp_path: Path) -> None:
    load_registry(engine, write_registry_dir(tmp_path), now=FIRST)
    diff = registry_diff(engine)
    assert diff.old_load is None
    assert [b.abi for b in diff.banks_added] == ["03333", "04444"]
    assert len(diff.new_events) == 5 and diff.banks_retired == []
    assert {(b.abi, b.cab) for b in diff.branches_opened} == {
        ("03333", "11111"),
        ("03333", "22222"),
        ("03333", "55555"),
    }


def test_diff_needs_a_load(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="no registry loaded"):
        registry_diff(engine)
    with pytest.raises(NotFoundError, match="load 7 does not exist"):
        registry_diff(engine, new_load=7)


def test_bank_details(engine: Engine, tmp_path: Path) -> None:
    load_registry(engine, write_registry_dir(tmp_path / "jan"), now=FIRST)
    load_registry(engine, write_registry_dir(tmp_path / "jun", NEXT), now=SECOND)
    gamma = bank_details(engine, "3333", SECOND.date())
    assert (gamma.status, gamma.name, gamma.successor_abi) == (
        "retired",
        "GAMMA BANCA S.P.A.",
        "04444",
    )
    assert gamma.successor_name == "DELTA BANCA S.P.A."
    assert [p.name for p in gamma.periods] == ["BANCA GAMMA", "GAMMA BANCA S.P.A."]
    assert (gamma.branches, gamma.branches_open) == (4, 0)
    assert [e.absorbed_abi for e in gamma.absorbed] == ["02222"]
    earlier = bank_details(engine, "03333", D(2024, 1, 1))
    assert (earlier.status, earlier.successor_abi, earlier.branches_open) == ("in_force", None, 3)
    alfa = bank_details(engine, "01111", SECOND.date())
    assert alfa.successor_abi == "04444" and alfa.has_branch_data
    assert bank_details(engine, "05555", SECOND.date()).status == "not_yet"
    assert bank_details(engine, "07601", SECOND.date()).status == "not_listed"
    with pytest.raises(NotFoundError, match="ABI 09999 is not in the registry"):
        bank_details(engine, "09999", SECOND.date())
    with pytest.raises(ValidationError):
        bank_details(engine, "ABC", SECOND.date())


def test_bank_details_from_schwifty(engine: Engine) -> None:
    intesa = bank_details(engine, "03069", D(2024, 1, 1))
    assert intesa.source == "schwifty" and intesa.status == "in_force"
    assert intesa.periods[0].bic.startswith("BCITITMM") and not intesa.has_branch_data
