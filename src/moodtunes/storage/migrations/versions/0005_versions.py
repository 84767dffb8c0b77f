"""versions of what processes cache: the catalog, and each profile's taste

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "versions",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(versions, [{"name": "catalog", "value": 0}])
    # Plain ALTER TABLE, as in 0004: batch mode would copy and drop the profiles table.
    op.add_column("profiles", sa.Column("version", sa.Integer(), nullable=False,
                                        server_default="0"))


def downgrade() -> None:
    op.drop_column("profiles", "version")
    op.drop_table("versions")
