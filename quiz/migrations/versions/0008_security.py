"""security: a version on each saved answer, and failed logins for unknown emails

- ``responses.version``: 1 when an answer is first saved, +1 on every save; a save based on an older version
  (a second tab showing a stale answer) is refused. Existing answers start at 1.
- ``login_failures``: wrong passwords for emails without an account (by SHA-256 of the email), so that an
  unknown email locks exactly like a real one.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "login_failures",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("version")
