"""notification preferences per user and kind; the ledger of scheduled notices

Revision ID: a7c3e1d2b4f5
Revises: 3f359aa8bf3b
Create Date: 2026-12-02 09:28:15.127758

``users.receive_invoices_by_email`` (the registration form's «Получать счёт-извещение на
email») becomes the ``invoice_pdf`` notification preference: a user who had it on gets a row
switching the invoice PDF on (off is the default, so the others need none); downgrading
writes it back.
"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'a7c3e1d2b4f5'
down_revision = '3f359aa8bf3b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind'))
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_user_id'), ['user_id'], unique=False)

    op.create_table('notifications_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=100), nullable=False),
    sa.Column('sent_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_notifications_sent_client_id_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications_sent')),
    sa.UniqueConstraint('kind', 'client_id', 'subject_key', name=op.f('uq_notifications_sent_kind_client_id_subject_key'))
    )
    with op.batch_alter_table('notifications_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_sent_client_id'), ['client_id'], unique=False)

    users = sa.table('users', sa.column('id', sa.Integer),
                     sa.column('receive_invoices_by_email', sa.Boolean))
    op.execute(_preferences().insert().from_select(
        ['user_id', 'kind', 'enabled', 'updated_at'],
        sa.select(users.c.id, sa.literal('invoice_pdf'), sa.true(), sa.func.current_timestamp())
        .where(users.c.receive_invoices_by_email == sa.true())))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('receive_invoices_by_email')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receive_invoices_by_email', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    preferences = _preferences()
    users = sa.table('users', sa.column('id', sa.Integer),
                     sa.column('receive_invoices_by_email', sa.Boolean))
    op.execute(users.update().values(receive_invoices_by_email=True).where(users.c.id.in_(
        sa.select(preferences.c.user_id).where(preferences.c.kind == 'invoice_pdf',
                                               preferences.c.enabled == sa.true()))))

    with op.batch_alter_table('notifications_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_sent_client_id'))

    op.drop_table('notifications_sent')

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preferences_user_id'))

    op.drop_table('notification_preferences')


def _preferences() -> sa.TableClause:
    return sa.table('notification_preferences', sa.column('user_id', sa.Integer),
                    sa.column('kind', sa.String), sa.column('enabled', sa.Boolean),
                    sa.column('updated_at', sa.DateTime(timezone=True)))
