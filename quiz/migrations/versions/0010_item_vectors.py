"""item vectors: each finished exam attempt's items packed for item analysis (issue 13)

``attempt_vectors`` holds, per finished exam attempt, the question version, the mark and the options chosen of
every item shown, packed (:mod:`quiz.domain.item_vector`), so that live item analysis reads one row per trainee
instead of a row per item. Its primary key (exam, trainee, start, attempt) keeps each trainee's first
attempt at an exam at the head of their range (SQLite: a WITHOUT ROWID table, stored in that order).
``attempts (exam_id, state)`` counts an exam's finished attempts from the index alone, which tells whether every
one has its vector. Written when an attempt is graded and whenever a mark changes
(:mod:`quiz.services.item_vectors`); the attempts finished before this migration get theirs here.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt_vectors",
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], ondelete="CASCADE",
                                name=op.f("fk_attempt_vectors_attempt_id_attempts")),
        sa.PrimaryKeyConstraint("exam_id", "user_id", "started_at", "attempt_id", name=op.f("pk_attempt_vectors")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_attempt_vectors_attempt_id"), "attempt_vectors", ["attempt_id"], unique=True)
    op.create_index("ix_attempts_exam_state", "attempts", ["exam_id", "state"])
    from quiz.services.item_vectors import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_attempts_exam_state", table_name="attempts")
    op.drop_table("attempt_vectors")
