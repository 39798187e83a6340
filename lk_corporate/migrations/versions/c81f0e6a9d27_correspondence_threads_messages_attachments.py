"""correspondence: threads, messages, attachments, read markers

Revision ID: c81f0e6a9d27
Revises: a7c3e1d2b4f5
Create Date: 2026-12-02 09:28:15.127758
"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'c81f0e6a9d27'
down_revision = 'a7c3e1d2b4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('category', sa.Enum('general', 'readings', 'invoices', 'contract', 'other', name='threadcategory', native_enum=False, length=30), nullable=False),
    sa.Column('status', sa.Enum('open', 'answered', 'closed', name='threadstatus', native_enum=False, length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_client_message_id', sa.Integer(), nullable=True),
    sa.Column('last_staff_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_message_threads_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_message_threads_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_message_threads_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads'))
    )
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_threads_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_last_activity_at'), ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_status'), ['status'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('from_staff', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_thread_id'), ['thread_id'], unique=False)

    op.create_table('message_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_attachments_message_id_messages')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_message_attachments_thread_id_message_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_attachments'))
    )
    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_attachments_thread_id'), ['thread_id'], unique=False)

    op.create_table('message_read_markers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('read_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_message_read_markers_thread_id_message_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_read_markers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_read_markers')),
    sa.UniqueConstraint('thread_id', 'user_id', name=op.f('uq_message_read_markers_thread_id_user_id'))
    )
    with op.batch_alter_table('message_read_markers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_read_markers_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_read_markers_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message_read_markers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_read_markers_user_id'))
        batch_op.drop_index(batch_op.f('ix_message_read_markers_thread_id'))

    op.drop_table('message_read_markers')

    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_attachments_thread_id'))
        batch_op.drop_index(batch_op.f('ix_message_attachments_message_id'))

    op.drop_table('message_attachments')

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_thread_id'))

    op.drop_table('messages')

    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_threads_status'))
        batch_op.drop_index(batch_op.f('ix_message_threads_last_activity_at'))
        batch_op.drop_index(batch_op.f('ix_message_threads_client_id'))
        batch_op.drop_index(batch_op.f('ix_message_threads_assigned_to_id'))

    op.drop_table('message_threads')
