"""tranches are rows; imported history is on the ledger

Payments need a state per tranche, so an award's tranche plan moves from the JSON column
`award.tranche_plan` into `tranche` rows (amounts copied exactly as stored; an award without
a plan gets the one tranche `commit_award` gives it: the whole amount, on award). Ledger
entries point at a tranche (`tranche_id`, replacing the unused `tranche_index`) and say
whether they were imported.

Imported history was finished and paid in full before the platform: each imported award
gets one paid tranche and COMMIT, RELEASE and PAYMENT entries marked imported, as the
importer now writes them, so balances are sums of entries for every year.

Revision ID: 0009a_tranches_ledger
Revises: 0008e_history_import_lock
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009a_tranches_ledger'
down_revision = '0008e_history_import_lock'
branch_labels = None
depends_on = None

GATES = ('on_award', 'after_agreement', 'after_report', 'after_midterm', 'after_acceptance')
STATES = ('scheduled', 'releasable', 'release_requested', 'released', 'paid', 'cancelled')
FULL_PAYMENT = '全额拨付'
IMPORTED_NOTE = '历史数据导入：全额拨付'

award = sa.table('award', sa.column('id', sa.Integer), sa.column('round_id', sa.Integer),
                 sa.column('pool_id', sa.Integer), sa.column('amount_fen', sa.BigInteger),
                 sa.column('tranche_plan', sa.JSON), sa.column('imported', sa.Boolean),
                 sa.column('approved_at', sa.DateTime), sa.column('awarded_at', sa.DateTime),
                 sa.column('approved_by_id', sa.Integer))
tranche = sa.table('tranche', sa.column('id', sa.Integer), sa.column('award_id', sa.Integer),
                   sa.column('index', sa.Integer), sa.column('label', sa.String),
                   sa.column('percent', sa.Integer), sa.column('amount_fen', sa.BigInteger),
                   sa.column('gate', sa.String), sa.column('state', sa.String))
ledger_entry = sa.table('ledger_entry', sa.column('id', sa.Integer),
                        sa.column('round_id', sa.Integer), sa.column('pool_id', sa.Integer),
                        sa.column('award_id', sa.Integer), sa.column('tranche_id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('amount_fen', sa.BigInteger),
                        sa.column('note', sa.String), sa.column('imported', sa.Boolean),
                        sa.column('created_at', sa.DateTime),
                        sa.column('created_by_id', sa.Integer))


def _plan_rows(plan, amount_fen):
    """The JSON plan as tranche rows, as stored; none stored: the whole amount on award."""
    rows = [t for t in (plan or []) if isinstance(t, dict)]
    if not rows:
        return [dict(label=FULL_PAYMENT, percent=100, amount_fen=amount_fen, gate='on_award')]
    return [dict(label=str(t.get('label') or '')[:200], percent=int(t.get('percent') or 0),
                 amount_fen=int(t.get('amount_fen') or 0),
                 gate=t.get('gate') if t.get('gate') in GATES else 'on_award') for t in rows]


def _insert_tranche(conn, award_id, index, row, state):
    return conn.execute(tranche.insert().values(award_id=award_id, index=index, state=state,
                                                **row).returning(tranche.c.id)).scalar_one()


def _carry_plans(conn):
    for a in conn.execute(sa.select(award).order_by(award.c.id)).all():
        if not a.imported:
            for index, row in enumerate(_plan_rows(a.tranche_plan, a.amount_fen), start=1):
                _insert_tranche(conn, a.id, index, row, 'scheduled')
            continue
        tranche_id = _insert_tranche(
            conn, a.id, 1, dict(label=FULL_PAYMENT, percent=100, amount_fen=a.amount_fen,
                                gate='on_award'), 'paid')
        has_entries = conn.execute(sa.select(ledger_entry.c.id).where(
            ledger_entry.c.award_id == a.id).limit(1)).first()
        if has_entries:
            continue
        for kind in ('commit', 'release', 'payment'):
            conn.execute(ledger_entry.insert().values(
                round_id=a.round_id, pool_id=a.pool_id, award_id=a.id,
                tranche_id=None if kind == 'commit' else tranche_id, kind=kind,
                amount_fen=a.amount_fen, note=IMPORTED_NOTE, imported=True,
                created_at=a.awarded_at or a.approved_at, created_by_id=a.approved_by_id))


def upgrade():
    op.create_table('tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('gate', sa.Enum(*GATES, name='tranchegate', native_enum=False, length=20),
              nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='tranchestate', native_enum=False, length=20),
              nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=True),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_tranche_amount_not_negative')),
    sa.CheckConstraint('percent >= 0 AND percent <= 100',
                       name=op.f('ck_tranche_percent_in_range')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_tranche_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche')),
    sa.UniqueConstraint('award_id', 'index', name=op.f('uq_tranche_award_id_index'))
    )

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tranche_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('imported', sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_entry_tranche_id'), ['tranche_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_tranche_id_tranche'),
                                    'tranche', ['tranche_id'], ['id'])
        # Never written: releases and payments did not exist yet.
        batch_op.drop_column('tranche_index')
    op.execute(ledger_entry.update().values(imported=False))

    _carry_plans(op.get_bind())

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('imported', existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('tranche_plan')


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tranche_plan', sa.JSON(), nullable=True))
    plans = {}
    for row in conn.execute(sa.select(tranche).order_by(tranche.c.award_id, tranche.c.index)):
        plans.setdefault(row.award_id, []).append(
            {'label': row.label, 'percent': row.percent, 'gate': row.gate,
             'amount_fen': row.amount_fen})
    for a in conn.execute(sa.select(award.c.id, award.c.imported)).all():
        # Imported awards had no plan before this revision.
        conn.execute(award.update().where(award.c.id == a.id)
                     .values(tranche_plan=[] if a.imported else plans.get(a.id, [])))
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.alter_column('tranche_plan', existing_type=sa.JSON(), nullable=False)

    conn.execute(ledger_entry.delete().where(ledger_entry.c.imported.is_(sa.true())))
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tranche_index', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_tranche_id_tranche'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_tranche_id'))
        batch_op.drop_column('imported')
        batch_op.drop_column('tranche_id')
    op.drop_table('tranche')
