"""favourite artists and genres of a profile

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not Alembic's batch mode: on SQLite batch mode copies and drops the
# profiles table, and dropping it would cascade to every profile's library and feedback.
# SQLite has both statements natively since 3.35.


def upgrade() -> None:
    op.add_column("profiles", sa.Column("favourite_artists", sa.JSON(), nullable=False,
                                        server_default="[]"))
    op.add_column("profiles", sa.Column("favourite_genres", sa.JSON(), nullable=False,
                                        server_default="[]"))


def downgrade() -> None:
    op.drop_column("profiles", "favourite_genres")
    op.drop_column("profiles", "favourite_artists")
