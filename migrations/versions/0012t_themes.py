"""themes across categories (主题): a round's themes and the themes an application carries

- `round.themes`: JSON list of the round's themes (e.g. 文明创建, 建党百年); existing rounds
  have none.
- `application_theme`: one row per (application, theme), so the statistics group by theme in
  SQL; existing applications carry none.

Revision ID: 0012t_themes
Revises: 0011i_invitations
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012t_themes'
down_revision = '0011i_invitations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('themes', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
    op.create_table(
        'application_theme',
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('theme', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ondelete='CASCADE',
                                name=op.f('fk_application_theme_application_id_application')),
        sa.PrimaryKeyConstraint('application_id', 'theme', name=op.f('pk_application_theme')),
    )
    with op.batch_alter_table('application_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_theme_theme'), ['theme'], unique=False)


def downgrade():
    with op.batch_alter_table('application_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_theme_theme'))
    op.drop_table('application_theme')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('themes')
