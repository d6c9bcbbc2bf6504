"""Italian CBI SDD outcome messages ("esiti SDD" and technical validation).

A CBI physical message (CBIBdySDDStsRpt, CBIBdySDDTechValSts) wraps one or more logical
messages (CBISDDStsRptLogMsg, CBISDDTechValStsLogMsg), each a pain.002-like status report
answering one collection; NbOfLogMsg declares how many. A logical message may also arrive
on its own. Versions 00.01.00 (pain.002.001.03 structure) and 00.01.01 (pain.002.001.10
structure) are read; the logical message's namespace names the format.
"""

from __future__ import annotations

import re

from lxml import etree

from riscossa.banking.pain002 import read_status_report
from riscossa.banking.safe_xml import child, children, line_of, local_name, namespace, text
from riscossa.banking.sdd_outcome_model import OutcomeFile
from riscossa.domain.errors import ImportFileError

CBI_PREFIX = "urn:CBI:xsd:"
# physical message root -> its logical message
LOGICAL = {"CBIBdySDDStsRpt": "CBISDDStsRptLogMsg", "CBIBdySDDTechValSts": "CBISDDTechValStsLogMsg"}
VERSION = re.compile(r"00\.01\.0[01]")


def is_cbi_root(root: etree._Element) -> bool:
    name = local_name(root)
    if name not in LOGICAL and name not in LOGICAL.values():
        return False
    expected = f"{CBI_PREFIX}{name}."
    ns = namespace(root)
    return ns.startswith(expected) and VERSION.fullmatch(ns.removeprefix(expected)) is not None


def read_cbi_status(root: etree._Element, *, what: str) -> tuple[OutcomeFile, ...]:
    """Every logical message of a CBI SDD status or technical-validation message."""
    name = local_name(root)
    if name in LOGICAL:
        logical = LOGICAL[name]
        messages = [
            found
            for envelope in children(root, f"CBIEnvel{logical.removeprefix('CBI')}")
            if (found := child(envelope, logical)) is not None
        ]
        declared = text(root, "PhyMsgInf", "NbOfLogMsg")
        if declared is not None and declared != str(len(messages)):
            raise ImportFileError(
                f"{what}: NbOfLogMsg declares {declared} logical messages, the file holds "
                f"{len(messages)}{line_of(child(root, 'PhyMsgInf'))}"
            )
        if not messages:
            raise ImportFileError(f"{what}: no {logical} in the file")
    else:
        logical, messages = name, [root]
    return tuple(
        read_status_report(
            message,
            _format(message, logical, what),
            what=what if len(messages) == 1 else f"{what}, logical message {n}",
            cbi_timing=True,
        )
        for n, message in enumerate(messages, start=1)
    )


def _format(message: etree._Element, logical: str, what: str) -> str:
    """ "CBISDDStsRptLogMsg.00.01.00", from the namespace of the logical message's header."""
    header = child(message, "GrpHdr")
    ns = namespace(header if header is not None else message)
    expected = f"{CBI_PREFIX}{logical}."
    if not ns.startswith(expected) or not VERSION.fullmatch(ns.removeprefix(expected)):
        raise ImportFileError(
            f"{what}: the {logical} content is in namespace {ns or '(none)'!r}; "
            f"expected {expected}00.01.00 or 00.01.01{line_of(header)}"
        )
    return ns.removeprefix(CBI_PREFIX)
