"""invitations with a role: an admin invites a person by e-mail to take roles

- `role_invitation`: the invited address (normalised), the roles (JSON list), the SHA-256 of
  the mailed link's secret, when it expires, who invited, when it was last sent, accepted (by
  whom) or revoked. An invitation is accepted or revoked, never both; it expires after it
  was made.

Revision ID: 0011i_invitations
Revises: 0010a_applicants
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011i_invitations'
down_revision = '0011p_payees_agreements'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'role_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('expires_at > created_at',
                           name=op.f('ck_role_invitation_expires_after_created')),
        sa.CheckConstraint('accepted_at IS NULL OR revoked_at IS NULL',
                           name=op.f('ck_role_invitation_accepted_or_revoked')),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'],
                                name=op.f('fk_role_invitation_accepted_by_id_user')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'],
                                name=op.f('fk_role_invitation_invited_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_invitation')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_role_invitation_token_hash')),
    )
    with op.batch_alter_table('role_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_invitation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_invitation_invited_by_id'), ['invited_by_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('role_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_invitation_invited_by_id'))
        batch_op.drop_index(batch_op.f('ix_role_invitation_email'))
    op.drop_table('role_invitation')
