"""The bank registry as polars frames, and its verdict on a whole batch of checked IBANs.

``apply_registry`` is the columnar twin of ``registry_verdict``: the same rules, applied
with joins between the batch and the registry frames, so that a million IBANs cost a few
joins rather than a million lookups. Only the chains of successors are followed bank by bank
(a few thousand at most, once per date), with the very function the per-record path uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from riscossa.banking.bank_registry import (
    ALWAYS_KNOWN,
    REGISTRY_COUNTRIES,
    TRANSFER_PATTERN,
    Bank,
    BankEvent,
    BankRegistry,
    Branch,
    Confidence,
    EventKind,
)
from riscossa.banking.iban import IbanCode, build_iban, italian_bban

BANK_SCHEMA = pl.Schema(
    {
        "abi": pl.Utf8,
        "name": pl.Utf8,
        "bic": pl.Utf8,
        "valid_from": pl.Date,
        "valid_to": pl.Date,
        "source": pl.Utf8,
    }
)
EVENT_SCHEMA = pl.Schema(
    {
        "kind": pl.Utf8,
        "absorbed_abi": pl.Utf8,
        "successor_abi": pl.Utf8,
        "effective_date": pl.Date,
    }
)
BRANCH_SCHEMA = pl.Schema(
    {
        "abi": pl.Utf8,
        "cab": pl.Utf8,
        "town": pl.Utf8,
        "opened": pl.Date,
        "closed": pl.Date,
        "closing_reason_code": pl.Utf8,
        "closing_reason": pl.Utf8,
    }
)
ADDED_COLUMNS = (
    "bank_name",
    "branch_town",
    "proposal_iban",
    "proposal_abi",
    "proposal_confidence",
)

_MIN = pl.lit(dt.date.min)
_MAX = pl.lit(dt.date.max)


class RegistrySnapshot:
    """One registry (a load, or schwifty's list) as frames, with its per-record twin."""

    def __init__(
        self,
        banks: pl.DataFrame,
        events: pl.DataFrame,
        branches: pl.DataFrame,
        *,
        source: str,
        load_id: int | None = None,
        loaded_at: dt.datetime | None = None,
    ) -> None:
        self.banks = banks.select(list(BANK_SCHEMA)).cast(BANK_SCHEMA)
        self.events = events.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA)
        self.branches = branches.select(list(BRANCH_SCHEMA)).cast(BRANCH_SCHEMA)
        self.source = source
        self.load_id = load_id
        self.loaded_at = loaded_at
        self._registry: BankRegistry | None = None
        self._successors: dict[dt.date, pl.DataFrame] = {}

    @classmethod
    def from_records(
        cls,
        banks: Iterable[Bank],
        events: Iterable[BankEvent] = (),
        branches: Iterable[Branch] = (),
        *,
        source: str,
        load_id: int | None = None,
    ) -> RegistrySnapshot:
        return cls(
            pl.DataFrame(
                [
                    (b.abi, b.name, b.bic, b.valid_from, b.valid_to, b.source or source)
                    for b in banks
                ],
                schema=BANK_SCHEMA,
                orient="row",
            ),
            pl.DataFrame(
                [(e.kind.value, e.absorbed_abi, e.successor_abi, e.effective_date) for e in events],
                schema=EVENT_SCHEMA,
                orient="row",
            ),
            pl.DataFrame(
                [
                    (
                        b.abi,
                        b.cab,
                        b.town,
                        b.opened,
                        b.closed,
                        b.closing_reason_code,
                        b.closing_reason,
                    )
                    for b in branches
                ],
                schema=BRANCH_SCHEMA,
                orient="row",
            ),
            source=source,
            load_id=load_id,
        )

    @property
    def registry(self) -> BankRegistry:
        """The per-record registry, built on first use from the same frames."""
        if self._registry is None:
            self._registry = BankRegistry(
                (Bank(**row) for row in self.banks.iter_rows(named=True)),
                self._event_records(),
                (Branch(**row) for row in self.branches.iter_rows(named=True)),
            )
        return self._registry

    def _event_records(self) -> list[BankEvent]:
        return [
            BankEvent(EventKind(kind), absorbed, successor, day)
            for kind, absorbed, successor, day in self.events.iter_rows()
        ]

    def _chains(self) -> BankRegistry:
        """Successions need the events only: skip building a hundred thousand branches."""
        if self._registry is not None:
            return self._registry
        return BankRegistry((), self._event_records())

    def successors(self, as_of: dt.date) -> pl.DataFrame:
        """``abi -> successor_abi``: the end of each chain of events effective by ``as_of``."""
        if as_of not in self._successors:
            absorbed = self.events.filter(pl.col("effective_date") <= as_of)
            abis = absorbed.get_column("absorbed_abi").unique().sort().to_list()
            chains = self._chains()
            pairs = [(abi, chains.successor(abi, as_of)) for abi in abis]
            self._successors[as_of] = pl.DataFrame(
                [p for p in pairs if p[1] is not None],
                schema={"abi": pl.Utf8, "successor_abi": pl.Utf8},
                orient="row",
            )
        return self._successors[as_of]

    def bank_status(self, as_of: dt.date) -> pl.DataFrame:
        """Per ABI: the name in force on ``as_of``, else the last name before it."""
        active = (
            self.banks.filter(_covering("valid_from", "valid_to", as_of))
            .sort(_span_key("valid_from", "valid_to", "name"))
            .group_by("abi")
            .agg(active_name=pl.col("name").last())
        )
        retired = (
            self.banks.filter(pl.col("valid_to") < as_of)
            .sort("valid_to", "name")
            .group_by("abi")
            .agg(retired_name=pl.col("name").last())
        )
        known = self.banks.select("abi").unique()
        return known.join(active, on="abi", how="left").join(retired, on="abi", how="left")

    def branch_status(self, as_of: dt.date) -> pl.DataFrame:
        """Per (ABI, CAB): operating on ``as_of``, town when open, when last closed, and last."""
        ordered = self.branches.sort(_span_key("opened", "closed", "town"), maintain_order=True)
        operating = (
            ordered.filter(_covering("opened", "closed", as_of))
            .group_by("abi", "cab")
            .agg(open_town=pl.col("town").last())
        )
        closed = (
            self.branches.filter(pl.col("closed") < as_of)
            .sort("closed", "town")
            .group_by("abi", "cab")
            .agg(closed_town=pl.col("town").last())
        )
        latest = ordered.group_by("abi", "cab").agg(
            latest_town=pl.col("town").last(),
            transferred=pl.col("closing_reason").last().str.contains(TRANSFER_PATTERN),
        )
        return (
            latest.join(operating, on=["abi", "cab"], how="left")
            .join(closed, on=["abi", "cab"], how="left")
            .with_columns(
                is_open=pl.col("open_town").is_not_null(),
                is_closed=pl.col("closed_town").is_not_null(),
                transferred=pl.col("transferred").fill_null(value=False),
            )
        )

    def branch_banks(self) -> pl.DataFrame:
        return self.branches.select("abi").unique()


def _covering(start: str, end: str, day: dt.date) -> pl.Expr:
    return (pl.col(start).is_null() | (pl.col(start) <= day)) & (
        pl.col(end).is_null() | (pl.col(end) >= day)
    )


def _span_key(start: str, end: str, label: str) -> list[pl.Expr]:
    """The sort order of ``period_key``: start, end, label (ascending: the last wins)."""
    return [pl.col(start).fill_null(_MIN), pl.col(end).fill_null(_MAX), pl.col(label)]


def apply_registry(frame: pl.DataFrame, snapshot: RegistrySnapshot, as_of: dt.date) -> pl.DataFrame:
    """Registry verdicts for the formally valid IT/SM rows of a checker batch (same order).

    ``frame`` has the checker's columns (iban, code, country, bank_code, branch_code,
    account, corrected); the result adds bank_name, branch_town, proposal_iban,
    proposal_abi and proposal_confidence, null where the registry has nothing to say.
    """
    ok = IbanCode.OK.value
    code_dtype = frame.schema["code"]
    work = frame.with_row_index("__row").with_columns(
        __eligible=(pl.col("code").cast(pl.Utf8) == ok)
        & pl.col("country").is_in(sorted(REGISTRY_COUNTRIES)),
    )
    keys = (
        work.filter("__eligible")
        .select(
            pl.col("country"),
            pl.col("bank_code").alias("abi"),
            pl.col("branch_code").alias("cab"),
            pl.col("account"),
        )
        .unique()
    )
    verdicts = _verdicts(keys, snapshot, as_of)
    joined = work.join(
        verdicts,
        left_on=["country", "bank_code", "branch_code", "account"],
        right_on=["country", "abi", "cab", "account"],
        how="left",
    )
    new_code = (
        pl.when(pl.col("__eligible")).then(pl.col("__code")).otherwise(pl.col("code").cast(pl.Utf8))
    )
    return (
        joined.sort("__row")
        .with_columns(code=new_code.cast(code_dtype))
        .select(*frame.columns, *ADDED_COLUMNS)
    )


def _verdicts(keys: pl.DataFrame, snapshot: RegistrySnapshot, as_of: dt.date) -> pl.DataFrame:
    """One verdict per distinct (country, ABI, CAB, account) of the eligible rows."""
    allow = pl.DataFrame(
        {"abi": list(ALWAYS_KNOWN), "allowed_name": list(ALWAYS_KNOWN.values())},
        schema={"abi": pl.Utf8, "allowed_name": pl.Utf8},
    )
    banks = snapshot.bank_status(as_of).with_columns(known=pl.lit(value=True))
    branches = snapshot.branch_status(as_of)
    with_data = snapshot.branch_banks().with_columns(has_branches=pl.lit(value=True))
    successor_branches = branches.select(
        pl.col("abi").alias("successor_abi"),
        "cab",
        pl.col("is_open").alias("successor_open"),
    )
    successor_banks = banks.select(
        pl.col("abi").alias("successor_abi"),
        pl.col("active_name").is_not_null().alias("successor_active"),
    )
    successor_data = with_data.rename(
        {"abi": "successor_abi", "has_branches": "successor_has_branches"}
    )
    frame = (
        keys.join(banks, on="abi", how="left")
        .join(allow, on="abi", how="left")
        .join(with_data, on="abi", how="left")
        .join(branches, on=["abi", "cab"], how="left")
        .join(snapshot.successors(as_of), on="abi", how="left")
        .join(successor_banks, on="successor_abi", how="left")
        .join(successor_data, on="successor_abi", how="left")
        .join(successor_branches, on=["successor_abi", "cab"], how="left")
        .with_columns(
            pl.col(
                "known",
                "has_branches",
                "is_open",
                "is_closed",
                "transferred",
                "successor_active",
                "successor_has_branches",
                "successor_open",
            ).fill_null(value=False)
        )
    )
    code = IbanCode
    known, active = pl.col("known"), pl.col("active_name").is_not_null()
    retired = ~active & pl.col("retired_name").is_not_null()
    verdict = (
        pl.when(~known & pl.col("allowed_name").is_not_null())
        .then(pl.lit(code.OK.value))
        .when(~known | (~active & ~retired))
        .then(pl.lit(code.UNKNOWN_BANK.value))
        .when(retired)
        .then(pl.lit(code.BANK_RETIRED.value))
        .when(~pl.col("has_branches") | pl.col("is_open"))
        .then(pl.lit(code.OK.value))
        .when(pl.col("is_closed"))
        .then(pl.lit(code.BRANCH_CLOSED.value))
        .otherwise(pl.lit(code.UNKNOWN_BRANCH.value))
    )
    bank_name = (
        pl.when(~known)
        .then(pl.col("allowed_name"))
        .otherwise(pl.coalesce("active_name", "retired_name"))
    )
    town = (
        pl.when(pl.col("__code") == code.BANK_RETIRED.value)
        .then(pl.col("latest_town"))
        .when(pl.col("__code") == code.BRANCH_CLOSED.value)
        .then(pl.col("closed_town"))
        .when((pl.col("__code") == code.OK.value) & known & pl.col("is_open"))
        .then(pl.col("open_town"))
    )
    proposing = (pl.col("__code") == code.BANK_RETIRED.value) & pl.col("successor_active")
    confidence = (
        pl.when(~proposing)
        .then(None)
        .when(~pl.col("successor_has_branches"))
        .then(pl.lit(Confidence.LOW.value))
        .when(pl.col("successor_open") & pl.col("transferred"))
        .then(pl.lit(Confidence.HIGH.value))
        .when(pl.col("successor_open"))
        .then(pl.lit(Confidence.MEDIUM.value))
        .otherwise(pl.lit(Confidence.LOW.value))
    )
    keeps_cab = proposing & (~pl.col("successor_has_branches") | pl.col("successor_open"))
    frame = frame.with_columns(__code=verdict, bank_name=bank_name).with_columns(
        branch_town=town,
        proposal_abi=pl.when(proposing).then(pl.col("successor_abi")),
        proposal_confidence=confidence,
        __keeps_cab=keeps_cab,
    )
    frame = _proposed_ibans(frame)
    return frame.select("country", "abi", "cab", "account", "__code", *ADDED_COLUMNS)


def _proposed_ibans(frame: pl.DataFrame) -> pl.DataFrame:
    """Recompute CIN and check digits for the (few) proposals that keep their CAB."""
    wanted = (
        frame.filter("__keeps_cab").select("country", "proposal_abi", "cab", "account").unique()
    )
    ibans = [
        build_iban(country, italian_bban(abi, cab, account))
        for country, abi, cab, account in wanted.iter_rows()
    ]
    proposals = wanted.with_columns(
        pl.Series("proposal_iban", ibans, dtype=pl.Utf8),
        __keeps_cab=pl.lit(value=True),
    )
    return frame.join(
        proposals,
        on=["country", "proposal_abi", "cab", "account", "__keeps_cab"],
        how="left",
    )
