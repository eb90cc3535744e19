"""money columns are BIGINT fen

A 32-bit INTEGER holds at most ¥21,474,836.47: a ¥30,000,000 round budget could not be
saved on PostgreSQL. Every `*_fen` column becomes BIGINT; existing amounts are kept as they
are (PostgreSQL widens in place, SQLite's batch mode copies the table).

Revision ID: 0008c_money_bigint
Revises: 0008b_org_verified_region
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008c_money_bigint'
down_revision = '0008b_org_verified_region'
branch_labels = None
depends_on = None

# table -> [(column, nullable)]
FEN_COLUMNS = {
    'round': [('total_budget_fen', False), ('max_amount_per_project_fen', True)],
    'pool': [('amount_fen', False)],
    'challenge': [('cap_per_team_fen', False)],
    'application': [('requested_fen', False)],
    'budget_line': [('unit_price_fen', False), ('amount_fen', False)],
    'award': [('amount_fen', False)],
    'ledger_entry': [('amount_fen', False)],
}


def _change(from_type, to_type):
    for table, columns in FEN_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, nullable in columns:
                batch_op.alter_column(column, existing_type=from_type, type_=to_type,
                                      existing_nullable=nullable)


def upgrade():
    _change(sa.Integer(), sa.BigInteger())


def downgrade():
    # Fails on PostgreSQL if an amount no longer fits 32 bits, rather than cutting it.
    _change(sa.BigInteger(), sa.Integer())
