"""the notification centre (站内消息), and mail sent only once

Every mail to someone with an account now has an in-app copy, `notification`. Mail queued
before it gets its copy here, already read (the person was told by mail at the time), for the
account its address belongs to; account mails that carry a secret link (confirmation,
password reset) stay mail only, as they do from now on. `outbox_message.once_key` names a mail
that is sent at most once (a reviewer's reminder for a round and a day).

Revision ID: 0010c_notifications
Revises: 0009a_tranches_ledger
Create Date: 2026-12-09 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010c_notifications'
down_revision = '0009a_tranches_ledger'
branch_labels = None
depends_on = None

MAIL_ONLY = ('accounts/confirm_email', 'accounts/reset_password')

outbox_message = sa.table('outbox_message', sa.column('id', sa.Integer),
                          sa.column('to_address', sa.String), sa.column('template', sa.String),
                          sa.column('subject', sa.String), sa.column('body_text', sa.Text),
                          sa.column('created_at', sa.DateTime))
user = sa.table('user', sa.column('id', sa.Integer), sa.column('email', sa.String))
notification = sa.table('notification', sa.column('user_id', sa.Integer),
                        sa.column('outbox_message_id', sa.Integer),
                        sa.column('template', sa.String), sa.column('subject', sa.String),
                        sa.column('body_text', sa.Text), sa.column('created_at', sa.DateTime),
                        sa.column('read_at', sa.DateTime))


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('outbox_message_id', sa.Integer(), nullable=True),
        sa.Column('template', sa.String(length=80), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'],
                                name=op.f('fk_notification_outbox_message_id_outbox_message'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    )
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'])
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at'])
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.add_column(sa.Column('once_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_once_key'),
                                          ['once_key'])

    # Addresses are stored normalised on accounts, and mail to an account goes to that form.
    past = (sa.select(user.c.id, outbox_message.c.id, outbox_message.c.template,
                      outbox_message.c.subject, outbox_message.c.body_text,
                      outbox_message.c.created_at, outbox_message.c.created_at)
            .select_from(outbox_message.join(user, user.c.email == outbox_message.c.to_address))
            .where(outbox_message.c.template.not_in(MAIL_ONLY))
            .order_by(outbox_message.c.id))
    op.get_bind().execute(notification.insert().from_select(
        ['user_id', 'outbox_message_id', 'template', 'subject', 'body_text', 'created_at',
         'read_at'], past))


def downgrade():
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_once_key'), type_='unique')
        batch_op.drop_column('once_key')
    op.drop_index('ix_notification_user_created', table_name='notification')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')
