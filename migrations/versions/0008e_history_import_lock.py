"""one imported round per year

Imports now run under a named lock; this index is the database's own guard behind it. Two
uploads that ran at once before the lock may have left two imported rounds for one year:
they are merged into the first (rows imported twice are dropped, the others move over
with their awards and challenges), so the index can be built and the year counts once.

Revision ID: 0008e_history_import_lock
Revises: 0008d_application_integrity
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008e_history_import_lock'
down_revision = '0008d_application_integrity'
branch_labels = None
depends_on = None

round_ = sa.table('round', sa.column('id', sa.Integer), sa.column('year', sa.Integer),
                  sa.column('imported', sa.Boolean), sa.column('total_budget_fen', sa.Integer),
                  sa.column('categories', sa.JSON))
application = sa.table('application', sa.column('id', sa.Integer),
                       sa.column('round_id', sa.Integer), sa.column('organisation_id', sa.Integer),
                       sa.column('challenge_id', sa.Integer), sa.column('title', sa.String))
organisation = sa.table('organisation', sa.column('id', sa.Integer),
                        sa.column('uscc', sa.String))
award = sa.table('award', sa.column('id', sa.Integer), sa.column('application_id', sa.Integer),
                 sa.column('round_id', sa.Integer), sa.column('amount_fen', sa.Integer))
challenge = sa.table('challenge', sa.column('id', sa.Integer), sa.column('round_id', sa.Integer),
                     sa.column('title', sa.String))


def _applications(conn, round_id):
    """(id, uscc, title, challenge_id, award id, award fen) of a round's applications."""
    return conn.execute(
        sa.select(application.c.id, organisation.c.uscc, application.c.title,
                  application.c.challenge_id, award.c.id, award.c.amount_fen)
        .select_from(application.join(organisation,
                                      application.c.organisation_id == organisation.c.id)
                     .outerjoin(award, award.c.application_id == application.c.id))
        .where(application.c.round_id == round_id).order_by(application.c.id)).all()


def _merge_into(conn, keeper, duplicates):
    # An import matches rows on (year, USCC, project title); the first import of a row wins,
    # as the importer never changes a row once imported.
    keys = {(uscc, title) for _, uscc, title, *_ in _applications(conn, keeper.id)}
    challenges = dict(conn.execute(sa.select(challenge.c.title, challenge.c.id)
                                   .where(challenge.c.round_id == keeper.id)
                                   .order_by(challenge.c.id)).all())
    budget_fen = keeper.total_budget_fen
    categories = list(keeper.categories or [])
    for duplicate in duplicates:
        same_challenge = {}
        for challenge_id, title in conn.execute(
                sa.select(challenge.c.id, challenge.c.title)
                .where(challenge.c.round_id == duplicate.id).order_by(challenge.c.id)):
            if title in challenges:
                same_challenge[challenge_id] = challenges[title]
            else:
                conn.execute(challenge.update().where(challenge.c.id == challenge_id)
                             .values(round_id=keeper.id))
                challenges[title] = challenge_id
        for app_id, uscc, title, challenge_id, award_id, award_fen in _applications(
                conn, duplicate.id):
            if (uscc, title) in keys:  # imported twice
                conn.execute(award.delete().where(award.c.application_id == app_id))
                conn.execute(application.delete().where(application.c.id == app_id))
                continue
            keys.add((uscc, title))
            conn.execute(application.update().where(application.c.id == app_id).values(
                round_id=keeper.id, challenge_id=same_challenge.get(challenge_id, challenge_id)))
            if award_id is not None:
                conn.execute(award.update().where(award.c.id == award_id)
                             .values(round_id=keeper.id))
                budget_fen += award_fen  # an imported round's budget is what it awarded
        if same_challenge:
            conn.execute(challenge.delete().where(challenge.c.id.in_(list(same_challenge))))
        categories += [c for c in duplicate.categories or [] if c not in categories]
        conn.execute(round_.delete().where(round_.c.id == duplicate.id))
    conn.execute(round_.update().where(round_.c.id == keeper.id)
                 .values(total_budget_fen=budget_fen, categories=categories))


def upgrade():
    conn = op.get_bind()
    imported = round_.c.imported.is_(sa.true())
    years = conn.execute(sa.select(round_.c.year).where(imported).group_by(round_.c.year)
                         .having(sa.func.count() > 1)).scalars().all()
    for year in years:
        keeper, *duplicates = conn.execute(
            sa.select(round_.c.id, round_.c.total_budget_fen, round_.c.categories)
            .where(imported, round_.c.year == year).order_by(round_.c.id)).all()
        _merge_into(conn, keeper, duplicates)

    op.create_index('uq_round_imported_year', 'round', ['year'], unique=True,
                    postgresql_where=sa.text('imported'), sqlite_where=sa.text('imported'))


def downgrade():
    # Merged rounds stay merged: the duplicates were the defect.
    op.drop_index('uq_round_imported_year', table_name='round')
