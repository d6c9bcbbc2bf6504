"""The monthly IBAN monitor: dated findings, reruns that report only differences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.services.demo.codes import italian_iban
from riscossa.services.iban_monitor import run_monitor
from riscossa.services.imports import import_file

VALID = "IT60X0542811101000000123456"
OTHER_VALID = italian_iban("03069", "01600", "000000004321")
BAD_CIN = "IT65A0542811101000000123456"
HEADER = "Codice Cliente;Ragione Sociale;Codice Fiscale;IBAN;Segmento\n"


def _customers(tmp_path: Path, name: str, ibans: dict[str, str]) -> Path:
    path = tmp_path / name
    path.write_text(
        HEADER
        + "".join(f"{code};Cliente {code};;{iban};domestico\n" for code, iban in ibans.items()),
        encoding="utf-8",
    )
    return path


def _findings(engine: Engine) -> set[tuple[str, str, bool]]:
    f, c = t.iban_findings, t.customers
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.c.code, f.c.code, f.c.resolved_run_id.is_(None)).join(
                c, c.c.id == f.c.customer_id
            )
        ).all()
    return {(a, b, bool(open_)) for a, b, open_ in rows}


def test_first_run_records_findings_and_rerun_reports_nothing_new(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(
        engine,
        "customers",
        _customers(tmp_path, "c1.csv", {"A": VALID, "B": BAD_CIN, "C": "IT00", "D": ""}),
    )
    first = run_monitor(engine, dt.date(2026, 10, 1), output=tmp_path / "oct.xlsx")
    assert first.checked == 3  # D has no IBAN and no direct-debit contract: nothing to check
    assert first.verdicts == {"OK": 1, "WARNING": 0, "ERROR": 2}
    assert (first.new, first.changed, first.resolved, first.unchanged) == (2, 0, 0, 0)
    assert _findings(engine) == {("B", "BAD_CIN", True), ("C", "BAD_LENGTH", True)}

    again = run_monitor(engine, dt.date(2026, 10, 1))
    assert (again.new, again.changed, again.resolved, again.unchanged) == (0, 0, 0, 2)

    book = openpyxl.load_workbook(tmp_path / "oct.xlsx", read_only=True)
    assert book.sheetnames == ["Monitoraggio 01-10-2026", "Allineamento archivi"]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("Novità", "Codice cliente")
    assert sorted((r[0], r[1]) for r in rows[1:]) == [("nuova", "B"), ("nuova", "C")]


def test_next_month_reports_new_changed_and_resolved(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "customers",
        _customers(tmp_path, "c1.csv", {"A": VALID, "B": BAD_CIN, "C": "IT00"}),
    )
    run_monitor(engine, dt.date(2026, 10, 1))
    # B fixed the IBAN, C changed to another wrong one, A now has a broken one.
    import_file(
        engine,
        "customers",
        _customers(
            tmp_path, "c2.csv", {"A": "IT60X0542811101000000123457", "B": OTHER_VALID, "C": BAD_CIN}
        ),
    )
    second = run_monitor(engine, dt.date(2026, 11, 1), output=tmp_path / "nov.xlsx")
    assert (second.new, second.changed, second.resolved) == (1, 1, 1)
    assert _findings(engine) == {
        ("B", "BAD_CIN", False),
        ("C", "BAD_LENGTH", False),
        ("C", "BAD_CIN", True),
        ("A", "BAD_CHECKSUM", True),
    }
    rows = list(
        openpyxl.load_workbook(tmp_path / "nov.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    assert sorted((r[0], r[1]) for r in rows[1:]) == [
        ("cambiata", "C"),
        ("nuova", "A"),
        ("risolta", "B"),
    ]


def test_direct_debit_customer_without_iban_is_a_finding(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", _customers(tmp_path, "c.csv", {"A": VALID, "D": ""}))
    contracts = tmp_path / "contracts.csv"
    contracts.write_text(
        "Codice Contratto;Codice Cliente;Servizio;Modalità Pagamento\nK1;D;luce;RID\n",
        encoding="utf-8",
    )
    import_file(engine, "contracts", contracts)
    result = run_monitor(engine, dt.date(2026, 10, 1))
    assert result.checked == 2
    assert _findings(engine) == {("D", "EMPTY", True)}


def test_reason_codes_limit_the_run_to_rejected_customers(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "customers",
        _customers(tmp_path, "c.csv", {"A": VALID, "B": BAD_CIN, "C": "IT00"}),
    )
    returns = tmp_path / "insoluti.csv"
    returns.write_text(
        "Riferimento;Codice Cliente;Causale;Data Addebito;Importo;IBAN Debitore\n"
        f"E2E-1;B;AC01;15/10/2026;120,50;{BAD_CIN}\n"
        "E2E-2;C;AM04;15/10/2026;80,00;IT00\n"
        "E2E-3;A;MS02;15/10/2026;10,00;\n",
        encoding="utf-8",
    )
    assert import_file(engine, "sdd_returns", returns).imported == 3
    result = run_monitor(engine, dt.date(2026, 11, 1), reason_codes=("AC01", "AC04"))
    assert result.checked == 1 and result.scope == "reason codes AC01,AC04"
    assert _findings(engine) == {("B", "BAD_CIN", True)}
    # A later full run leaves B's finding open and adds C's.
    full = run_monitor(engine, dt.date(2026, 11, 2))
    assert (full.new, full.unchanged, full.resolved) == (1, 1, 0)


def test_retired_bank_goes_to_the_alignment_request(engine: Engine, tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "VFLUSSO_INTERMEDIARIO.csv").write_text(
        "ID_INT;COD_MECC;DEN_INT;DATA_I_VAL;DATA_F_VAL\n"
        "1;05034;Banco Ceduto;1990-01-01;2022-06-30\n"
        "2;05696;Banca Successore;1990-01-01;\n"
        "3;05428;Banca Esempio;1990-01-01;\n",
        encoding="utf-8",
    )
    (registry / "VFLUSSO_EVENTO.csv").write_text(
        "COD_EVENTO;ID_INT_ATT;ID_INT_PAS;DATA_EFFICACIA\n003;2;1;2022-07-01\n", encoding="utf-8"
    )
    (registry / "SUCCURSALI_BANCHE.csv").write_text(
        "COD_MECC;CAB_SEDE;DATA_I_OPER;DATA_F_OPER;CAUS_CHIUS;DES_CAUS_CHIUS;DES_COM_ITA\n",
        encoding="utf-8",
    )
    from riscossa.services.bank_registry import load_registry

    load_registry(engine, registry)
    retired = italian_iban("05034", "11701", "000000001234")
    customers = tmp_path / "c.csv"
    customers.write_text(
        HEADER + f"A;Mario Rossi;RSSMRA85M01H501Q;{retired};domestico\n", encoding="utf-8"
    )
    import_file(engine, "customers", customers)
    result = run_monitor(engine, dt.date(2026, 11, 1), output=tmp_path / "m.xlsx")
    assert result.alignment == 1
    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx")["Allineamento archivi"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("A", "Mario Rossi", "RSSMRA85M01H501Q", retired)
    assert rows[1][8] == italian_iban("05696", "11701", "000000001234")


def test_mandate_ibans_are_monitored_too(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", _customers(tmp_path, "c.csv", {"A": VALID, "B": ""}))
    contracts = tmp_path / "contracts.csv"
    contracts.write_text(
        "Codice Contratto;Codice Cliente;Servizio;Modalità Pagamento\n"
        "K1;A;luce;RID\nK2;B;gas;RID\n",
        encoding="utf-8",
    )
    import_file(engine, "contracts", contracts)
    mandates = tmp_path / "mandati.csv"
    mandates.write_text(
        "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;Intestatario Conto;IBAN\n"
        f"M-A;A;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente A;{OTHER_VALID}\n"
        f"M-B;B;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente B;{VALID}\n",
        encoding="utf-8",
    )
    assert import_file(engine, "mandates", mandates).imported == 2
    result = run_monitor(engine, dt.date(2026, 11, 1))
    # A: the IBAN on file and the mandate's; B: only the mandate's (its blank is no finding).
    assert result.checked == 3 and result.verdicts == {"OK": 3, "WARNING": 0, "ERROR": 0}
    assert _findings(engine) == set()
