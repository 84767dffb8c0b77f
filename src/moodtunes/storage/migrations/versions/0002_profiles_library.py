"""profiles and their libraries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'profiles',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'library_entries',
        sa.Column('profile_id', sa.String(length=36), nullable=False),
        sa.Column('track_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('saved', 'top', 'playlist')",
                           name='ck_library_entries_kind'),
        sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('profile_id', 'track_id', 'kind'),
    )
    with op.batch_alter_table('library_entries', schema=None) as batch_op:
        batch_op.create_index('ix_library_entries_track_id', ['track_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('library_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_library_entries_track_id')
    op.drop_table('library_entries')
    op.drop_table('profiles')
