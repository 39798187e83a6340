"""API tokens (personal tokens for /api/v1, stored as SHA-256)

Revision ID: c3cbdfa58503
Revises: 3e768c2c992d
Create Date: 2026-12-02 09:10:52.771917

"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'c3cbdfa58503'
down_revision = '3e768c2c992d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_ip', sa.String(length=64), nullable=False, server_default=''),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
