"""The direct-debit cycle on both backends: mandates, collection, outcomes, settlement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.banking.xml_schemas import validate
from riscossa.config import CreditorSettings
from riscossa.domain.errors import ImportFileError, ValidationError
from riscossa.services.demo.codes import italian_iban
from riscossa.services.imports import import_file
from riscossa.services.ledger import customer_ledger
from riscossa.services.sdd_collect import run_collection
from riscossa.services.sdd_files import creditor_from_settings
from riscossa.services.sdd_outcomes import apply_outcomes, settle_collections
from riscossa.services.sdd_report import reject_report

TODAY = dt.date(2026, 11, 2)  # a Monday
COLLECTION = dt.date(2026, 11, 10)
CREDITOR = creditor_from_settings(
    CreditorSettings(
        name="Riscossa Energia S.p.A.",
        creditor_id="IT66ZZZA1B2C3D4E5F6G7H8",
        iban=italian_iban("03069", "09606", "100000012345"),
        bic="BCITITMM",
    )
)
CBI_CREDITOR = creditor_from_settings(
    CreditorSettings(
        name="Riscossa Energia S.p.A.",
        creditor_id="IT66ZZZA1B2C3D4E5F6G7H8",
        iban=italian_iban("03069", "09606", "100000012345"),
        bic="BCITITMM",
        cuc="1234567X",
    )
)
IBANS = {
    code: italian_iban("05034", f"{11700 + n:05d}", f"{n:012d}")
    for n, code in enumerate(("C1", "C2", "C3", "C4"), start=1)
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def portfolio(engine: Engine, tmp_path: Path) -> Engine:
    _write(
        tmp_path / "clienti.csv",
        "Codice Cliente;Ragione Sociale;IBAN;Segmento\n"
        + "".join(f"{c};Cliente {c} Città;{i};domestico\n" for c, i in IBANS.items()),
    )
    _write(
        tmp_path / "contratti.csv",
        "Codice Contratto;Codice Cliente;Servizio;Modalità Pagamento\n"
        "K1;C1;luce;bollettino\nK2;C2;gas;bollettino\nK3;C3;acqua;bollettino\nK4;C4;luce;bonifico\n",
    )
    _write(
        tmp_path / "fatture.csv",
        "Numero Fattura;Codice Cliente;Codice Contratto;Data Emissione;Data Scadenza;Importo\n"
        "F1;C1;K1;01/10/2026;05/11/2026;120,50\n"
        "F2;C2;K2;01/10/2026;05/11/2026;80,00\n"
        "F3;C3;K3;01/10/2026;05/11/2026;45,10\n"
        "F3B;C3;K3;01/10/2026;30/11/2026;10,00\n"  # due after D: not collected
        "F4;C4;K4;01/10/2026;05/11/2026;99,99\n",  # no mandate: not collected
    )
    _write(
        tmp_path / "mandati.csv",
        "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;Intestatario Conto;IBAN\n"
        + "".join(
            f"M-{c};{c};IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente {c} Città;{IBANS[c]}\n"
            for c in ("C1", "C2", "C3")
        ),
    )
    for kind, name in (
        ("customers", "clienti.csv"),
        ("contracts", "contratti.csv"),
        ("invoices", "fatture.csv"),
        ("mandates", "mandati.csv"),
    ):
        result = import_file(engine, kind, tmp_path / name)
        assert result.rejected == 0, result.errors
    return engine


def _pain002(original: str, rejects: list[tuple[str, str, str]], msg: str = "ESITI-1") -> str:
    txs = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt></OrgnlTxRef>'
        "</TxInfAndSts>"
        for e2e, code, amount in rejects
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{msg}</MsgId><CreDtTm>2026-11-11T08:00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId>"
        "<OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>"
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>B1</OrgnlPmtInfId>{txs}</OrgnlPmtInfAndSts>"
        "</CstmrPmtStsRpt></Document>"
    )


def _items(engine: Engine) -> dict[str, tuple[str, str]]:
    s, i = t.sdd_collection_items, t.invoices
    with engine.connect() as conn:
        rows = conn.execute(
            select(i.c.number, s.c.status, s.c.reason_code).join(i, i.c.id == s.c.invoice_id)
        ).all()
    return {number: (status, reason) for number, status, reason in rows}


def test_mandates_switch_contracts_to_direct_debit(portfolio: Engine) -> None:
    with portfolio.connect() as conn:
        methods = dict(conn.execute(select(t.contracts.c.code, t.contracts.c.payment_method)).all())
    assert methods == {"K1": "sdd", "K2": "sdd", "K3": "sdd", "K4": "bank_transfer"}


def test_collection_file_validates_and_items_wait_in_transit(
    portfolio: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "sdd.xml"
    result = run_collection(portfolio, COLLECTION, out, CREDITOR, today=TODAY)
    assert result.items == 3 and result.total_cents == 12050 + 8000 + 4510
    assert result.by_sequence == {"FRST": 3}
    assert result.presentation_date == dt.date(2026, 11, 9)
    assert validate(out.read_bytes(), "pain.008.001.08") == []
    root = etree.fromstring(out.read_bytes())
    e2e = [e.text for e in root.iter("{*}EndToEndId")]
    assert len(e2e) == 3 and all(x and x.startswith(f"R{result.collection_id}-") for x in e2e)
    with portfolio.connect() as conn:
        ledger = customer_ledger(conn, "C1", COLLECTION)
    assert ledger.balance.cents == 0  # covered by the debit in transit: nobody duns C1
    # Running again collects nothing: the items are in transit.
    again = run_collection(portfolio, COLLECTION, tmp_path / "again.xml", CREDITOR, today=TODAY)
    assert again.items == 0 and not (tmp_path / "again.xml").exists()


def test_outcomes_reverse_reopen_and_follow_up(portfolio: Engine, tmp_path: Path) -> None:
    result = run_collection(portfolio, COLLECTION, tmp_path / "sdd.xml", CREDITOR, today=TODAY)
    with portfolio.connect() as conn:
        ids = dict(conn.execute(select(t.invoices.c.number, t.invoices.c.id)).all())
    e2e = {n: f"R{result.collection_id}-{ids[n]}" for n in ("F1", "F2", "F3")}
    esiti = _write(
        tmp_path / "esiti.xml",
        _pain002(result.message_id, [(e2e["F1"], "AM04", "120.50"), (e2e["F2"], "AC04", "80.00")]),
    )
    applied = apply_outcomes(portfolio, esiti, today=dt.date(2026, 11, 11))
    assert applied.applied == 2 and applied.by_reason == {"AC04": 1, "AM04": 1}
    assert _items(portfolio) == {
        "F1": ("rejected", "AM04"),
        "F2": ("rejected", "AC04"),
        "F3": ("in_transit", ""),
    }
    with portfolio.connect() as conn:
        assert customer_ledger(conn, "C1", COLLECTION).balance.cents == 12050  # reopened
        followups = dict(
            conn.execute(select(t.sdd_followups.c.reason_code, t.sdd_followups.c.action)).all()
        )
        returns = conn.execute(select(t.sdd_returns.c.reason_code)).scalars().all()
        mandate_status = dict(conn.execute(select(t.mandates.c.umr, t.mandates.c.status)).all())
    assert followups["AM04"] == "represent"
    assert followups["AC04"] in ("new_iban", "new_mandate")
    assert sorted(returns) == ["AC04", "AM04"]
    assert mandate_status["M-C2"] == "cancelled" and mandate_status["M-C1"] == "active"

    with pytest.raises(ImportFileError, match="already applied"):
        apply_outcomes(portfolio, esiti, today=dt.date(2026, 11, 11))
    stranger = _write(
        tmp_path / "other.xml", _pain002("NEVER-SENT", [(e2e["F3"], "MS02", "45.10")])
    )
    with pytest.raises(ImportFileError, match="never sent"):
        apply_outcomes(portfolio, stranger, today=dt.date(2026, 11, 11))
    wrong = _write(
        tmp_path / "wrong.xml",
        _pain002(result.message_id, [(e2e["F3"], "MS02", "45.00")], msg="ESITI-2"),
    )
    with pytest.raises(ImportFileError, match=r"45\.00 EUR but 45\.10 EUR"):
        apply_outcomes(portfolio, wrong, today=dt.date(2026, 11, 11))
    assert _items(portfolio)["F3"] == ("in_transit", "")  # nothing of a refused file applied

    # F3 had no outcome: settled as paid; F1 is re-presented once its wait is over.
    assert settle_collections(portfolio, dt.date(2026, 11, 20)) == 1
    assert _items(portfolio)["F3"][0] == "settled"
    later = run_collection(
        portfolio, dt.date(2026, 12, 1), tmp_path / "dec.xml", CREDITOR, today=dt.date(2026, 11, 25)
    )
    assert later.items == 2  # F1 re-presented (RCUR), F3B now due; F2's mandate is cancelled
    assert later.by_sequence == {"RCUR": 2}
    with portfolio.connect() as conn:
        report = reject_report(conn)
    assert report.rejects == 2 and {r["key"] for r in report.by_reason} == {"AM04", "AC04"}
    assert report.by_run[0]["rejected"] == 2 and report.by_run[0]["items"] == 3


def test_collection_dates_follow_target2(portfolio: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a TARGET2 business day"):
        run_collection(portfolio, dt.date(2026, 12, 25), tmp_path / "x.xml", CREDITOR, today=TODAY)
    with pytest.raises(ValidationError, match="the earliest is"):
        run_collection(portfolio, dt.date(2026, 11, 2), tmp_path / "x.xml", CREDITOR, today=TODAY)


def test_iban_change_becomes_an_amendment(portfolio: Engine, tmp_path: Path) -> None:
    run_collection(portfolio, COLLECTION, tmp_path / "first.xml", CREDITOR, today=TODAY)
    same_bank = italian_iban("05034", "11799", "000000009999")
    other_bank = italian_iban("03069", "01600", "000000008888")
    _write(
        tmp_path / "mandati2.csv",
        "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;Intestatario Conto;IBAN\n"
        f"M-C1;C1;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente C1 Città;{same_bank}\n"
        f"M-C2;C2;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente C2 Città;{other_bank}\n"
        f"M-C3;C3;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Cliente C3 Città;{IBANS['C3']}\n",
    )
    assert import_file(portfolio, "mandates", tmp_path / "mandati2.csv").updated == 2
    with portfolio.connect() as conn:
        rows = {r.umr: r for r in conn.execute(select(t.mandates)).all()}
    assert rows["M-C1"].status == "amended" and rows["M-C1"].original_iban == IBANS["C1"]
    assert rows["M-C1"].original_other_bank is False or rows["M-C1"].original_other_bank == 0
    assert rows["M-C2"].original_other_bank in (True, 1)


def test_a_mandate_unused_for_36_months_lapses(portfolio: Engine, tmp_path: Path) -> None:
    _write(
        tmp_path / "vecchi.csv",
        "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;Intestatario Conto;IBAN\n"
        f"M-C3;C3;IT66ZZZA1B2C3D4E5F6G7H8;09/11/2023;Cliente C3 Città;{IBANS['C3']}\n",
    )
    assert import_file(portfolio, "mandates", tmp_path / "vecchi.csv").updated == 1
    # Signed 09/11/2023 and never used: on 10/11/2026 it has lapsed; F3 is not collected.
    result = run_collection(portfolio, COLLECTION, tmp_path / "sdd.xml", CREDITOR, today=TODAY)
    assert result.items == 2
    with portfolio.connect() as conn:
        status = conn.execute(
            select(t.mandates.c.status).where(t.mandates.c.umr == "M-C3")
        ).scalar_one()
        kinds = conn.execute(select(t.mandate_events.c.kind)).scalars().all()
    assert status == "lapsed" and "lapsed" in kinds


def test_cbi_and_pain_008_001_02_files(portfolio: Engine, tmp_path: Path) -> None:
    old = run_collection(
        portfolio,
        COLLECTION,
        tmp_path / "v02.xml",
        CREDITOR,
        today=TODAY,
        file_format="pain.008.001.02",
    )
    assert old.items == 3
    assert validate((tmp_path / "v02.xml").read_bytes(), "pain.008.001.02") == []


def test_large_runs_validate_one_sample_per_shape(
    portfolio: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riscossa.services import sdd_files

    checked: list[int] = []
    real = sdd_files.validate_against

    def spy(data: bytes, schema: object, namespace: str, label: str) -> list[str]:
        checked.append(data.count(b"<DrctDbtTxInf>"))
        return real(data, schema, namespace, label)

    monkeypatch.setattr(sdd_files, "FULL_VALIDATION_MAX", 0)
    monkeypatch.setattr(sdd_files, "SAMPLE_PER_SHAPE", 1)
    monkeypatch.setattr(sdd_files, "validate_against", spy)
    result = run_collection(portfolio, COLLECTION, tmp_path / "big.xml", CREDITOR, today=TODAY)
    assert result.items == 3
    assert checked == [1]  # three FRST debits of one shape: one validated, not the file
    assert validate((tmp_path / "big.xml").read_bytes(), "pain.008.001.08") == []


_CBI_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns="urn:CBI:xsd:CBISDDReqLogMsg.00.01.01"
    targetNamespace="urn:CBI:xsd:CBISDDReqLogMsg.00.01.01" elementFormDefault="qualified">
  <xs:element name="CBISDDReqLogMsg">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="GrpHdr">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="MsgId"><xs:simpleType><xs:restriction base="xs:string">
                <xs:maxLength value="{msgid_max}"/></xs:restriction></xs:simpleType></xs:element>
              <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element name="PmtInf" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def test_cbi_file_validates_against_the_xsd_the_bank_supplied(
    portfolio: Engine, tmp_path: Path
) -> None:
    xsd = _write(tmp_path / "CBISDDReqLogMsg.00.01.01.xsd", _CBI_XSD.format(msgid_max=35))
    cbi = run_collection(
        portfolio,
        COLLECTION,
        tmp_path / "cbi.xml",
        CBI_CREDITOR,
        today=TODAY,
        file_format="cbi",
        cbi_xsd=xsd,
    )
    assert cbi.items == 3
    assert (tmp_path / "cbi.xml").read_bytes().count(b"<DrctDbtTxInf>") == 3


def test_a_cbi_file_the_xsd_refuses_is_neither_written_nor_booked(
    portfolio: Engine, tmp_path: Path
) -> None:
    xsd = _write(tmp_path / "CBISDDReqLogMsg.00.01.01.xsd", _CBI_XSD.format(msgid_max=5))
    with pytest.raises(ValidationError, match=r"CBISDDReqLogMsg\.00\.01\.01\.xsd: line \d+.*MsgId"):
        run_collection(
            portfolio,
            COLLECTION,
            tmp_path / "cbi.xml",
            CBI_CREDITOR,
            today=TODAY,
            file_format="cbi",
            cbi_xsd=xsd,
        )
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in ("", ".xml", ".staged")) == []
    with portfolio.connect() as conn:
        assert (
            conn.execute(select(t.payments.c.id).where(t.payments.c.channel == "sdd")).all() == []
        )
        assert conn.execute(select(t.sdd_collections.c.id)).all() == []


def test_an_unusable_cbi_xsd_is_named(portfolio: Engine, tmp_path: Path) -> None:
    xsd = _write(tmp_path / "broken.xsd", "<xs:schema")
    with pytest.raises(
        ValidationError, match=r"RISCOSSA_CBI_XSD: .*broken\.xsd is not a usable XSD"
    ):
        run_collection(
            portfolio,
            COLLECTION,
            tmp_path / "cbi.xml",
            CBI_CREDITOR,
            today=TODAY,
            file_format="cbi",
            cbi_xsd=xsd,
        )
    assert not (tmp_path / "cbi.xml").exists()


def test_bad_mandate_rows_are_rejected_with_reasons(portfolio: Engine, tmp_path: Path) -> None:
    _write(
        tmp_path / "errati.csv",
        "Riferimento Mandato;Codice Cliente;Codice Contratto;Codice Creditore;Data Firma;"
        "Intestatario Conto;IBAN\n"
        f"M-X1;C1;K9;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Tizio;{IBANS['C1']}\n"
        f"M-X2;C1;K2;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Tizio;{IBANS['C1']}\n"
        f"M-X3;C1;;IT00ZZZA1B2C3D4E5F6G7H8;01/09/2026;Tizio;{IBANS['C1']}\n"
        "M-X4;C1;;IT66ZZZA1B2C3D4E5F6G7H8;01/09/2026;Tizio;IT61X0542811101000000123456\n",
    )
    result = import_file(portfolio, "mandates", tmp_path / "errati.csv")
    assert result.imported == 0 and result.rejected == 4
    messages = {e.row: e.message for e in result.errors}
    assert messages[2] == "unknown contract code 'K9'"
    assert messages[3] == "contract 'K2' belongs to another customer"
    assert messages[4].startswith("not a SEPA creditor identifier")
    assert messages[5] == "the IBAN is not valid (BAD_CHECKSUM)"
