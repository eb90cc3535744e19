"""organisations: the county staff verified; when an invitation was last mailed

Eligibility (challenge regions, targeted pools) reads `organisation.verified_region`, not the
county a group last typed. Organisations verified before this revision were verified with
the county they show now, as far as the database knows, so it is copied for them.

Invitations get `sent_at` (the per-inviter and per-address limits count by it), filled with
`created_at` for existing rows, and an index on `invited_by_id`.

Revision ID: 0008b_org_verified_region
Revises: 0008a_review_integrity
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008b_org_verified_region'
down_revision = '0008a_review_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_region', sa.String(length=40), nullable=True))
    op.execute("UPDATE organisation SET verified_region = region WHERE status = 'verified'")

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE invitation SET sent_at = created_at")
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.alter_column('sent_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(batch_op.f('ix_invitation_invited_by_id'), ['invited_by_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_invited_by_id'))
        batch_op.drop_column('sent_at')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('verified_region')
