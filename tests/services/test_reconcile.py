"""Flows import and the matching engine on a small ledger, rule by rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.domain.errors import ImportFileError, ValidationError
from riscossa.services.demo.codes import italian_iban, pagopa_notice, rf_reference
from riscossa.services.demo.flow_writers import Movement
from riscossa.services.demo.flow_writers import camt053 as write_camt053
from riscossa.services.dunning_guard import covered_amounts
from riscossa.services.flows import import_flow
from riscossa.services.imports import import_file
from riscossa.services.manual_match import manual_match, unmatch
from riscossa.services.reconcile import reconcile
from riscossa.services.reconcile_views import allocation_list, unapplied_queue

AS_OF = dt.date(2026, 11, 20)
CREDITOR_IBAN = italian_iban("03069", "09606", "100000012345")
IBAN = {
    code: italian_iban("05034", f"{11700 + n:05d}", f"{n:012d}")
    for n, code in enumerate(("C1", "C2", "C3", "C4", "C5"), start=1)
}
NOTICE = pagopa_notice(1, 4242)
RF = rf_reference("0000000777")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ledger(engine: Engine, tmp_path: Path) -> Engine:
    _write(
        tmp_path / "clienti.csv",
        "Codice Cliente;Ragione Sociale;IBAN;Codice Fiscale\n"
        f"C1;Mario Rossi;{IBAN['C1']};RSSMRA80A01H501U\n"
        f"C2;Giulia Bianchi;{IBAN['C2']};BNCGLI85M41F205X\n"
        f"C3;Ferramenta Verdi S.r.l.;{IBAN['C3']};\n"
        f"C4;Luca Esposito;;SPSLCU70C10F839K\n"
        f"C5;Anna Colombo;{IBAN['C5']};\n",
    )
    _write(
        tmp_path / "fatture.csv",
        "Numero Fattura;Codice Cliente;Data Emissione;Data Scadenza;Importo;Codice Avviso\n"
        f"2026/000101;C1;01/09/2026;01/10/2026;100,00;{NOTICE}\n"
        "2026/000102;C1;01/10/2026;01/11/2026;50,00;\n"
        "2026/000201;C2;01/09/2026;01/10/2026;80,00;\n"
        "2026/000202;C2;01/10/2026;01/11/2026;30,00;\n"
        "2026/000203;C2;01/10/2026;15/11/2026;45,00;\n"
        f"2026/000301;C3;01/09/2026;01/10/2026;500,00;{RF}\n"
        "2026/000401;C4;01/09/2026;01/10/2026;60,00;\n"
        "2026/000402;C4;01/10/2026;01/11/2026;60,00;\n"
        "2026/000501;C5;01/10/2026;01/11/2026;70,00;\n",
    )
    for kind, name in (("customers", "clienti.csv"), ("invoices", "fatture.csv")):
        result = import_file(engine, kind, tmp_path / name)
        assert result.rejected == 0, result.errors
    return engine


def camt053(entries: list[tuple[int, str, str, str, str]], *, reversal: str = "") -> str:
    """A camt.053.001.02 with one credit per (cents, reference, name, iban, remittance) and,
    given ``"cents|reference|iban"``, a reversal taking such a credit back."""
    day = dt.date(2026, 11, 19)
    movements = [
        Movement(cents, day, day, ref, payer_name=name, payer_iban=iban, remittance=text)
        for cents, ref, name, iban, text in entries
    ]
    if reversal:
        cents, ref, iban = reversal.split("|")
        movements.append(Movement(-int(cents), day, day, ref, payer_iban=iban, reversal=True))
    return write_camt053(
        account_iban=CREDITOR_IBAN,
        message_id="STMT-1",
        statement_id="STMT-1-1",
        created=dt.datetime(2026, 11, 19, 20, 0, tzinfo=dt.UTC),
        day=day,
        opening_cents=0,
        movements=movements,
    ).decode("utf-8")


def _allocations(engine: Engine) -> dict[str, list[tuple[str, int, str]]]:
    with engine.connect() as conn:
        frame = allocation_list(conn)
    out: dict[str, list[tuple[str, int, str]]] = {}
    for row in frame.sort("invoice").iter_rows(named=True):
        out.setdefault(row["bank_reference"], []).append(
            (row["invoice"], row["amount_cents"], row["rule"])
        )
    return out


def _status(engine: Engine, reference: str) -> tuple[str, int | None]:
    p = t.payments
    with engine.connect() as conn:
        row = conn.execute(
            select(p.c.status, p.c.customer_id).where(p.c.bank_reference == reference)
        ).one()
    return row.status, row.customer_id


def test_each_rule_finds_what_it_should(ledger: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "stmt.xml",
        camt053(
            [
                (10000, "B1", "M. Rossi", "", f"PAGAMENTO AVVISO {NOTICE}"),
                (50000, "B2", "FERRAMENTA VERDI SRL", "", f"/RFB/{RF}"),
                (3000, "B3", "Giulia Bianchi", "", "saldo fatt. 2026/000202"),
                (
                    12500,
                    "B4",
                    "G BIANCHI",
                    IBAN["C2"],
                    "bollette",
                ),  # 80 + 45: all that is left once B3 paid 30
                (6000, "B5", "Esposito", "", "CF SPSLCU70C10F839K"),  # two of 60: law
                (7500, "B6", "Anna Colombo", IBAN["C5"], "bolletta"),  # 70 + 5 credit
                (4000, "B7", "Sconosciuto Pagatore", "IT02A0300203280000400162854", "regalo"),
                (2000, "B8", "Mario Rossi", "", "acconto"),  # a name alone: only a suggestion
            ]
        ),
    )
    imported = import_flow(ledger, path)
    assert (imported.payments, imported.credits_cents) == (8, 95000)
    result = reconcile(ledger, as_of=AS_OF)
    assert result.payments == 8
    assert result.matched == 6
    assert result.suggested == 0
    assert result.unapplied == 2
    got = _allocations(ledger)
    assert got == {
        "B1": [("2026/000101", 10000, "reference")],
        "B2": [("2026/000301", 50000, "reference")],
        "B3": [("2026/000202", 3000, "invoice_number")],
        "B4": [("2026/000201", 8000, "iban:total_due"), ("2026/000203", 4500, "iban:total_due")],
        "B5": [("2026/000401", 6000, "tax_code:by_law")],
        "B6": [("2026/000501", 7000, "iban:by_law")],
    }
    assert _status(ledger, "B6")[0] == "booked"  # the 5.00 left is C5's credit
    assert _status(ledger, "B7") == ("unapplied", None)
    assert _status(ledger, "B8") == ("unapplied", None)
    with ledger.connect() as conn:
        queue = {row["bank_reference"]: row for row in unapplied_queue(conn)}
        guard = {r["customer_id"]: r for r in covered_amounts(conn).iter_rows(named=True)}
        c1 = conn.execute(select(t.customers.c.id).where(t.customers.c.code == "C1")).scalar()
    first = queue["B8"]["suggestions"][0]
    assert (first["customer"], first["invoice"], first["rule"]) == ("C1", None, "name")
    assert guard[c1]["unapplied_cents"] == 2000  # Mario's 20.00 on the desk holds his dunning
    again = reconcile(ledger, as_of=AS_OF)
    assert (again.payments, again.matched) == (2, 0)  # idempotent: only the queue again


def test_import_is_once_and_atomic(ledger: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "stmt.xml", camt053([(10000, "B1", "Mario Rossi", "", "x")]))
    import_flow(ledger, path)
    with pytest.raises(ImportFileError, match=r"stmt\.xml: this file was already imported"):
        import_flow(ledger, path)
    renamed = _write(tmp_path / "copy.xml", path.read_text() + "\n")
    again = import_flow(ledger, renamed)  # other bytes, same entries: duplicates, not payments
    assert (again.payments, again.duplicates) == (0, 1)
    broken = _write(tmp_path / "broken.xml", path.read_text()[:-40])
    with pytest.raises(ImportFileError, match=r"broken\.xml"):
        import_flow(ledger, broken)
    unknown = _write(tmp_path / "what.txt", "hello\n")
    with pytest.raises(ImportFileError, match=r"what\.txt: unknown payment-flow format"):
        import_flow(ledger, unknown)
    with ledger.connect() as conn:
        assert len(conn.execute(select(t.flow_files.c.id)).all()) == 2
        assert len(conn.execute(select(t.payments.c.id)).all()) == 1


def test_a_reversal_reopens_what_the_payment_paid(ledger: Engine, tmp_path: Path) -> None:
    import_flow(
        ledger,
        _write(
            tmp_path / "d1.xml",
            camt053([(8000, "B1", "Giulia Bianchi", IBAN["C2"], "fattura 2026/000201")]),
        ),
    )
    reconcile(ledger, as_of=AS_OF)
    assert _allocations(ledger) == {"B1": [("2026/000201", 8000, "invoice_number")]}
    result = import_flow(
        ledger,
        _write(tmp_path / "d2.xml", camt053([], reversal=f"8000|R1|{IBAN['C2']}")),
    )
    assert result.reversals == 1
    assert _allocations(ledger) == {}
    assert _status(ledger, "B1")[0] == "reversed"
    with ledger.connect() as conn:
        open_cents = conn.execute(
            select(t.invoices.c.allocated_cents).where(t.invoices.c.number == "2026/000201")
        ).scalar()
    assert open_cents == 0


def test_manual_match_learns_the_payer_and_is_audited(ledger: Engine, tmp_path: Path) -> None:
    import_flow(
        ledger,
        _write(
            tmp_path / "d1.xml",
            camt053([(5000, "B1", "Zio Paperone", "IT02A0300203280000400162854", "per Mario")]),
        ),
    )
    reconcile(ledger, as_of=AS_OF)
    assert _status(ledger, "B1") == ("unapplied", None)
    matched = manual_match(ledger, "B1", ["2026/000102"], actor="operatore1", as_of=AS_OF)
    assert (matched.customer_code, matched.lines, matched.aliases_learned) == (
        "C1",
        (("2026/000102", 5000),),
        2,
    )
    with pytest.raises(ValidationError, match="already fully allocated"):
        manual_match(ledger, "B1", ["2026/000101"], actor="operatore1", as_of=AS_OF)
    # The uncle pays again: his IBAN is now an alias of C1.
    import_flow(
        ledger,
        _write(
            tmp_path / "d2.xml",
            camt053([(10000, "B2", "Zio Paperone", "IT02A0300203280000400162854", "")]),
        ),
    )
    reconcile(ledger, as_of=AS_OF)
    assert _allocations(ledger)["B2"] == [("2026/000101", 10000, "alias:exact_item")]
    released = unmatch(ledger, "B1", actor="operatore2")
    assert released == 5000
    assert _status(ledger, "B1") == ("unapplied", None)
    with ledger.connect() as conn:
        log = conn.execute(
            select(
                t.audit_log.c.actor, t.audit_log.c.action, t.audit_log.c.before, t.audit_log.c.after
            ).order_by(t.audit_log.c.id)
        ).all()
    assert [(r.actor, r.action) for r in log] == [
        ("operatore1", "match"),
        ("operatore2", "unmatch"),
    ]
    assert json.loads(log[1].before)["lines"] == [["2026/000102", 5000, "manual"]]
    assert json.loads(log[1].after)["lines"] == []


def test_what_exceeds_the_named_bill_pays_the_other_debts(ledger: Engine, tmp_path: Path) -> None:
    import_flow(
        ledger,
        _write(
            tmp_path / "d1.xml",
            camt053(
                [
                    (12000, "B1", "Mario Rossi", "", f"AVVISO {NOTICE}"),
                    (50000, "B2", "Ferramenta Verdi", "", f"{RF} arrotondato"),
                ]
            ),
        ),
    )
    result = reconcile(ledger, as_of=AS_OF)
    assert _allocations(ledger) == {
        "B1": [("2026/000101", 10000, "reference"), ("2026/000102", 2000, "reference")],
        "B2": [("2026/000301", 50000, "reference")],
    }
    assert result.credit_cents == 0
