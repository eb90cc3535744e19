"""payees and agreements: payee account versions, award payees, agreement texts, agreements

Money after 立项, the payee and agreement half (issue 12 part P):
- `payee_account`: an organisation's payee account (its own, or through its host unit, 依托单位)
  in versions (UNIQUE organisation, version); a change is a new row that waits for finance.
- `award_payee`: the account each award's money goes to, append-only (the latest row).
- `agreement_text`: per round, the organizer's agreement text; rounds without one use the
  default text (nothing to carry).
- `agreement`: per award, the signed document (its PDF bytes and SHA-256), who signed, when,
  from which address, or the stamped scan. Nothing to carry: no award had an agreement.

Revision ID: 0011p_payees_agreements
Revises: 0010a_applicants
Create Date: 2026-12-01 14:43:43.203021

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011p_payees_agreements'
down_revision = '0011m_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement_text',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('rules_version', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_agreement_text_version_positive')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_agreement_text_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_agreement_text_updated_by_id_user')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_agreement_text'))
    )
    op.create_table('payee_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('via_host_unit', sa.Boolean(), nullable=False),
    sa.Column('host_unit_name', sa.String(length=120), nullable=False),
    sa.Column('host_unit_uscc', sa.String(length=18), nullable=False),
    sa.Column('account_name', sa.String(length=120), nullable=False),
    sa.Column('bank', sa.String(length=120), nullable=False),
    sa.Column('account_number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', 'superseded', name='payeestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint("(via_host_unit AND host_unit_name <> '' AND host_unit_uscc <> '') OR (NOT via_host_unit AND host_unit_name = '' AND host_unit_uscc = '')", name=op.f('ck_payee_account_host_unit_complete')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_payee_account_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_payee_account_created_by_id_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_payee_account_decided_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_payee_account_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payee_account')),
    sa.UniqueConstraint('organisation_id', 'version', name=op.f('uq_payee_account_organisation_id_version'))
    )
    with op.batch_alter_table('payee_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payee_account_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payee_account_status'), ['status'], unique=False)

    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'scan_uploaded', 'signed', name='agreementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('method', sa.Enum('in_app', 'scan', name='signingmethod', native_enum=False, length=20), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('text_version', sa.Integer(), nullable=True),
    sa.Column('signer_name', sa.String(length=60), nullable=True),
    sa.Column('signed_ip', sa.String(length=45), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('scan_name', sa.String(length=255), nullable=True),
    sa.Column('scan_stored_name', sa.String(length=64), nullable=True),
    sa.Column('scan_type', sa.String(length=100), nullable=True),
    sa.Column('scan_sha256', sa.String(length=64), nullable=True),
    sa.Column('scan_uploaded_at', sa.DateTime(), nullable=True),
    sa.Column('scan_uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'signed' OR (pdf_sha256 IS NOT NULL AND pdf IS NOT NULL AND signed_at IS NOT NULL AND method IS NOT NULL)", name=op.f('ck_agreement_signed_has_document')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_agreement_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_agreement_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['scan_uploaded_by_id'], ['user.id'], name=op.f('fk_agreement_scan_uploaded_by_id_user')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_agreement_signed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('award_id', name=op.f('uq_agreement_award_id'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_status'), ['status'], unique=False)

    op.create_table('award_payee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('payee_account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_payee_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payee_account_id'], ['payee_account.id'], name=op.f('fk_award_payee_payee_account_id_payee_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_payee'))
    )
    with op.batch_alter_table('award_payee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_payee_award_id'), ['award_id'], unique=False)



def downgrade():
    with op.batch_alter_table('award_payee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_payee_award_id'))

    op.drop_table('award_payee')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_status'))

    op.drop_table('agreement')
    with op.batch_alter_table('payee_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payee_account_status'))
        batch_op.drop_index(batch_op.f('ix_payee_account_organisation_id'))

    op.drop_table('payee_account')
    op.drop_table('agreement_text')
