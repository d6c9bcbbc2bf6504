"""pagoPA reporting flow: exact reading, the statement it becomes, lump-sum references, refusals.

No real flow exists among the shared fixtures; the samples come from ``pagopa_samples``,
written from the published element list and checked here against the shipped schema.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib import resources
from typing import Any

import pytest
from lxml import etree

from riscossa.banking.pagopa_flow import (
    FORMAT,
    ROME,
    PagopaFlow,
    PagopaPayment,
    looks_like,
    lump_sum_reference,
    parse_pagopa_flow,
    to_statement,
)
from riscossa.banking.statement_model import StatementEntry
from riscossa.domain.errors import ImportFileError, XmlError
from tests.banking.pagopa_samples import (
    CREDITOR_ID,
    FLOW_ID,
    PAYMENTS,
    SamplePayment,
    flow_xml,
    with_payment,
)
from tests.conftest import EXTERNAL_FIXTURES

WHAT = "FR_20241120.xml"
IUV1, IUV2, IUV3, IUV4 = (payment.iuv for payment in PAYMENTS)


@cache
def _schema() -> etree.XMLSchema:
    path = resources.files("riscossa.banking").joinpath(
        "xsd", "pagopa", "FlussoRiversamento_1_0_5.xsd"
    )
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


def schema_valid(data: bytes) -> bool:
    return bool(_schema().validate(etree.fromstring(data)))


def line(data: bytes, marker: str, occurrence: int = 1) -> int:
    """The line on which ``marker`` appears for the ``occurrence``-th time."""
    at = -1
    for _ in range(occurrence):
        at = data.index(marker.encode(), at + 1)
    return data.count(b"\n", 0, at) + 1


def refused(data: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        parse_pagopa_flow(data, what=WHAT)
    return str(caught.value)


# ------------------------------------------------------------------------- exact reading


EXPECTED = PagopaFlow(
    flow_id=FLOW_ID,
    flow_datetime=dt.datetime(2024, 11, 20, 18, 15, 2, tzinfo=ROME),
    settlement_id="0306912345678901234567",
    settlement_date=dt.date(2024, 11, 20),
    psp_id="PSPEITMMXXX",
    psp_name="PSP Esempio S.p.A.",
    creditor_id="80012345678",
    creditor_name="Comune di Esempio",
    payments_count=4,
    total_cents=124_800,
    payments=(
        PagopaPayment(IUV1, "1234567890AB", 1, 12_540, "0", dt.date(2024, 11, 18)),
        PagopaPayment(IUV2, "1234567891AB", None, 8_000, "9", dt.date(2024, 11, 18)),
        PagopaPayment(
            IUV3, "c0ffee0123456789c0ffee0123456789", 1, 104_207, "4", dt.date(2024, 11, 18)
        ),
        PagopaPayment(IUV4, "1234567892AB", 2, 53, "8", dt.date(2024, 11, 18)),
    ),
    version="1.0",
    psp_id_kind="B",
    settlement_bic="PSPEITMMXXX",
)


@pytest.mark.parametrize("prefix", ["", "pay_i:"])
def test_reads_every_field(prefix: str) -> None:
    data = flow_xml(prefix=prefix)
    assert schema_valid(data)
    assert parse_pagopa_flow(data, what=WHAT) == EXPECTED


def test_sample_iuvs_are_what_the_tests_expect() -> None:
    assert (IUV1, IUV2, IUV3, IUV4) == (
        "01000000123456735",
        "01000000123456836",
        "RF3520240000042",
        "01000000123456937",
    )


def test_flow_time_without_offset_is_rome_time() -> None:
    flow = parse_pagopa_flow(flow_xml(flow_datetime="2024-07-01T09:30:00"), what=WHAT)
    assert flow.flow_datetime.utcoffset() == dt.timedelta(hours=2)  # CEST
    assert flow.flow_datetime.astimezone(dt.UTC) == dt.datetime(2024, 7, 1, 7, 30, tzinfo=dt.UTC)
    winter = parse_pagopa_flow(flow_xml(), what=WHAT).flow_datetime
    assert winter.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-11-20T18:15:02Z", dt.datetime(2024, 11, 20, 18, 15, 2, tzinfo=dt.UTC)),
        (
            "2024-11-20T18:15:02+02:00",
            dt.datetime(2024, 11, 20, 16, 15, 2, tzinfo=dt.UTC),
        ),
        (
            "2024-11-20T18:15:02.123456789",
            dt.datetime(2024, 11, 20, 18, 15, 2, 123_456, tzinfo=ROME),
        ),
        ("2024-11-20T18:15:02.5", dt.datetime(2024, 11, 20, 18, 15, 2, 500_000, tzinfo=ROME)),
    ],
)
def test_flow_time_offsets_and_fractions(raw: str, expected: dt.datetime) -> None:
    data = flow_xml(flow_datetime=raw)
    assert schema_valid(data)
    value = parse_pagopa_flow(data, what=WHAT).flow_datetime
    assert value == expected
    assert value.tzinfo is not None


def test_fewer_decimals_are_the_same_amount() -> None:
    payments = (SamplePayment(IUV1, "X1", "125.4"), SamplePayment(IUV2, "X2", "80"))
    flow = parse_pagopa_flow(flow_xml(payments=payments, total="205.4"), what=WHAT)
    assert [p.amount_cents for p in flow.payments] == [12_540, 8_000]
    assert flow.total_cents == 20_540


def test_one_receipt_may_report_several_transfers() -> None:
    """Same IUV and IUR with different indexes: the transfers of one multi-creditor receipt."""
    payments = (
        SamplePayment(IUV1, "R1", "10.00", index="1"),
        SamplePayment(IUV1, "R1", "2.50", index="2"),
        SamplePayment(IUV1, "R1", "0.10", index="5"),
    )
    flow = parse_pagopa_flow(flow_xml(payments=payments, total="12.60"), what=WHAT)
    assert [(p.index, p.amount_cents) for p in flow.payments] == [(1, 1_000), (2, 250), (5, 10)]


def test_outcome_names() -> None:
    flow = parse_pagopa_flow(flow_xml(), what=WHAT)
    assert [p.outcome for p in flow.payments] == [
        "executed",
        "executed without RPT",
        "executed in stand-in",
        "executed in stand-in without RPT",
    ]


# ---------------------------------------------------------------------------- statement


def test_to_statement() -> None:
    statement = to_statement(parse_pagopa_flow(flow_xml(), what=WHAT))
    assert statement.format == FORMAT == "pagoPA-FR-1.0.5"
    assert statement.statement_id == FLOW_ID
    assert statement.account_id == CREDITOR_ID
    assert statement.currency == "EUR"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (None, None)
    assert (statement.opening_date, statement.closing_date) == (None, None)
    assert statement.entries_total_cents == 124_800
    settled, paid = dt.date(2024, 11, 20), dt.date(2024, 11, 18)
    assert statement.entries == (
        StatementEntry(
            12_540,
            settled,
            paid,
            bank_reference="1234567890AB",
            remittance_text=f"/RFB/{IUV1}/125.40",
            bank_transaction_code="pagoPA/0",
            details_index=0,
        ),
        StatementEntry(
            8_000,
            settled,
            paid,
            bank_reference="1234567891AB",
            remittance_text=f"/RFB/{IUV2}/80.00",
            bank_transaction_code="pagoPA/9",
            details_index=1,
        ),
        StatementEntry(
            104_207,
            settled,
            paid,
            bank_reference="c0ffee0123456789c0ffee0123456789",
            remittance_text=f"/RFS/{IUV3}/1042.07",
            bank_transaction_code="pagoPA/4",
            details_index=2,
        ),
        StatementEntry(
            53,
            settled,
            paid,
            bank_reference="1234567892AB",
            remittance_text=f"/RFB/{IUV4}/0.53",
            bank_transaction_code="pagoPA/8",
            details_index=3,
        ),
    )
    assert all(e.end_to_end_id is None and not e.reversal for e in statement.entries)


# ---------------------------------------------------------------------- lump-sum reference


@pytest.mark.parametrize(
    ("remittance", "expected"),
    [
        ("/PUR/LGPE-RIVERSAMENTO/URI/2024-11-20ABI03069-S123456", "2024-11-20ABI03069-S123456"),
        # CBI RH record 63 keeps its RI1 tag; the bank appends its own words.
        (
            "RI1/PUR/LGPE-RIVERSAMENTO/URI/2025-09-23BPPIITRRXXX-000038102790 ACCREDITO "
            "BOLLETTINO P.A.",
            "2025-09-23BPPIITRRXXX-000038102790",
        ),
        # A CBI-style causale with ZZ tags before and after.
        (
            "/ZZ2SATISPAY EUROPE SA/ZZ3Comune Dimostrativo/PUR/LGPE-RIVERSAMENTO/URI/"
            "2020-11-21GovPAYPsp-1234567890/ZZ4/4184",
            "2020-11-21GovPAYPsp-1234567890",
        ),
        # Treasury journals (OPI) drop /PUR and split the id after its date.
        ("ACCREDITI VARI LGPE-RIVERSAMENTO/URI/2023-01-01 ABC123", "2023-01-01ABC123"),
        ("PUR.LGPE-RIVERSAMENTO.URI.2024-11-20ABI03069-S123456", "2024-11-20ABI03069-S123456"),
        (
            "/PUR/LGPE-RIVERSAMENTO/TXT/1/URI/2024-11-20ABI03069-S123456",
            "2024-11-20ABI03069-S123456",
        ),
        (
            "/pur/lgpe-riversamento/uri/2024-11-20abi03069-s123456",
            "2024-11-20abi03069-s123456",
        ),
        (
            "BONIFICO A VOSTRO FAVORE /PUR/LGPE-RIVERSAMENTO / URI / 2024-11-20ABI03069-S1",
            "2024-11-20ABI03069-S1",
        ),
        ("/PUR/LGPE-RIVERSAMENTO/URI/2024-11-20ABI03069-S_1 2024", "2024-11-20ABI03069-S_1"),
    ],
)
def test_lump_sum_reference(remittance: str, expected: str) -> None:
    assert lump_sum_reference(remittance) == expected


@pytest.mark.parametrize(
    "remittance",
    [
        "",
        "Pagamento fattura 2024/000123",
        f"/RFB/{IUV1}/125.40/TXT/Fattura 123",  # a single payment, not a lump sum
        "/PUR/LGPE-INTEGRAZIONE/URI/2024-11-20ABI03069-S123456",  # a top-up, not the lump sum
        "/PUR/LGPE-RIVERSAMENTO/URI/",
        "/PUR/LGPE-RIVERSAMENTO/URI/2024-11-20ABI03069-S1234567890123456789",  # 36 characters
    ],
)
def test_no_lump_sum_reference(remittance: str) -> None:
    assert lump_sum_reference(remittance) is None


def test_the_sample_flow_id_is_what_its_lump_sum_names() -> None:
    remittance = f"/PUR/LGPE-RIVERSAMENTO/URI/{FLOW_ID}"
    flow = parse_pagopa_flow(flow_xml(), what=WHAT)
    assert lump_sum_reference(remittance) == flow.flow_id == to_statement(flow).statement_id


# ----------------------------------------------------------------------------- detection


def test_looks_like() -> None:
    assert looks_like(flow_xml())
    assert looks_like(flow_xml(prefix="pay_i:"))
    assert looks_like(b"\xef\xbb\xbf" + flow_xml(head=""))
    assert not looks_like(flow_xml(namespace="http://example.org/other"))
    assert not looks_like(b"")
    assert not looks_like(b" RH0306912345")
    camt = (EXTERNAL_FIXTURES / "OCA_bank-statement-import" / "test-camt053").read_bytes()
    assert not looks_like(camt)


# ------------------------------------------------------------------------------ refusals


def test_count_off() -> None:
    data = flow_xml(count="5")
    assert schema_valid(data)  # the schema cannot count; the reader must
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: numeroTotalePagamenti says 5 payments but the flow lists 4 "
        f"(line {line(data, '<numeroTotalePagamenti>')})"
    )


def test_total_off() -> None:
    data = flow_xml(total="1248.01")
    assert schema_valid(data)  # only the reader sees it
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: importoTotalePagamenti 1248.01 is not the sum of the 4 "
        f"payments, 1248.00 (difference 0.01) (line {line(data, '<importoTotalePagamenti>')})"
    )


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("-80.00", "is negative"),
        ("80.005", "has more than 2 decimals"),
        ("80.000", "has more than 2 decimals"),
        ("0.00", "is less than 0.01"),
        ("1000000000.00", "is more than 999999999.99"),
        ("80,00", r"is not an amount \(digits and a decimal point\)"),
        ("8e1", r"is not an amount \(digits and a decimal point\)"),
        ("+80.00", "carries a sign"),
        ("", r"is not an amount \(digits and a decimal point\)"),
    ],
)
def test_bad_payment_amount(amount: str, problem: str) -> None:
    data = flow_xml(payments=with_payment(2, amount=amount))
    assert not schema_valid(data)
    where = line(data, "<singoloImportoPagato>", 2)
    with pytest.raises(ImportFileError) as caught:
        parse_pagopa_flow(data, what=WHAT)
    assert re.fullmatch(
        rf"{WHAT}: flow {FLOW_ID}: payment 2 \(IUV {IUV2}\): singoloImportoPagato "
        rf"'{re.escape(amount)}' {problem} \(line {where}\)",
        str(caught.value),
    ), str(caught.value)


@pytest.mark.parametrize(
    ("total", "problem"),
    [("-1248.00", "is negative"), ("1248.001", "has more than 2 decimals")],
)
def test_bad_total(total: str, problem: str) -> None:
    data = flow_xml(total=total)
    assert f"importoTotalePagamenti '{total}' {problem}" in refused(data)


def test_wrong_namespace() -> None:
    data = flow_xml(namespace="http://www.digitpa.gov.it/schemas/2011/Pagamenti/v2")
    assert refused(data) == (
        f"{WHAT}: root element <FlussoRiversamento> in namespace "
        "'http://www.digitpa.gov.it/schemas/2011/Pagamenti/v2' is not a pagoPA reporting flow "
        "(<FlussoRiversamento> in 'http://www.digitpa.gov.it/schemas/2011/Pagamenti/') (line 2)"
    )


def test_no_namespace_and_wrong_root() -> None:
    plain = flow_xml().replace(b' xmlns="http://www.digitpa.gov.it/schemas/2011/Pagamenti/"', b"")
    assert "in namespace '(none)' is not a pagoPA reporting flow" in refused(plain)
    assert "root element <Document> in namespace" in refused(flow_xml(root="Document"))


@pytest.mark.parametrize("version", ["1.0.5", "2.0", "1"])
def test_wrong_object_version(version: str) -> None:
    data = flow_xml(version=version)
    assert not schema_valid(data)
    assert refused(data) == (
        f"{WHAT}: versioneOggetto '{version}' is not a FlussoRiversamento version (1.0, 1.1) "
        f"(line 3)"
    )


def test_version_1_1_is_read() -> None:
    assert parse_pagopa_flow(flow_xml(version="1.1"), what=WHAT).version == "1.1"


def test_truncated() -> None:
    data = flow_xml()
    cut = data[: data.index(b"<singoloImportoPagato>", 2000)]
    with pytest.raises(XmlError, match=rf"^{WHAT}: not well-formed XML at line \d+.*truncated"):
        parse_pagopa_flow(cut, what=WHAT)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE FlussoRiversamento [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n',
        '<!DOCTYPE FlussoRiversamento [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
        '<!DOCTYPE FlussoRiversamento SYSTEM "http://example.org/fr.dtd">\n',
    ],
)
def test_doctype_and_entities_refused(doctype: str) -> None:
    data = flow_xml(head='<?xml version="1.0" encoding="UTF-8"?>\n' + doctype).replace(
        b"<denominazioneMittente>PSP Esempio S.p.A.",
        b"<denominazioneMittente>&lol2;&xxe;",
    )
    with pytest.raises(XmlError) as caught:
        parse_pagopa_flow(data, what=WHAT)
    assert str(caught.value) == (
        f"{WHAT}: line 2, column 1: DOCTYPE declarations are not accepted in bank files "
        "(DTDs and entities can read local files or exhaust memory)"
    )


def test_duplicate_payment() -> None:
    payments = (*PAYMENTS, PAYMENTS[0])
    data = flow_xml(payments=payments, total="1373.40")
    assert schema_valid(data)  # the schema allows it; the reader does not
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: payment 5: IUV '{IUV1}', IUR '1234567890AB', index 1 is "
        f"reported twice (first at line {line(data, '<datiSingoliPagamenti>')}) "
        f"(line {line(data, '<datiSingoliPagamenti>', 5)})"
    )


def test_duplicate_payment_without_index() -> None:
    payments = (*PAYMENTS, PAYMENTS[1])
    assert "IUR '1234567891AB', index None is reported twice" in refused(
        flow_xml(payments=payments, total="1328.00")
    )


def test_revoked_outcome_refused() -> None:
    data = flow_xml(payments=with_payment(3, outcome="3"))
    assert not schema_valid(data)
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: payment 3 (IUV {IUV3}): codiceEsitoSingoloPagamento '3' is "
        "not an outcome of FlussoRiversamento 1.0.5 (0 executed, 4 executed in stand-in, 8 "
        "executed in stand-in without RPT, 9 executed without RPT) (3, revoked, belongs to "
        "1.0.4 and is not imported: handle the revocation by hand) "
        f"(line {line(data, '<codiceEsitoSingoloPagamento>', 3)})"
    )


@pytest.mark.parametrize("outcome", ["1", "00", "X"])
def test_unknown_outcome_refused(outcome: str) -> None:
    message = refused(flow_xml(payments=with_payment(1, outcome=outcome)))
    assert f"codiceEsitoSingoloPagamento '{outcome}' is not an outcome of" in message
    assert "revoked" not in message


@pytest.mark.parametrize(
    ("changes", "element", "raw"),
    [
        ({"settlement_date": "2024-02-30"}, "dataRegolamento", "2024-02-30"),
        ({"settlement_date": "20/11/2024"}, "dataRegolamento", "20/11/2024"),
        ({"settlement_date": "2024-11-20T10:00:00"}, "dataRegolamento", "2024-11-20T10:00:00"),
    ],
)
def test_bad_settlement_date(changes: dict[str, Any], element: str, raw: str) -> None:
    data = flow_xml(**changes)
    assert not schema_valid(data)
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: {element} '{raw}' is not a date (YYYY-MM-DD) "
        f"(line {line(data, f'<{element}>')})"
    )


def test_bad_outcome_date() -> None:
    data = flow_xml(payments=with_payment(4, outcome_date="2024-13-01"))
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: payment 4 (IUV {IUV4}): dataEsitoSingoloPagamento "
        f"'2024-13-01' is not a date (YYYY-MM-DD) "
        f"(line {line(data, '<dataEsitoSingoloPagamento>', 4)})"
    )


def test_date_with_offset_is_read() -> None:
    data = flow_xml(settlement_date="2024-11-20+01:00")
    assert schema_valid(data)
    assert parse_pagopa_flow(data, what=WHAT).settlement_date == dt.date(2024, 11, 20)


@pytest.mark.parametrize(
    "raw", ["2024-11-20 18:15:02", "2024-11-20T25:00:00", "2024-11-20T18:15", "2024-11-20"]
)
def test_bad_flow_datetime(raw: str) -> None:
    data = flow_xml(flow_datetime=raw)
    assert not schema_valid(data)
    assert refused(data) == (
        f"{WHAT}: flow {FLOW_ID}: dataOraFlusso '{raw}' is not a date and time "
        "(YYYY-MM-DDThh:mm:ss) (line 5)"
    )


@pytest.mark.parametrize("index", ["0", "6", "1.0", "uno"])
def test_bad_index(index: str) -> None:
    data = flow_xml(payments=with_payment(1, index=index))
    assert not schema_valid(data)
    assert f"indiceDatiSingoloPagamento '{index}' is not a number from 1 to 5" in refused(data)


@pytest.mark.parametrize("flow_id", ["2024-11-20 ABI03069", "2024/11/20ABI", "A" * 36])
def test_bad_flow_id(flow_id: str) -> None:
    data = flow_xml(flow_id=flow_id)
    assert not schema_valid(data)
    assert refused(data) == (
        f"{WHAT}: identificativoFlusso '{flow_id}' is not 1-35 letters, digits, '-' or '_' (line 4)"
    )


def test_iuv_longer_than_35() -> None:
    data = flow_xml(payments=with_payment(1, iuv="9" * 36))
    assert not schema_valid(data)
    assert f"payment 1: identificativoUnivocoVersamento '{'9' * 36}' is longer than 35" in (
        refused(data)
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"psp_kind": "X"}, "tipoIdentificativoUnivoco 'X' of identificativoUnivocoMittente"),
        (
            {"creditor_kind": "B"},
            "tipoIdentificativoUnivoco 'B' of identificativoUnivocoRicevente is not one of G",
        ),
    ],
)
def test_bad_identifier_kind(changes: dict[str, Any], expected: str) -> None:
    data = flow_xml(**changes)
    assert not schema_valid(data)
    assert expected in refused(data)


def test_missing_element() -> None:
    data = re.sub(rb"\s*<dataRegolamento>[^<]*</dataRegolamento>", b"", flow_xml())
    assert refused(data) == f"{WHAT}: flow {FLOW_ID}: dataRegolamento is missing or empty (line 2)"


def test_no_payment() -> None:
    assert refused(flow_xml(payments=(), count="1", total="0.00")) == (
        f"{WHAT}: flow {FLOW_ID}: the flow lists no payment (datiSingoliPagamenti)"
    )


@pytest.mark.parametrize("count", ["0", "4.0", "-4", "quattro"])
def test_bad_count(count: str) -> None:
    assert f"numeroTotalePagamenti '{count}' is not a whole number from 1" in refused(
        flow_xml(count=count)
    )
