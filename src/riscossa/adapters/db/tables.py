"""Schema as SQLAlchemy Core tables; Alembic migrations must keep the database equal to this.

Invariants that two writers could break live in CHECK constraints: every payment and every
item carries ``allocated_cents``, bounded by its amount, and each allocation increments both
in the same transaction — so no allocation can exceed either side, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

LINE_KINDS = ("energy", "network", "excise", "vat", "fees", "other")
LINES_ADD_UP = (
    "("
    + " AND ".join(f"{k}_cents IS NULL" for k in LINE_KINDS)
    + ") OR ("
    + " + ".join(f"COALESCE({k}_cents, 0)" for k in LINE_KINDS)
    + " = amount_cents)"
)

# Integer primary keys auto-increment on both backends; BigInteger for the big tables.
Id = BigInteger().with_variant(Integer(), "sqlite")

customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("segment", String(32), nullable=False),
    Column("tax_code", String(32), nullable=False, server_default=""),
    Column("tax_code_valid", Boolean, nullable=False, server_default="0"),
    Column("vat_number", String(32), nullable=False, server_default=""),
    Column("email", String(200), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("pec", String(200), nullable=False, server_default=""),
    Column("address", String(300), nullable=False, server_default=""),
    Column("postcode", String(10), nullable=False, server_default=""),
    Column("city", String(100), nullable=False, server_default=""),
    Column("province", String(4), nullable=False, server_default=""),
    Column("iban", String(64), nullable=False, server_default=""),
    Column("bonus_sociale", Boolean, nullable=False, server_default="0"),
    Column("vulnerable", Boolean, nullable=False, server_default="0"),
    Column("non_disconnectable", Boolean, nullable=False, server_default="0"),
    Column("row_hash", String(32), nullable=False),
    CheckConstraint("kind IN ('person', 'business')", name="kind"),
    CheckConstraint(
        "segment IN ('residential', 'business', 'public_administration')", name="segment"
    ),
)
Index("ix_customers_tax_code", customers.c.tax_code)
Index("ix_customers_iban", customers.c.iban)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("utility", String(16), nullable=False),
    Column("supply_point", String(40), nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("payment_method", String(16), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("row_hash", String(32), nullable=False),
    CheckConstraint("utility IN ('electricity', 'gas', 'water', 'telco')", name="utility"),
    CheckConstraint("status IN ('active', 'suspended', 'terminated')", name="status"),
    CheckConstraint(
        "payment_method IN ('sdd', 'bank_transfer', 'postal_slip', 'pagopa', 'card')",
        name="payment_method",
    ),
)
Index("ix_contracts_customer_id", contracts.c.customer_id)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Id, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("contract_id", Id, ForeignKey("contracts.id")),
    Column("kind", String(16), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("amount_cents", BigInteger, nullable=False),
    Column("allocated_cents", BigInteger, nullable=False, server_default="0"),
    Column("disputed", Boolean, nullable=False, server_default="0"),
    Column("payment_reference", String(40), nullable=False, server_default=""),
    # One amount per line kind (energy, network, excise, VAT, fees, other): the kinds are a
    # fixed set and at most one line each, so columns hold them without a 4x-larger table.
    *(Column(f"{kind}_cents", BigInteger) for kind in LINE_KINDS),
    Column("row_hash", String(32), nullable=False),
    CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
    CheckConstraint(LINES_ADD_UP, name="lines_add_up"),
    CheckConstraint(
        "(kind = 'invoice' AND amount_cents >= 0) OR (kind = 'credit_note' AND amount_cents <= 0)",
        name="sign",
    ),
    CheckConstraint(
        "allocated_cents >= 0 AND allocated_cents <= CASE WHEN amount_cents > 0 "
        "THEN amount_cents ELSE 0 END",
        name="allocated_within_amount",
    ),
    CheckConstraint("due_date >= issue_date", name="due_after_issue"),
)
Index("ix_invoices_customer_id", invoices.c.customer_id)
Index("ix_invoices_due_date", invoices.c.due_date)

payments = Table(
    "payments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("bank_reference", String(64), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("value_date", Date, nullable=False),
    Column("booking_date", Date),
    Column("amount_cents", BigInteger, nullable=False),
    Column("allocated_cents", BigInteger, nullable=False, server_default="0"),
    Column("customer_id", Id, ForeignKey("customers.id")),
    Column("payer_name", String(200), nullable=False, server_default=""),
    Column("payer_iban", String(64), nullable=False, server_default=""),
    Column("payer_tax_code", String(32), nullable=False, server_default=""),
    Column("reference", Text, nullable=False, server_default=""),
    Column("row_hash", String(32), nullable=False),
    # Flows: the file a payment came from, the creditor account credited, the payer's
    # end-to-end id, and the pagoPA flow id that ties a lump sum to its detail payments.
    Column("flow_file_id", Id, ForeignKey("flow_files.id")),
    Column("account", String(34), nullable=False, server_default=""),
    Column("end_to_end_id", String(35), nullable=False, server_default=""),
    Column("lump_sum_ref", String(64), nullable=False, server_default=""),
    Column("lump_sum", Boolean, nullable=False, server_default="0"),
    CheckConstraint(
        "channel IN ('bank_transfer', 'sdd', 'postal_slip', 'pagopa', 'card', 'cash')",
        name="channel",
    ),
    # reversed: an in-transit direct debit the bank rejected or returned, or a credit the
    # bank took back; split: a pagoPA lump sum whose detail flow turned it into payments.
    CheckConstraint(
        "status IN ('in_transit', 'booked', 'unapplied', 'reversed', 'split')", name="status"
    ),
    CheckConstraint("amount_cents > 0", name="positive"),
    CheckConstraint(
        "allocated_cents >= 0 AND allocated_cents <= amount_cents", name="allocated_within_amount"
    ),
)
Index("ix_payments_customer_id", payments.c.customer_id)
Index("ix_payments_row_hash", payments.c.row_hash)
Index("ix_payments_lump_sum_ref", payments.c.lump_sum_ref)

# One payment-flow file imported (statement, notification, RH, Poste, pagoPA): its hash
# refuses a second import of the same bytes.
flow_files = Table(
    "flow_files",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", String(500), nullable=False),
    Column("file_format", String(40), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("statements", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("payments", Integer, nullable=False),
    Column("credits_cents", BigInteger, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("reversals", Integer, nullable=False),
    Column("ignored", Integer, nullable=False),
)

# What the matching engine proposes for a payment it could not post: ranked, for the
# unapplied-payments desk.
payment_suggestions = Table(
    "payment_suggestions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("invoice_id", Id, ForeignKey("invoices.id")),
    Column("amount_cents", BigInteger, nullable=False),
    Column("rule", String(40), nullable=False),
    Column("confidence", Float, nullable=False),
)
Index("ix_payment_suggestions_payment_id", payment_suggestions.c.payment_id)
Index("ix_payment_suggestions_customer_id", payment_suggestions.c.customer_id)

# Payer identities learned from manual matches: the next payment from them finds its
# customer by itself.
payer_aliases = Table(
    "payer_aliases",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("value", String(200), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("kind IN ('iban', 'name', 'tax_code')", name="kind"),
)
Index("ix_payer_aliases_kind_value", payer_aliases.c.kind, payer_aliases.c.value, unique=True)

# Every manual change, with who made it and what it looked like before and after (JSON).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id")),
    Column("before", Text, nullable=False, server_default=""),
    Column("after", Text, nullable=False, server_default=""),
)
Index("ix_audit_log_entity_entity_id", audit_log.c.entity, audit_log.c.entity_id)
Index("ix_audit_log_customer_id", audit_log.c.customer_id)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("rule", String(40), nullable=False),
    Column("confidence", Float, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_cents > 0", name="positive"),
    CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
)
Index("ix_allocations_payment_id", allocations.c.payment_id)
Index("ix_allocations_invoice_id", allocations.c.invoice_id)

import_files = Table(
    "import_files",
    metadata,
    Column("id", Id, primary_key=True),
    Column("entity", String(16), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
)
Index("ix_import_files_sha256", import_files.c.sha256)

# --- Bank and branch registry (ABI/CAB) ----------------------------------------------------
# Every load keeps its rows under its own load_id; the newest load is the current registry,
# the previous ones stay for `riscossa registry diff`.

bank_registry_loads = Table(
    "bank_registry_loads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_dir", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("files", Text, nullable=False, server_default=""),
    Column("banks", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("branches", Integer, nullable=False),
)
Index("ix_bank_registry_loads_content_hash", bank_registry_loads.c.content_hash)

banks = Table(
    "banks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("load_id", Id, ForeignKey("bank_registry_loads.id", ondelete="CASCADE"), nullable=False),
    Column("abi", String(5), nullable=False),
    Column("name", String(300), nullable=False),
    Column("bic", String(11), nullable=False, server_default=""),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("source", String(16), nullable=False),
    CheckConstraint("length(abi) = 5", name="abi_length"),
)
Index("ix_banks_load_id_abi", banks.c.load_id, banks.c.abi)

bank_events = Table(
    "bank_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("load_id", Id, ForeignKey("bank_registry_loads.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("absorbed_abi", String(5), nullable=False),
    Column("successor_abi", String(5), nullable=False),
    Column("effective_date", Date, nullable=False),
    CheckConstraint("kind IN ('merger', 'absorption', 'renumbering')", name="kind"),
    CheckConstraint("absorbed_abi <> successor_abi", name="distinct_banks"),
)
Index("ix_bank_events_load_id_absorbed_abi", bank_events.c.load_id, bank_events.c.absorbed_abi)

branches = Table(
    "branches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("load_id", Id, ForeignKey("bank_registry_loads.id", ondelete="CASCADE"), nullable=False),
    Column("abi", String(5), nullable=False),
    Column("cab", String(5), nullable=False),
    Column("town", String(200), nullable=False, server_default=""),
    Column("opened", Date),
    Column("closed", Date),
    Column("closing_reason_code", String(16), nullable=False, server_default=""),
    Column("closing_reason", String(300), nullable=False, server_default=""),
    CheckConstraint("length(abi) = 5 AND length(cab) = 5", name="codes_length"),
)
Index("ix_branches_load_id_abi_cab", branches.c.load_id, branches.c.abi, branches.c.cab)

iban_monitor_runs = Table(
    "iban_monitor_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("checked", Integer, nullable=False, server_default="0"),
    Column("ok", Integer, nullable=False, server_default="0"),
    Column("warning", Integer, nullable=False, server_default="0"),
    Column("error", Integer, nullable=False, server_default="0"),
    Column("new", Integer, nullable=False, server_default="0"),
    Column("changed", Integer, nullable=False, server_default="0"),
    Column("resolved", Integer, nullable=False, server_default="0"),
)

# One problem with one customer's IBAN, open from the run that saw it first until the run
# that no longer sees it (resolved_run_id): the monthly cycle reports only the differences.
iban_findings = Table(
    "iban_findings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("iban", String(64), nullable=False),
    Column("code", String(24), nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("bank_code", String(16)),
    Column("bank_name", String(200)),
    Column("branch_code", String(16)),
    Column("proposal_iban", String(64)),
    Column("proposal_confidence", String(8)),
    Column("first_run_id", Id, ForeignKey("iban_monitor_runs.id"), nullable=False),
    Column("last_run_id", Id, ForeignKey("iban_monitor_runs.id"), nullable=False),
    Column("resolved_run_id", Id, ForeignKey("iban_monitor_runs.id")),
    CheckConstraint("verdict IN ('WARNING', 'ERROR')", name="verdict"),
)
Index("ix_iban_findings_customer_id", iban_findings.c.customer_id)
Index("ix_iban_findings_resolved_run_id", iban_findings.c.resolved_run_id)

# R-transactions of direct debits (reject, return, refund) with their SEPA reason code.
sdd_returns = Table(
    "sdd_returns",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("reference", String(64), nullable=False, unique=True),
    Column("reason_code", String(4), nullable=False),
    Column("collection_date", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("iban", String(64), nullable=False, server_default=""),
    Column("row_hash", String(32), nullable=False),
    CheckConstraint("amount_cents > 0", name="positive"),
)
Index("ix_sdd_returns_customer_id", sdd_returns.c.customer_id)

# A SEPA direct-debit mandate (UMR = unique mandate reference) with its debtor account.
mandates = Table(
    "mandates",
    metadata,
    Column("id", Id, primary_key=True),
    Column("umr", String(35), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("contract_id", Id, ForeignKey("contracts.id")),
    Column("creditor_id", String(35), nullable=False),
    Column("signature_date", Date, nullable=False),
    Column("debtor_name", String(140), nullable=False),
    Column("debtor_iban", String(34), nullable=False),
    Column("debtor_bic", String(11), nullable=False, server_default=""),
    Column("scheme", String(4), nullable=False, server_default="CORE"),
    Column("status", String(10), nullable=False, server_default="active"),
    Column("one_off", Boolean, nullable=False, server_default="0"),
    Column("last_collection_date", Date),
    # Pending amendment, sent with the next collection then cleared.
    Column("original_iban", String(34), nullable=False, server_default=""),
    Column("original_other_bank", Boolean, nullable=False, server_default="0"),
    Column("original_creditor_id", String(35), nullable=False, server_default=""),
    Column("row_hash", String(32), nullable=False),
    CheckConstraint("scheme IN ('CORE', 'B2B')", name="scheme"),
    CheckConstraint(
        "status IN ('active', 'amended', 'revoked', 'lapsed', 'cancelled')", name="status"
    ),
)
Index("ix_mandates_customer_id", mandates.c.customer_id)

mandate_events = Table(
    "mandate_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("mandate_id", Id, ForeignKey("mandates.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("before", Text, nullable=False, server_default=""),
    Column("after", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_mandate_events_mandate_id", mandate_events.c.mandate_id)

# One collection file sent to the bank.
sdd_collections = Table(
    "sdd_collections",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", String(35), nullable=False, unique=True),
    Column("file_format", String(24), nullable=False),
    Column("collection_date", Date, nullable=False),
    Column("presentation_date", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("items", Integer, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
)

# One debit of a collection: the item it collects and the in-transit payment standing for it.
sdd_collection_items = Table(
    "sdd_collection_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("collection_id", Id, ForeignKey("sdd_collections.id"), nullable=False),
    Column("end_to_end_id", String(35), nullable=False, unique=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("mandate_id", Id, ForeignKey("mandates.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False),
    Column("sequence_type", String(4), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("status", String(10), nullable=False, server_default="in_transit"),
    Column("reason_code", String(4), nullable=False, server_default=""),
    Column("outcome_file_id", Id, ForeignKey("sdd_outcome_files.id")),
    Column("settled_date", Date),
    CheckConstraint("amount_cents > 0", name="positive"),
    CheckConstraint(
        "status IN ('in_transit', 'settled', 'rejected', 'returned', 'refunded')", name="status"
    ),
    CheckConstraint("sequence_type IN ('FRST', 'RCUR', 'FNAL', 'OOFF')", name="sequence_type"),
)
Index("ix_sdd_collection_items_collection_id", sdd_collection_items.c.collection_id)
Index("ix_sdd_collection_items_invoice_id", sdd_collection_items.c.invoice_id)
Index("ix_sdd_collection_items_status", sdd_collection_items.c.status)

# An outcome file ("esiti") applied once: its hash refuses a second import.
sdd_outcome_files = Table(
    "sdd_outcome_files",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", String(500), nullable=False),
    Column("file_format", String(40), nullable=False),
    Column("message_id", String(64), nullable=False, server_default=""),
    Column("original_message_id", String(64), nullable=False, server_default=""),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("items", Integer, nullable=False),
)

# What each R-transaction calls for, from the follow-up policy (data, not code).
sdd_followups = Table(
    "sdd_followups",
    metadata,
    Column("id", Id, primary_key=True),
    Column("collection_item_id", Id, ForeignKey("sdd_collection_items.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("reason_code", String(4), nullable=False),
    Column("action", String(24), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("status", String(8), nullable=False, server_default="open"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('open', 'done', 'dropped')", name="status"),
)
Index("ix_sdd_followups_customer_id", sdd_followups.c.customer_id)
Index("ix_sdd_followups_invoice_id", sdd_followups.c.invoice_id)

# --- Collections (recupero crediti) ----------------------------------------------------------
# One daily run per date: a second run of the same date replaces its planned actions (dry runs
# are never stored). ``strategies`` is the JSON of the strategy name -> version used.

collection_runs = Table(
    "collection_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("as_of", Date, nullable=False, unique=True),
    Column("strategies", Text, nullable=False, server_default=""),
    Column("positions", Integer, nullable=False, server_default="0"),
    Column("actions", Integer, nullable=False, server_default="0"),
    Column("suppressed", Integer, nullable=False, server_default="0"),
    Column("postponed", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One action the run planned for one customer (and contract, for per-contract strategies).
collection_actions = Table(
    "collection_actions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("run_id", Id, ForeignKey("collection_runs.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("contract_id", Id, ForeignKey("contracts.id")),
    Column("strategy", String(64), nullable=False),
    Column("strategy_version", String(32), nullable=False),
    Column("arm", String(12), nullable=False),
    Column("step_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("lot_code", String(80)),
    Column("status", String(10), nullable=False, server_default="planned"),
    CheckConstraint("arm IN ('champion', 'challenger')", name="arm"),
    CheckConstraint("status IN ('planned', 'done', 'cancelled')", name="status"),
)
Index("ix_collection_actions_run_id", collection_actions.c.run_id)
Index("ix_collection_actions_customer_id", collection_actions.c.customer_id)
Index("ix_collection_actions_due_date", collection_actions.c.due_date)

# What came of a contact: recorded by an operator, or by an agency's return file.
contact_outcomes = Table(
    "contact_outcomes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("action_id", Id, ForeignKey("collection_actions.id")),
    Column("outcome", String(24), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    CheckConstraint(
        "outcome IN ('paid', 'partially_paid', 'promise', 'refused', 'unreachable', "
        "'dispute', 'wrong_contact')",
        name="outcome",
    ),
)
Index("ix_contact_outcomes_customer_id", contact_outcomes.c.customer_id)
Index("ix_contact_outcomes_action_id", contact_outcomes.c.action_id)

promises = Table(
    "promises",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("outcome_id", Id, ForeignKey("contact_outcomes.id")),
    Column("amount_cents", BigInteger, nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("tolerance_days", Integer, nullable=False, server_default="0"),
    Column("created_on", Date, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    CheckConstraint("amount_cents > 0", name="positive"),
    CheckConstraint("tolerance_days >= 0", name="tolerance_days"),
    CheckConstraint(
        "status IN ('pending', 'kept', 'partially_kept', 'broken', 'cancelled')", name="status"
    ),
    CheckConstraint("promised_date >= created_on", name="promised_after_created"),
)
Index("ix_promises_customer_id", promises.c.customer_id)

# A pause of the collections for one customer; ending one early sets ended_at, never deletes.
collection_pauses = Table(
    "collection_pauses",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("to_date", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    CheckConstraint("to_date >= from_date", name="dates"),
)
Index("ix_collection_pauses_customer_id", collection_pauses.c.customer_id)
