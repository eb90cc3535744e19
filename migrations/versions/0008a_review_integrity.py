"""review integrity: standing conflicts stored as typed; each award's own 公示 period

Revision ID: 0008a_review_integrity
Revises: 0007_merge
Create Date: 2026-12-01 11:18:37.470323

- reviewer_conflict: `declared_as` (the organisation's name or USCC as declared) replaces
  `organisation_id`; existing declarations carry over as their organisation's name.
- publicity_listing: when each award was put on the 公示 list and until when objections to
  it are accepted; existing 公示 get one row per award they listed.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008a_review_integrity'
down_revision = '0007_merge'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publicity_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('listed_at', sa.DateTime(), nullable=False),
    sa.Column('objections_until', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_publicity_listing_award_id_award'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_publicity_listing_publicity_id_publicity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_listing')),
    sa.UniqueConstraint('award_id', name=op.f('uq_publicity_listing_award_id'))
    )
    with op.batch_alter_table('publicity_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_listing_publicity_id'), ['publicity_id'], unique=False)
    _list_existing_awards()

    with op.batch_alter_table('reviewer_conflict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_as', sa.String(length=120), nullable=True))
    _carry_conflicts_over()
    with op.batch_alter_table('reviewer_conflict', schema=None) as batch_op:
        batch_op.alter_column('declared_as', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_index(batch_op.f('ix_reviewer_conflict_organisation_id'))
        batch_op.drop_constraint(batch_op.f('uq_reviewer_conflict_reviewer_id_organisation_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_reviewer_conflict_reviewer_id_declared_as'), ['reviewer_id', 'declared_as'])
        batch_op.drop_constraint(batch_op.f('fk_reviewer_conflict_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_column('organisation_id')


def _list_existing_awards():
    """Awards approved before their 公示 was published share its period; one approved
    afterwards (a waitlisted project moved up) gets a full period from its approval, unless
    the 公示 is over (finalised), when the periods are history and the shared one is kept."""
    publicity = sa.table('publicity', sa.column('id', sa.Integer), sa.column('round_id', sa.Integer),
                         sa.column('starts_at', sa.DateTime), sa.column('ends_at', sa.DateTime),
                         sa.column('published_at', sa.DateTime),
                         sa.column('finalised_at', sa.DateTime))
    round_ = sa.table('round', sa.column('id', sa.Integer),
                      sa.column('publicity_days', sa.Integer))
    award = sa.table('award', sa.column('id', sa.Integer), sa.column('round_id', sa.Integer),
                     sa.column('approved_at', sa.DateTime), sa.column('imported', sa.Boolean))
    listing = sa.table('publicity_listing', sa.column('publicity_id', sa.Integer),
                       sa.column('award_id', sa.Integer), sa.column('listed_at', sa.DateTime),
                       sa.column('objections_until', sa.DateTime))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(publicity.c.id, publicity.c.starts_at, publicity.c.ends_at,
                  publicity.c.published_at, publicity.c.finalised_at, round_.c.publicity_days,
                  award.c.id,
                  award.c.approved_at)
        .select_from(publicity.join(round_, round_.c.id == publicity.c.round_id)
                     .join(award, award.c.round_id == publicity.c.round_id))
        .where(award.c.imported == sa.false())).all()
    for (publicity_id, starts_at, ends_at, published_at, finalised_at, days, award_id,
         approved_at) in rows:
        # Within a minute of the publication is the publication's own batch (a seeder may
        # stamp the publication with the moment it started, before its approvals).
        if finalised_at is not None or approved_at is None \
                or approved_at <= published_at + timedelta(minutes=1):
            listed_at, until = starts_at, ends_at
        else:
            listed_at = max(starts_at, approved_at)
            until = listed_at + timedelta(days=days or 7)
        bind.execute(listing.insert().values(publicity_id=publicity_id, award_id=award_id,
                                             listed_at=listed_at, objections_until=until))


def _carry_conflicts_over():
    """A declaration becomes its organisation's name; two organisations of one name (with
    different USCCs) make one declaration of that name, which matches both."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.id, c.reviewer_id, o.name FROM reviewer_conflict c "
        "JOIN organisation o ON o.id = c.organisation_id ORDER BY c.id")).all()
    kept = set()
    for conflict_id, reviewer_id, name in rows:
        if (reviewer_id, name) in kept:
            bind.execute(sa.text("DELETE FROM reviewer_conflict WHERE id = :id"),
                         {"id": conflict_id})
            continue
        kept.add((reviewer_id, name))
        bind.execute(sa.text("UPDATE reviewer_conflict SET declared_as = :name WHERE id = :id"),
                     {"name": name[:120], "id": conflict_id})


def downgrade():
    with op.batch_alter_table('reviewer_conflict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.INTEGER(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_reviewer_conflict_reviewer_id_declared_as'), type_='unique')
    # Back to one row per organisation the declaration matches; declarations that match no
    # organisation cannot be kept in the old shape.
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT c.id, c.reviewer_id, c.declared_as, c.note, c.created_at FROM reviewer_conflict c "
        "ORDER BY c.id")).all()
    seen = set()
    for conflict_id, reviewer_id, declared_as, note, created_at in rows:
        matches = [i for (i,) in bind.execute(sa.text(
            "SELECT id FROM organisation WHERE name = :d OR uscc = :d ORDER BY id"),
            {"d": declared_as}) if (reviewer_id, i) not in seen]
        if not matches:
            bind.execute(sa.text("DELETE FROM reviewer_conflict WHERE id = :id"),
                         {"id": conflict_id})
            continue
        seen.update((reviewer_id, i) for i in matches)
        bind.execute(sa.text("UPDATE reviewer_conflict SET organisation_id = :o WHERE id = :id"),
                     {"o": matches[0], "id": conflict_id})
        for organisation_id in matches[1:]:
            bind.execute(sa.text(
                "INSERT INTO reviewer_conflict (reviewer_id, organisation_id, declared_as, note, "
                "created_at) VALUES (:r, :o, :d, :n, :c)"),
                {"r": reviewer_id, "o": organisation_id, "d": declared_as, "n": note,
                 "c": created_at})
    with op.batch_alter_table('reviewer_conflict', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_reviewer_conflict_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_reviewer_conflict_reviewer_id_organisation_id'), ['reviewer_id', 'organisation_id'])
        batch_op.create_index(batch_op.f('ix_reviewer_conflict_organisation_id'), ['organisation_id'], unique=False)
        batch_op.drop_column('declared_as')

    with op.batch_alter_table('publicity_listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_listing_publicity_id'))

    op.drop_table('publicity_listing')
