"""spending: funding sources, budget versions, expenses, variations

Money after 立项, the spending half (issue 12 part B):
- `funding_source` and `pool_source` (a pool's slices by source; amount NULL is the rest of
  the pool, at most one per pool); ledger entries get `source_id`. Entries written before
  carry none: no pool named a source yet, so they stay 未指定来源 (unattributed).
- `spending_rules` per round (flag lines over N%, variations beyond M% need approval; a round
  without a row uses the defaults, 10% each).
- `budget_version` and `budget_version_line`: an award's budget versions; nothing to carry —
  until a version is made the baseline is read from the application's budget lines.
- `variation` (one waiting per award: partial unique index), `expense` (one per form token)
  and `expense_explanation`.

Revision ID: 0010f_spending
Revises: 0010c_notifications
Create Date: 2026-12-01 13:26:34.984315

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010f_spending'
down_revision = '0010c_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('league', 'civilisation', 'department', 'enterprise', 'foundation', name='fundingsourcekind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_funding_source_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_source')),
    sa.UniqueConstraint('kind', 'name', name=op.f('uq_funding_source_kind_name'))
    )
    op.create_table('spending_rules',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('overspend_percent', sa.Integer(), nullable=False),
    sa.Column('variation_percent', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('overspend_percent >= 0 AND overspend_percent <= 1000', name=op.f('ck_spending_rules_overspend_in_range')),
    sa.CheckConstraint('variation_percent >= 0 AND variation_percent <= 100', name=op.f('ck_spending_rules_variation_in_range')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_spending_rules_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_spending_rules_updated_by_id_user')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_spending_rules'))
    )
    op.create_table('pool_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount_fen IS NULL OR amount_fen > 0', name=op.f('ck_pool_source_amount_positive')),
    sa.ForeignKeyConstraint(['pool_id'], ['pool.id'], name=op.f('fk_pool_source_pool_id_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['funding_source.id'], name=op.f('fk_pool_source_source_id_funding_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_source')),
    sa.UniqueConstraint('pool_id', 'source_id', name=op.f('uq_pool_source_pool_id_source_id'))
    )
    with op.batch_alter_table('pool_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pool_source_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pool_source_source_id'), ['source_id'], unique=False)
        batch_op.create_index('uq_pool_source_rest', ['pool_id'], unique=True, postgresql_where=sa.text('amount_fen IS NULL'), sqlite_where=sa.text('amount_fen IS NULL'))

    op.create_table('expense',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sa.Integer(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('invoice_number', sa.String(length=64), nullable=False),
    sa.Column('invoice_key', sa.String(length=64), nullable=False),
    sa.Column('scan_name', sa.String(length=255), nullable=False),
    sa.Column('scan_stored', sa.String(length=64), nullable=False),
    sa.Column('scan_type', sa.String(length=100), nullable=False),
    sa.Column('scan_size', sa.Integer(), nullable=False),
    sa.Column('scan_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('recorded', 'voided', 'rejected', name='expensestatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('form_token', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_expense_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_expense_award_id_award')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_expense_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense')),
    sa.UniqueConstraint('award_id', 'form_token', name=op.f('uq_expense_award_id_form_token')),
    sa.UniqueConstraint('scan_stored', name=op.f('uq_expense_scan_stored'))
    )
    with op.batch_alter_table('expense', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expense_award_id'), ['award_id'], unique=False)
        batch_op.create_index('ix_expense_award_line', ['award_id', 'line_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_invoice_key'), ['invoice_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_expense_status'), ['status'], unique=False)

    op.create_table('expense_explanation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('question', 'answer', name='explanationkind', native_enum=False, length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_expense_explanation_author_id_user')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_expense_explanation_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_explanation'))
    )
    with op.batch_alter_table('expense_explanation', schema=None) as batch_op:
        batch_op.create_index('ix_expense_explanation_award_line', ['award_id', 'line_key'], unique=False)

    op.create_table('variation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'rejected', name='variationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('moved_fen', sa.BigInteger(), nullable=False),
    sa.Column('end_date_before', sa.Date(), nullable=True),
    sa.Column('end_date_after', sa.Date(), nullable=True),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint('moved_fen >= 0', name=op.f('ck_variation_moved_not_negative')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_variation_award_id_award')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_variation_decided_by_id_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_variation_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variation'))
    )
    with op.batch_alter_table('variation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variation_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_variation_status'), ['status'], unique=False)
        batch_op.create_index('uq_variation_requested', ['award_id'], unique=True, postgresql_where=sa.text("status = 'requested'"), sqlite_where=sa.text("status = 'requested'"))

    op.create_table('budget_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('origin', sa.Enum('original', 'revised', 'variation', name='budgetorigin', native_enum=False, length=20), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('variation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_budget_version_award_id_award')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_budget_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['variation_id'], ['variation.id'], name=op.f('fk_budget_version_variation_id_variation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_version')),
    sa.UniqueConstraint('award_id', 'number', name=op.f('uq_budget_version_award_id_number')),
    sa.UniqueConstraint('variation_id', name=op.f('uq_budget_version_variation_id'))
    )
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_version_award_id'), ['award_id'], unique=False)

    op.create_table('budget_version_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('category', sa.Enum('personnel', 'materials', 'publicity', 'transport', 'venue', 'other', name='budgetcategory', native_enum=False, length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_budget_version_line_amount_not_negative')),
    sa.ForeignKeyConstraint(['version_id'], ['budget_version.id'], name=op.f('fk_budget_version_line_version_id_budget_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_version_line')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_budget_version_line_version_id_key'))
    )
    with op.batch_alter_table('budget_version_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_version_line_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_entry_source_id'), ['source_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_source_id_funding_source'), 'funding_source', ['source_id'], ['id'])



def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_source_id_funding_source'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_source_id'))
        batch_op.drop_column('source_id')

    with op.batch_alter_table('budget_version_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_version_line_version_id'))

    op.drop_table('budget_version_line')
    with op.batch_alter_table('budget_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_version_award_id'))

    op.drop_table('budget_version')
    with op.batch_alter_table('variation', schema=None) as batch_op:
        batch_op.drop_index('uq_variation_requested', postgresql_where=sa.text("status = 'requested'"), sqlite_where=sa.text("status = 'requested'"))
        batch_op.drop_index(batch_op.f('ix_variation_status'))
        batch_op.drop_index(batch_op.f('ix_variation_award_id'))

    op.drop_table('variation')
    with op.batch_alter_table('expense_explanation', schema=None) as batch_op:
        batch_op.drop_index('ix_expense_explanation_award_line')

    op.drop_table('expense_explanation')
    with op.batch_alter_table('expense', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expense_status'))
        batch_op.drop_index(batch_op.f('ix_expense_invoice_key'))
        batch_op.drop_index('ix_expense_award_line')
        batch_op.drop_index(batch_op.f('ix_expense_award_id'))

    op.drop_table('expense')
    with op.batch_alter_table('pool_source', schema=None) as batch_op:
        batch_op.drop_index('uq_pool_source_rest', postgresql_where=sa.text('amount_fen IS NULL'), sqlite_where=sa.text('amount_fen IS NULL'))
        batch_op.drop_index(batch_op.f('ix_pool_source_source_id'))
        batch_op.drop_index(batch_op.f('ix_pool_source_pool_id'))

    op.drop_table('pool_source')
    op.drop_table('spending_rules')
    op.drop_table('funding_source')
