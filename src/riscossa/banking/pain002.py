"""pain.002 customer payment status report: the bank's rejects of a pain.008 collection.

Statuses come at three levels: the group (the whole file), the batch (OrgnlPmtInfAndSts,
one PmtInf of the collection) and the transaction. A transaction without TxSts takes the
status of its batch or group. Versions 03 to 14 and the national profiles (Swiss SIX
pain.002.001.03.ch.02, German DK pain.002.003.03) differ in namespace and in a few nestings
(Dbtr/Pty/Nm, MndtRltdInf/DrctDbtMndt from version 10), which the reader accepts both ways.
The CBI "esiti" log message carries the same body, so the CBI reader reuses this one.
"""

from __future__ import annotations

from lxml import etree

from riscossa.banking.safe_xml import child, children, line_of, text
from riscossa.banking.sdd_outcome_model import (
    BatchOutcome,
    OutcomeFile,
    OutcomeItem,
    OutcomeKind,
    amount_cents,
    charges_total,
    iso_date,
    iso_datetime,
    joined_text,
    reference,
    refine,
    required_text,
    status_kind,
)
from riscossa.domain.errors import ImportFileError


def reason_of(element: etree._Element) -> tuple[str | None, str | None]:
    """(reason code, additional info) of the StsRsnInf blocks under ``element``: the first
    code (ISO Cd, else proprietary), every AddtlInf text."""
    code = None
    infos: list[etree._Element] = []
    for block in children(element, "StsRsnInf"):
        code = code or text(block, "Rsn", "Cd") or text(block, "Rsn", "Prtry")
        infos.extend(children(block, "AddtlInf"))
    return code, joined_text(infos)


def read_status_report(
    report: etree._Element, file_format: str, *, what: str, cbi_timing: bool = False
) -> OutcomeFile:
    """The outcome file of one CstmrPmtStsRpt (or CBI log message) element.

    ``cbi_timing``: CBI marks an R-transaction's timing in AddtlInf, PRE (before settlement,
    a reject) or POST (after it, a return or refund); ISO reports are always rejects.
    """
    header = child(report, "GrpHdr")
    group = child(report, "OrgnlGrpInfAndSts")
    if header is None or group is None:
        missing = "GrpHdr" if header is None else "OrgnlGrpInfAndSts"
        raise ImportFileError(f"{what}: {missing} is missing{line_of(report)}")
    group_status = text(group, "GrpSts")
    group_code, group_info = reason_of(group)
    batches: list[BatchOutcome] = []
    items: list[OutcomeItem] = []
    original_message_id = required_text(group, what, "OrgnlMsgId")
    for batch in children(report, "OrgnlPmtInfAndSts"):
        payment_info_id = text(batch, "OrgnlPmtInfId")
        batch_status = text(batch, "PmtInfSts")
        if batch_status is not None:
            code, info = reason_of(batch)
            kind = status_kind(batch_status)
            batches.append(
                BatchOutcome(
                    payment_info_id=payment_info_id or "",
                    status=batch_status,
                    kind=None if kind is None else refine(kind, code),
                    reason_code=code,
                    additional_info=info,
                )
            )
        inherited = next(
            (s for s in (batch_status, group_status) if s is not None and status_kind(s)), None
        )
        for tx in children(batch, "TxInfAndSts"):
            items.append(
                _transaction(
                    tx,
                    inherited,
                    payment_info_id,
                    original_message_id,
                    what=what,
                    cbi_timing=cbi_timing,
                )
            )
    return OutcomeFile(
        format=file_format,
        message_id=required_text(header, what, "MsgId"),
        created_at=iso_datetime(header, what, "CreDtTm"),
        original_message_id=original_message_id,
        original_message_name=text(group, "OrgnlMsgNmId"),
        group_status=group_status,
        group_reason_code=group_code,
        group_additional_info=group_info,
        batches=tuple(batches),
        items=tuple(items),
    )


def _transaction(
    tx: etree._Element,
    inherited: str | None,
    payment_info_id: str | None,
    original_message_id: str,
    *,
    what: str,
    cbi_timing: bool,
) -> OutcomeItem:
    end_to_end_id = reference(text(tx, "OrgnlEndToEndId"))
    status = text(tx, "TxSts") or inherited
    if status is None:
        raise ImportFileError(
            f"{what}: transaction {end_to_end_id or '(no end-to-end id)'} has no status, "
            f"nor has its batch or group{line_of(tx)}"
        )
    code, info = reason_of(tx)
    kind = status_kind(status) or OutcomeKind.PENDING
    if cbi_timing and kind is OutcomeKind.REJECT and _after_settlement(info):
        kind = OutcomeKind.RETURN
    ref = child(tx, "OrgnlTxRef")
    amount = amount_cents(child(ref, "Amt", "InstdAmt"), what) or amount_cents(
        child(ref, "IntrBkSttlmAmt"), what
    )
    currency = amount[1] if amount else None
    fees = [
        found
        for block in children(tx, "ChrgsInf")
        if (found := amount_cents(child(block, "Amt"), what)) is not None
    ]
    return OutcomeItem(
        kind=refine(kind, code),
        status=status,
        reason_code=code,
        additional_info=info,
        original_end_to_end_id=end_to_end_id,
        original_instruction_id=reference(text(tx, "OrgnlInstrId")),
        original_payment_info_id=payment_info_id,
        original_message_id=original_message_id,
        bank_reference=text(tx, "StsId") or text(tx, "AcctSvcrRef"),
        original_amount_cents=amount[0] if amount else None,
        currency=currency,
        charges_cents=charges_total(fees, currency),
        mandate_id=text(ref, "MndtRltdInf", "MndtId")
        or text(ref, "MndtRltdInf", "DrctDbtMndt", "MndtId"),
        debtor_name=text(ref, "Dbtr", "Nm") or text(ref, "Dbtr", "Pty", "Nm"),
        debtor_iban=text(ref, "DbtrAcct", "Id", "IBAN"),
        sequence_type=text(ref, "PmtTpInf", "SeqTp"),
        collection_date=iso_date(ref, what, "ReqdColltnDt"),
        settlement_date=iso_date(ref, what, "IntrBkSttlmDt"),
    )


def _after_settlement(info: str | None) -> bool:
    return info is not None and info.split()[0].upper() == "POST"
