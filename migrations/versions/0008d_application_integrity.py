"""application start token: a repeated first save opens the draft the first one made

Revision ID: 0008d_application_integrity
Revises: 0008c_money_bigint
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008d_application_integrity'
down_revision = '0008c_money_bigint'
branch_labels = None
depends_on = None


def upgrade():
    # Existing applications keep NULL: they were not started from a token-carrying form,
    # and NULLs never collide in a unique constraint (SQLite and PostgreSQL alike).
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_application_organisation_id_start_token'),
            ['organisation_id', 'start_token'])


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_application_organisation_id_start_token'),
                                 type_='unique')
        batch_op.drop_column('start_token')
