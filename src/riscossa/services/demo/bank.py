"""The demo's bank: answers a collection with a pain.002.001.10 status report of rejects.

Shares of reason codes follow what Italian utilities see on consumer direct debits:
insufficient funds first, then closed accounts, refusals, missing mandates, wrong IBANs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from lxml import etree

NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
REJECT_SHARE = 0.04
REASONS: tuple[tuple[str, float], ...] = (
    ("AM04", 0.50),
    ("AC04", 0.14),
    ("MS02", 0.12),
    ("MD01", 0.08),
    ("AC01", 0.06),
    ("MD06", 0.05),
    ("AC06", 0.03),
    ("MD07", 0.02),
)


def pick_rejects(
    items: Sequence[tuple[str, int]], rng: random.Random, share: float = REJECT_SHARE
) -> list[tuple[str, int, str]]:
    """(end-to-end id, amount in cents, reason) for a random share of the debits."""
    chosen = []
    codes = [code for code, _ in REASONS]
    weights = [weight for _, weight in REASONS]
    for e2e, cents in items:
        if rng.random() < share:
            chosen.append((e2e, cents, rng.choices(codes, weights)[0]))
    return chosen


def status_report(
    original_message_id: str,
    rejects: Sequence[tuple[str, int, str]],
    created: dt.datetime,
    message_id: str,
) -> bytes:
    def el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            child.text = text
        return child

    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    report = el(root, "CstmrPmtStsRpt")
    header = el(report, "GrpHdr")
    el(header, "MsgId", message_id)
    el(header, "CreDtTm", created.replace(microsecond=0).isoformat())
    group = el(report, "OrgnlGrpInfAndSts")
    el(group, "OrgnlMsgId", original_message_id)
    el(group, "OrgnlMsgNmId", "pain.008.001.08")
    el(group, "GrpSts", "PART")
    batch = el(report, "OrgnlPmtInfAndSts")
    el(batch, "OrgnlPmtInfId", f"{original_message_id}-1")
    for e2e, cents, reason in rejects:
        tx = el(batch, "TxInfAndSts")
        el(tx, "OrgnlEndToEndId", e2e)
        el(tx, "TxSts", "RJCT")
        why = el(tx, "StsRsnInf")
        el(el(why, "Rsn"), "Cd", reason)
        ref = el(tx, "OrgnlTxRef")
        amount = el(el(ref, "Amt"), "InstdAmt", f"{cents // 100}.{cents % 100:02d}")
        amount.set("Ccy", "EUR")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
