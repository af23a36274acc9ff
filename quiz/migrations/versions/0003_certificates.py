"""certificates as documents: random codes, expiry, revocation, supersession; exam validity

Certificates issued before this revision keep their stored code (``MC-000042-7F3A9C21B0``): verification looks
the stored code up and never recomputes it, so everything already printed keeps verifying. They never expire
(``expires_at`` stays empty) and print the academy named in the settings.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("academy", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signatory", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("revoke_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_certificates_revoked_by_users"), "users", ["revoked_by"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_certificates_superseded_by_certificates"), "certificates",
                                    ["superseded_by"], ["id"])
        batch_op.create_index(batch_op.f("ix_certificates_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("validity_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.drop_column("validity_months")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_expires_at"))
        batch_op.drop_constraint(batch_op.f("fk_certificates_superseded_by_certificates"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_certificates_revoked_by_users"), type_="foreignkey")
        for column in ("superseded_at", "superseded_by", "revoked_by", "revoke_reason", "signatory", "academy",
                       "expires_at"):
            batch_op.drop_column(column)
