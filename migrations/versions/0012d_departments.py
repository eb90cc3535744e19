"""partner departments (命题方): departments, their contacts, challenge drafts

- `department`: name (unique), who created it.
- `department_contact`: a user who speaks for a department (unique per department).
- `challenge_draft`: a challenge a department proposes for a round, until an organizer
  publishes it as a challenge (`challenge_id` set exactly when published).
- `challenge.department_id`: the challenge's proposing department (命题方), optional.

Revision ID: 0012d_departments
Revises: 0011i_invitations
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012d_departments'
down_revision = '0012t_themes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'department',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_department_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
        sa.UniqueConstraint('name', name=op.f('uq_department_name')),
    )
    op.create_table(
        'department_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='CASCADE',
                                name=op.f('fk_department_contact_department_id_department')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_department_contact_user_id_user')),
        sa.ForeignKeyConstraint(['added_by_id'], ['user.id'],
                                name=op.f('fk_department_contact_added_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_contact')),
        sa.UniqueConstraint('department_id', 'user_id',
                            name=op.f('uq_department_contact_department_id_user_id')),
    )
    op.create_index(op.f('ix_department_contact_department_id'), 'department_contact',
                    ['department_id'])
    op.create_index(op.f('ix_department_contact_user_id'), 'department_contact', ['user_id'])
    with op.batch_alter_table('challenge') as batch:
        batch.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_challenge_department_id_department'), 'department',
                                 ['department_id'], ['id'])
        batch.create_index(op.f('ix_challenge_department_id'), ['department_id'])
    op.create_table(
        'challenge_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('background', sa.Text(), nullable=False),
        sa.Column('expected_outcomes', sa.Text(), nullable=False),
        sa.Column('indicators', sa.Text(), nullable=False),
        sa.Column('cap_per_team_fen', sa.BigInteger(), nullable=False),
        sa.Column('slots', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('draft', 'published', name='challengedraftstatus',
                                    native_enum=False, length=10), nullable=False),
        sa.Column('drafted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('challenge_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('slots >= 1', name=op.f('ck_challenge_draft_at_least_one_slot')),
        sa.CheckConstraint('cap_per_team_fen > 0', name=op.f('ck_challenge_draft_positive_cap')),
        sa.CheckConstraint("(status = 'published') = (challenge_id IS NOT NULL)",
                           name=op.f('ck_challenge_draft_published_has_challenge')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_challenge_draft_department_id_department')),
        sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE',
                                name=op.f('fk_challenge_draft_round_id_round')),
        sa.ForeignKeyConstraint(['drafted_by_id'], ['user.id'],
                                name=op.f('fk_challenge_draft_drafted_by_id_user')),
        sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'],
                                name=op.f('fk_challenge_draft_challenge_id_challenge')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_draft')),
        sa.UniqueConstraint('challenge_id', name=op.f('uq_challenge_draft_challenge_id')),
    )
    op.create_index(op.f('ix_challenge_draft_department_id'), 'challenge_draft',
                    ['department_id'])
    op.create_index(op.f('ix_challenge_draft_round_id'), 'challenge_draft', ['round_id'])
    op.create_index(op.f('ix_challenge_draft_status'), 'challenge_draft', ['status'])


def downgrade():
    op.drop_table('challenge_draft')
    with op.batch_alter_table('challenge') as batch:
        batch.drop_index(op.f('ix_challenge_department_id'))
        batch.drop_constraint(op.f('fk_challenge_department_id_department'), type_='foreignkey')
        batch.drop_column('department_id')
    op.drop_table('department_contact')
    op.drop_table('department')
