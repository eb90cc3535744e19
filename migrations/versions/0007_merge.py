"""join rounds and review branches

Revision ID: 0007_merge
Revises: 0004_rounds, 0006_review
Create Date: 2026-11-23 14:57:20.093736

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_merge'
down_revision = ('0004_rounds', '0006_review')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
