"""invoice lines as one amount column per line kind on invoices

The line kinds are a fixed set with at most one line each: six nullable columns hold them,
a CHECK keeps them adding up to the total, and bulk loads write one row per invoice instead
of five.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LINE_KINDS = ("energy", "network", "excise", "vat", "fees", "other")
LINES_ADD_UP = (
    "("
    + " AND ".join(f"{k}_cents IS NULL" for k in LINE_KINDS)
    + ") OR ("
    + " + ".join(f"COALESCE({k}_cents, 0)" for k in LINE_KINDS)
    + " = amount_cents)"
)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        for kind in LINE_KINDS:
            batch_op.add_column(sa.Column(f"{kind}_cents", sa.BigInteger(), nullable=True))
    for kind in LINE_KINDS:
        op.execute(
            f"UPDATE invoices SET {kind}_cents = (SELECT l.amount_cents FROM invoice_lines l "
            f"WHERE l.invoice_id = invoices.id AND l.kind = '{kind}')"
        )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_check_constraint("lines_add_up", LINES_ADD_UP)
    op.drop_table("invoice_lines")


def downgrade() -> None:
    op.create_table(
        "invoice_lines",
        sa.Column("id", Id, nullable=False),
        sa.Column("invoice_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('energy', 'network', 'excise', 'vat', 'fees', 'other')",
            name=op.f("ck_invoice_lines_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint("invoice_id", "kind", name="uq_invoice_lines_invoice_kind"),
    )
    for kind in LINE_KINDS:
        op.execute(
            "INSERT INTO invoice_lines (invoice_id, kind, amount_cents) "
            f"SELECT id, '{kind}', {kind}_cents FROM invoices WHERE {kind}_cents IS NOT NULL"
        )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint("lines_add_up", type_="check")
        for kind in LINE_KINDS:
            batch_op.drop_column(f"{kind}_cents")
