"""feedback events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedback_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.String(length=36), nullable=False),
        sa.Column('track_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('like', 'dislike', 'play', 'skip', 'complete')",
                           name='ck_feedback_events_kind'),
        sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('feedback_events', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_events_profile_created',
                              ['profile_id', 'created_at'], unique=False)
        batch_op.create_index('ix_feedback_events_track_id', ['track_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_events', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_events_track_id')
        batch_op.drop_index('ix_feedback_events_profile_created')
    op.drop_table('feedback_events')
