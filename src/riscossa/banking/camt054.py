"""camt.054 debit/credit notification: collections credited and R-transactions debited.

A notification lists account entries (Ntry), each with transactions (TxDtls; directly under
Ntry in version 01). Which transactions are direct-debit outcomes comes from the ISO bank
transaction code, family IDDT (issued direct debits, the creditor's side):

- sub-family UPDD (reversal due to a return / unpaid direct debit): a return, or a refund
  when the reason is MD06; PRDD (reversal due to payment reversal) and RCDD (reversal due to
  a cancellation request): the creditor's reversal;
- any other IDDT credit (ESDD core, BBDD B2B, PMDD, OODD, ...): the collection was paid;
  an IDDT debit without details: money taken back, a return.

RtrInf (return information, with the reason code) makes a transaction an R-transaction
whatever its sub-family. Finnish banks book collections under RDDT, so RDDT credits and
RDDT returns count too; RDDT debits are direct debits the account holder paid, not ours.
Transactions of other families (credit transfers, including returned ones, ICDT/RRTN) are
no SDD outcome: they are only counted, for the statement reconciliation to take.
"""

from __future__ import annotations

import re

from lxml import etree

from riscossa.banking.safe_xml import child, children, local_name, text
from riscossa.banking.sdd_outcome_model import (
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
)

DIRECT_DEBIT_FAMILIES = frozenset({"IDDT", "RDDT"})
# Some banks say which R-transaction it is in AddtlInf: "/RTYP/RTRN", "/RTYP/RJCT".
_RTYP = re.compile(r"/RTYP/([A-Z]{4})")
_RTYP_KINDS = {
    "RJCT": OutcomeKind.REJECT,
    "RTRN": OutcomeKind.RETURN,
    "RFND": OutcomeKind.REFUND,
    "RVSL": OutcomeKind.REVERSAL,
}


def read_notification(document: etree._Element, file_format: str, *, what: str) -> OutcomeFile:
    """The outcome file of one BkToCstmrDbtCdtNtfctn element."""
    header = child(document, "GrpHdr")
    items: list[OutcomeItem] = []
    others = 0
    for notification in children(document, "Ntfctn"):
        for entry in children(notification, "Ntry"):
            transactions = [
                tx for details in children(entry, "NtryDtls") for tx in children(details, "TxDtls")
            ] or list(children(entry, "TxDtls"))
            for tx in transactions or [None]:
                item = _item(entry, tx, len(transactions) <= 1, what=what)
                if item is None:
                    others += 1
                else:
                    items.append(item)
    return OutcomeFile(
        format=file_format,
        message_id=required_text(header, what, "MsgId"),
        created_at=iso_datetime(header, what, "CreDtTm"),
        items=tuple(items),
        other_transactions=others,
    )


def _bank_transaction_code(element: etree._Element | None) -> tuple[str, str, str] | None:
    domain = child(element, "BkTxCd", "Domn")
    code = text(domain, "Cd")
    if code is None:
        return None
    return code, text(domain, "Fmly", "Cd") or "", text(domain, "Fmly", "SubFmlyCd") or ""


def _kind(
    family: str | None,
    sub_family: str,
    credit: bool,
    returned: etree._Element | None,
    tx: etree._Element | None,
) -> OutcomeKind | None:
    """None when the transaction is no direct-debit outcome."""
    if family is not None and family not in DIRECT_DEBIT_FAMILIES:
        return None
    if returned is not None:
        notes = [e.text or "" for e in children(returned, "AddtlInf")]
        notes.append(text(tx, "AddtlTxInf") or "")
        tagged = next((m.group(1) for n in notes if (m := _RTYP.search(n))), None)
        if tagged in _RTYP_KINDS:
            return _RTYP_KINDS[tagged]
        return OutcomeKind.REVERSAL if sub_family in ("PRDD", "RCDD") else OutcomeKind.RETURN
    if family == "IDDT":
        if sub_family == "UPDD":
            return OutcomeKind.RETURN
        if sub_family in ("PRDD", "RCDD"):
            return OutcomeKind.REVERSAL
        return OutcomeKind.ACCEPTED if credit else OutcomeKind.RETURN
    if family == "RDDT" and credit:
        return OutcomeKind.ACCEPTED
    return None


def _item(
    entry: etree._Element, tx: etree._Element | None, single: bool, *, what: str
) -> OutcomeItem | None:
    btc = _bank_transaction_code(tx) or _bank_transaction_code(entry)
    status = text(entry, "Sts") or text(entry, "Sts", "Cd") or ""
    direction = text(tx, "CdtDbtInd") or text(entry, "CdtDbtInd")
    returned = child(tx, "RtrInf")
    kind = _kind(btc[1] if btc else None, btc[2] if btc else "", direction == "CRDT", returned, tx)
    if kind is None:
        return None
    code = text(returned, "Rsn", "Cd") or text(returned, "Rsn", "Prtry")
    if kind is OutcomeKind.ACCEPTED and status == "PDNG":
        kind = OutcomeKind.PENDING
    refs = child(tx, "Refs")
    details = child(entry, "NtryDtls") if tx is None else tx.getparent()
    in_details = details is not None and local_name(details) == "NtryDtls"
    batch = child(details, "Btch") if in_details else None
    amount = (
        amount_cents(child(tx, "AmtDtls", "InstdAmt", "Amt"), what)
        or amount_cents(child(tx, "AmtDtls", "TxAmt", "Amt"), what)
        or amount_cents(child(tx, "Amt"), what)
        or (amount_cents(child(entry, "Amt"), what) if single else None)
    )
    currency = amount[1] if amount else None
    fees = []
    for block in children(tx, "Chrgs") if tx is not None else ():
        for record in list(children(block, "Rcrd")) or [block]:
            found = amount_cents(child(record, "Amt"), what)
            if found is not None:
                fees.append(found)
    parties = child(tx, "RltdPties")
    return OutcomeItem(
        kind=refine(kind, code),
        status=status,
        reason_code=code,
        additional_info=joined_text(
            [] if returned is None else list(children(returned, "AddtlInf"))
        ),
        original_end_to_end_id=reference(text(refs, "EndToEndId")),
        original_instruction_id=reference(text(refs, "InstrId")),
        original_payment_info_id=text(refs, "PmtInfId") or text(batch, "PmtInfId"),
        original_message_id=text(refs, "MsgId") or text(batch, "MsgId"),
        bank_reference=text(refs, "AcctSvcrRef") or text(entry, "AcctSvcrRef"),
        original_amount_cents=amount[0] if amount else None,
        currency=currency,
        charges_cents=charges_total(fees, currency),
        mandate_id=text(refs, "MndtId"),
        debtor_name=text(parties, "Dbtr", "Nm") or text(parties, "Dbtr", "Pty", "Nm"),
        debtor_iban=text(parties, "DbtrAcct", "Id", "IBAN"),
        settlement_date=iso_date(tx, what, "RltdDts", "IntrBkSttlmDt"),
        booking_date=iso_date(entry, what, "BookgDt", "Dt")
        or iso_date(entry, what, "BookgDt", "DtTm"),
        bank_transaction_code="/".join(btc) if btc else None,
    )
