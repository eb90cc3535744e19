"""payments: releases, payments, returns

Money after 立项, the payments half (issue 12 part A): `tranche_release` (one per tranche;
the database refuses one person both requesting and approving it), `payment` (one per form:
UNIQUE idempotency key; the payee as it stood; the voucher scan), `return_request` (money
the group is asked to pay back) and `money_return` (money paid back). Each approved
release, payment and return points at its ledger entry (UNIQUE). Nothing to carry: no
release, payment or return was written before.

Revision ID: 0011m_payments
Revises: 0010a_applicants
Create Date: 2026-12-01 14:42:48.709160

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011m_payments'
down_revision = '0010a_applicants'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('return_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('expected', 'received', name='returnstatus', native_enum=False, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_return_request_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_return_request_award_id_award')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_return_request_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_request'))
    )
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_request_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_request_status'), ['status'], unique=False)

    op.create_table('money_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('return_request_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_money_return_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_money_return_award_id_award')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], name=op.f('fk_money_return_entry_id_ledger_entry')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_money_return_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['return_request_id'], ['return_request.id'], name=op.f('fk_money_return_return_request_id_return_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_return')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_money_return_entry_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_money_return_idempotency_key'))
    )
    with op.batch_alter_table('money_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_return_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_return_return_request_id'), ['return_request_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('voucher_number', sa.String(length=64), nullable=False),
    sa.Column('payee_name', sa.String(length=200), nullable=False),
    sa.Column('payee_bank', sa.String(length=200), nullable=False),
    sa.Column('payee_account', sa.String(length=64), nullable=False),
    sa.Column('host_unit', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('scan_name', sa.String(length=255), nullable=False),
    sa.Column('scan_stored', sa.String(length=64), nullable=False),
    sa.Column('scan_type', sa.String(length=100), nullable=False),
    sa.Column('scan_size', sa.Integer(), nullable=False),
    sa.Column('scan_sha256', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payment_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_payment_award_id_award')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], name=op.f('fk_payment_entry_id_ledger_entry')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_payment_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranche.id'], name=op.f('fk_payment_tranche_id_tranche')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_payment_entry_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_idempotency_key'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_tranche_id'), ['tranche_id'], unique=False)

    op.create_table('tranche_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(released_by_id IS NULL) = (entry_id IS NULL)', name=op.f('ck_tranche_release_released_with_entry')),
    sa.CheckConstraint('released_by_id IS NULL OR released_by_id <> requested_by_id', name=op.f('ck_tranche_release_two_people')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_tranche_release_award_id_award')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], name=op.f('fk_tranche_release_entry_id_ledger_entry')),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_tranche_release_released_by_id_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_tranche_release_requested_by_id_user')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranche.id'], name=op.f('fk_tranche_release_tranche_id_tranche')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche_release')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_tranche_release_entry_id')),
    sa.UniqueConstraint('tranche_id', name=op.f('uq_tranche_release_tranche_id'))
    )
    with op.batch_alter_table('tranche_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranche_release_award_id'), ['award_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tranche_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tranche_release_award_id'))

    op.drop_table('tranche_release')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_tranche_id'))
        batch_op.drop_index(batch_op.f('ix_payment_award_id'))

    op.drop_table('payment')
    with op.batch_alter_table('money_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_return_return_request_id'))
        batch_op.drop_index(batch_op.f('ix_money_return_award_id'))

    op.drop_table('money_return')
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_request_status'))
        batch_op.drop_index(batch_op.f('ix_return_request_award_id'))

    op.drop_table('return_request')
